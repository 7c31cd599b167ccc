"""The periodic tasks beat starts with name tasks that exist."""

import pytest
from django.conf import settings

from lms.celery import app


@pytest.mark.parametrize("entry", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_beat_schedule_names_a_registered_task(entry):
    """Each beat entry names a task the workers know (a typo would fail silently every night)."""
    app.loader.import_default_modules()
    assert settings.CELERY_BEAT_SCHEDULE[entry]["task"] in app.tasks
