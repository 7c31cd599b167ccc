import logging

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger("lms")


def describe_mode() -> str:
    """One line saying which services this process uses."""
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    tasks = "eager (in-process)" if settings.CELERY_TASK_ALWAYS_EAGER else "Celery via Redis"
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1].removesuffix("Cache")
    mail = settings.EMAIL_BACKEND.rsplit(".", 2)[-2]
    media = "S3-compatible bucket" if settings.MEDIA_BUCKET else f"folder {settings.MEDIA_ROOT}"
    return (
        f"Cap Numérique [{settings.CAPNUM_SETTINGS_NAME}]: database {database}, tasks {tasks}, "
        f"cache {cache}, mail {mail}, media {media}"
    )


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = "Cap Numérique"

    def ready(self):
        logger.info(describe_mode())
