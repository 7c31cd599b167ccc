"""Production settings: fail fast without secrets, and pass `check --deploy` without a warning."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = "p" * 20 + "-9f8e7d6c5b4a3210-fedcba9876543210-" + "q" * 20


def manage(*args, env_overrides=None):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"))
    }
    env["DJANGO_SETTINGS_MODULE"] = "lms.settings.production"
    env.update(env_overrides or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without(missing, tmp_path):
    """Each required variable missing stops start-up with its name."""
    values = {
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "formation.example.fr",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    del values[missing]
    result = manage("check", env_overrides=values)
    assert result.returncode != 0
    assert f"Production settings need the environment variable {missing}" in result.stderr


def test_check_deploy_prints_no_warning(tmp_path):
    """`manage.py check --deploy` under production settings is clean."""
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={
            "SECRET_KEY": SECRET,
            "ALLOWED_HOSTS": "formation.example.fr",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_the_demo(tmp_path):
    """load_demo never runs with production settings."""
    result = manage(
        "load_demo",
        env_overrides={
            "SECRET_KEY": SECRET,
            "ALLOWED_HOSTS": "formation.example.fr",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
    )
    assert result.returncode != 0
    assert "jamais avec les réglages de production" in result.stderr
