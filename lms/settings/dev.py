"""Settings for a newcomer's machine: `make run` uses these."""

from .base import *  # noqa: F403

DEBUG = env.bool("DEBUG", default=True)
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
CAPNUM_SETTINGS_NAME = "dev"

WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
