from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "itda.accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from itda.lib import lookups

        lookups.register()  # field__any=ids, for every app's queries
