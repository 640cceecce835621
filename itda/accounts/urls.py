from django.urls import path

from itda.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("sign-up/", views.sign_up, name="sign_up"),
    path("password/", views.password_change, name="password_change"),
    path("consents/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("delete/", views.delete_account, name="delete"),
    path("deleted/", views.deleted, name="deleted"),
    path("", views.home, name="home"),
]
