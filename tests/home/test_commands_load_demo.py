"""The demo loader: tiny size, idempotent, with the logins README lists."""

import pytest
from django.core.management import call_command

from home.demo import demo_logins
from people import permissions
from people.models import Agent, Organisation, Service, User

pytestmark = pytest.mark.django_db


def test_load_demo_twice_creates_nothing_more():
    """Running load_demo twice leaves the same rows."""
    call_command("load_demo", size="tiny", quiet_logins=True)
    counts = (Organisation.objects.count(), Service.objects.count(), Agent.objects.count(), User.objects.count())
    call_command("load_demo", size="tiny", quiet_logins=True)
    assert counts == (
        Organisation.objects.count(),
        Service.objects.count(),
        Agent.objects.count(),
        User.objects.count(),
    )
    assert counts[0] == 2


def test_demo_logins_exist_with_their_roles():
    """Every README login exists and holds the role it is listed for."""
    call_command("load_demo", size="tiny", quiet_logins=True)
    users = {login.email: User.objects.get(email=login.email) for login in demo_logins()}
    assert permissions.is_manager(users["louis.bernard@saint-aubin.example"])
    assert permissions.is_hr(users["rh@saint-aubin.example"])
    assert permissions.is_hr(users["rh@val-de-loire.example"])
    assert permissions.is_trainer(users["formateur@saint-aubin.example"])
    assert permissions.is_administrator(users["admin@capnum.example"])
    agent = users["camille.martin@saint-aubin.example"]
    assert not permissions.is_hr(agent)
    assert not permissions.is_manager(agent)
    assert agent.check_password("capnum-demo-2026")


def test_demo_hr_of_commune_cannot_see_the_epci():
    """The two demo organisations are isolated from each other."""
    call_command("load_demo", size="tiny", quiet_logins=True)
    hr = User.objects.get(email="rh@saint-aubin.example")
    organisations = set(permissions.visible_agents(hr).values_list("organisation__slug", flat=True))
    assert organisations == {"saint-aubin"}


def test_prints_the_logins(capsys):
    """The command prints the demo logins with the password."""
    call_command("load_demo", size="tiny")
    out = capsys.readouterr().out
    assert "camille.martin@saint-aubin.example" in out
    assert "capnum-demo-2026" in out
