"""Settings for itda. Environments differ only through environment variables (see README)."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from itda.lib.env import env_bool, env_int, env_secret, parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("ITDA_DEBUG", default=False)
SECRET_KEY = env_secret("ITDA_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("ITDA_SECRET_KEY (or ITDA_SECRET_KEY_FILE) is required when ITDA_DEBUG is off")
    SECRET_KEY = "itda-development-only-key-never-use-in-production"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = [host for host in os.environ.get("ITDA_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if host]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("ITDA_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "itda.accounts",
    "itda.audit",
    "itda.places",
    "itda.programs",
    "itda.people",
    "itda.cases",
    "itda.contacts",
    "itda.screenings",
    "itda.referrals",
    "itda.households",
    "itda.volunteers",
    "itda.checkins",
    "itda.insights",
    "itda.portal",
    "itda.console",
    "itda.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "itda.urls"
WSGI_APPLICATION = "itda.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "itda" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "itda.programs.context_processors.crisis_lines",
            ],
        },
    },
]

DATABASES = {
    "default": parse_database_url(
        os.environ.get("ITDA_DATABASE_URL", "sqlite:///var/itda.sqlite3"),
        BASE_DIR,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "portal:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "itda" / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "itda" / "static"]
STATIC_ROOT = BASE_DIR / "var" / "static"
# WhiteNoise warns when the folder is missing, which it is until the first collectstatic.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Production serves hashed, compressed files collected by `collectstatic`; development and tests
# serve straight from the apps' static folders.
STATIC_MANIFEST = env_bool("ITDA_STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("ITDA_SESSION_SECONDS", 8 * 60 * 60)
SESSION_COOKIE_SECURE = env_bool("ITDA_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "TIMEOUT": env_int("ITDA_CACHE_SECONDS", 60),
    }
}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("ITDA_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Where the reference files live (district boundaries, median income, indicators).
ITDA_DATA_DIR = Path(os.environ.get("ITDA_DATA_DIR", BASE_DIR / "data"))
# Where the population data lives (synthetic or real households and ingested signal feeds, as Parquet).
ITDA_POPULATION_DIR = Path(os.environ.get("ITDA_POPULATION_DIR", BASE_DIR / "var" / "population"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ITDA_LOG_LEVEL", "WARNING")},
}
