"""The manager's team page and the one-click reminder: managers only, their own reports only, once a day
per assignment, with an e-mail and an in-app notification."""

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from paths import rules
from paths.models import NotificationLog
from people.factories import AgentFactory, OrganisationFactory, UserFactory
from people.models import Notification

from .dashboard_data import give, make_assignment, make_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    return OrganisationFactory(slug="town", name="Ville")


@pytest.fixture
def team(town):
    """A manager with a direct report who has one of their own; a colleague manager with their own team."""
    boss = AgentFactory(organisation=town, user=UserFactory(last_name="Chef"))
    middle = AgentFactory(organisation=town, manager=boss, user=UserFactory(last_name="Martin"))
    deep = AgentFactory(organisation=town, manager=middle, user=UserFactory(last_name="Petit"))
    colleague = AgentFactory(organisation=town, user=UserFactory(last_name="Collègue"))
    other = AgentFactory(organisation=town, manager=colleague, user=UserFactory(last_name="Autre"))
    assignment = make_assignment(make_path(town, title="Cybersécurité au quotidien"))
    return {
        "boss": boss,
        "middle": middle,
        "deep": deep,
        "colleague": colleague,
        "other": other,
        "assignment": assignment,
        "deep_item": give(assignment, deep, rules.OVERDUE),
        "middle_item": give(assignment, middle, rules.COMPLETED),
        "other_item": give(assignment, other, rules.NOT_STARTED),
    }


@pytest.fixture
def boss_client(client, team):
    client.force_login(team["boss"].user)
    return client


def warnings(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request) if message.level_tag == "warning"]


def test_manager_sees_only_their_reports(boss_client, team):
    """The team page lists direct and indirect reports, overdue first, never a colleague's team."""
    response = boss_client.get(reverse("paths:team"))
    assert response.status_code == 200
    assert [member.agent for member in response.context["members"]] == [team["deep"], team["middle"]]
    content = response.content.decode()
    assert "Autre" not in content
    assert "En retard" in content
    assert "Relancer" in content


def test_completed_assignments_have_no_reminder_button(boss_client, team):
    """Only open assignments can be reminded."""
    content = boss_client.get(reverse("paths:team")).content.decode()
    assert reverse("paths:remind", args=[team["deep_item"].pk]) in content
    assert reverse("paths:remind", args=[team["middle_item"].pk]) not in content


def test_agent_without_reports_gets_403(client, team):
    """An agent who manages nobody is refused the team page and the reminder."""
    client.force_login(team["deep"].user)
    assert client.get(reverse("paths:team")).status_code == 403
    assert client.post(reverse("paths:remind", args=[team["deep_item"].pk])).status_code == 403
    assert mail.outbox == []


def test_remind_sends_one_email_and_one_notification(boss_client, team):
    """A reminder reaches the agent by e-mail and in the app, and the page says it was sent."""
    response = boss_client.post(reverse("paths:remind", args=[team["deep_item"].pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("paths:team")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [team["deep"].user.email]
    assert "Cybersécurité au quotidien" in mail.outbox[0].subject
    assert Notification.objects.filter(agent=team["deep"]).count() == 1
    assert NotificationLog.objects.filter(agent_assignment=team["deep_item"], kind="manual").count() == 1
    page = boss_client.get(reverse("paths:team")).content.decode()
    assert "Rappel envoyé à" in page
    assert "Relancé aujourd&#x27;hui" in page or "Relancé aujourd'hui" in page


def test_second_remind_the_same_day_is_refused(boss_client, team):
    """A second reminder the same day sends nothing and shows the refusal as a warning."""
    url = reverse("paths:remind", args=[team["deep_item"].pk])
    boss_client.post(url)
    response = boss_client.post(url)
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(agent=team["deep"]).count() == 1
    assert warnings(response) == ["Un rappel a déjà été envoyé aujourd'hui à cette personne pour cette formation."]


def test_remind_outside_the_team_is_refused(boss_client, team):
    """A manager cannot remind someone from a colleague's team."""
    response = boss_client.post(reverse("paths:remind", args=[team["other_item"].pk]))
    assert response.status_code == 302
    assert mail.outbox == []
    assert not Notification.objects.filter(agent=team["other"]).exists()
    assert warnings(response) == ["Cette formation ne concerne pas votre équipe ou est déjà terminée."]


def test_remind_needs_a_post(boss_client, team):
    """Reminding changes state: a GET is refused."""
    assert boss_client.get(reverse("paths:remind", args=[team["deep_item"].pk])).status_code == 405
    assert mail.outbox == []


def test_navigation_shows_my_team_to_managers_only(client, team):
    """Managers see "Mon équipe" in the header; their reports without reports of their own do not."""
    client.force_login(team["boss"].user)
    assert "Mon équipe" in client.get(reverse("home:dashboard")).content.decode()
    client.force_login(team["deep"].user)
    assert "Mon équipe" not in client.get(reverse("home:dashboard")).content.decode()


def queries_for(client, url) -> int:
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_team_query_count_does_not_grow(boss_client, town, team):
    """The team page costs as many queries with 2 reports as with 22, each with assignments."""
    url = reverse("paths:team")
    small = queries_for(boss_client, url)
    second = make_assignment(make_path(town, title="RGPD"))
    statuses = [rules.COMPLETED, rules.IN_PROGRESS, rules.NOT_STARTED, rules.OVERDUE]
    for number in range(10):
        direct = AgentFactory(organisation=town, manager=team["boss"])
        indirect = AgentFactory(organisation=town, manager=team["middle"])
        give(team["assignment"], direct, statuses[number % 4])
        give(second, indirect, statuses[(number + 1) % 4])
    boss_client.post(reverse("paths:remind", args=[team["deep_item"].pk]))
    assert queries_for(boss_client, url) == small
