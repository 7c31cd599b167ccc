"""The demo's training paths: assigned weeks ago through the real services, with reminders already sent,
so that the HR dashboard, the team page and Mon espace open on real figures; loaded once."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from home.demo_paths import CYBER, ONBOARDING, SOCIAL
from paths import rules, selectors
from paths.learner import assigned_paths
from paths.models import AgentAssignment, Assignment, DigestLog, NotificationLog, PathCompletion, PathStep, TrainingPath
from people.models import Agent, Notification, Organisation

pytestmark = pytest.mark.django_db

CAMILLE = "camille.martin@saint-aubin.example"
LOUIS = "louis.bernard@saint-aubin.example"
TITLES = {ONBOARDING.title, CYBER.title, SOCIAL.title}


@pytest.fixture
def demo():
    call_command("load_demo", size="tiny", quiet_logins=True)


def _agent(email: str) -> Agent:
    return Agent.objects.select_related("user").get(user__email=email)


def test_paths_assigned_weeks_ago_with_mixed_figures_and_reminders_sent(demo):
    """Both organisations get the three paths, assigned by HR weeks ago; some agents are done, some
    overdue, some still have time; the notification task already ran on the past days."""
    _check_paths()
    _check_figures()
    _check_reminders()


def _check_paths():
    """Each path has steps, a description and a ready assignment made by HR before today that reached
    agents; the cybersecurity path is valid 12 months."""
    now = timezone.now()
    for organisation in Organisation.objects.filter(slug__in=["saint-aubin", "val-de-loire"]):
        paths = TrainingPath.objects.filter(organisation=organisation)
        assert set(paths.values_list("title", flat=True)) == TITLES
        for path in paths:
            assert path.description
            assert PathStep.objects.filter(path=path, required=True).exists()
            assignment = Assignment.objects.get(path=path)
            assert assignment.state == Assignment.State.READY
            assert assignment.assigned_at < now - timedelta(days=1)
            assert assignment.assigned_by.email == f"rh@{organisation.slug}.example"
            assert AgentAssignment.objects.filter(assignment=assignment).count() == assignment.total > 0
        assert paths.get(title=CYBER.title).validity_months == 12
        onboarding = Assignment.objects.get(path__organisation=organisation, path__title=ONBOARDING.title)
        assert (onboarding.due_mode, onboarding.due_days, onboarding.live) == ("after_hire", 60, True)
        social = Assignment.objects.get(path__organisation=organisation, path__title=SOCIAL.title)
        assert social.due_mode == "date"
        assert social.due_date > timezone.localdate()
        assert social.statuses == [Agent.Status.ELU]


def _check_figures():
    """In each organisation some agents are done, some overdue, some still have time; completions are
    never dated in the future nor before the assignment."""
    today = timezone.localdate()
    for organisation in Organisation.objects.filter(slug__in=["saint-aubin", "val-de-loire"]):
        figures = sum((row.figures for row in selectors.path_overview(organisation.pk, today)), selectors.Figures())
        assert figures.completed > 0
        assert figures.overdue > 0
        assert figures.in_progress + figures.not_started > 0
    statuses = {
        rules.status_of(completed_at=item.completed_at, started_at=item.started_at, due_date=item.due_date, today=today)
        for item in AgentAssignment.objects.all()
    }
    assert {rules.COMPLETED, rules.OVERDUE} <= statuses
    assert statuses & {rules.IN_PROGRESS, rules.NOT_STARTED}
    now = timezone.now()
    for item in AgentAssignment.objects.filter(completed_at__isnull=False).select_related("assignment"):
        assert item.assignment.assigned_at <= item.completed_at <= now
        assert PathCompletion.objects.get(agent_assignment=item).completed_at == item.completed_at
    assert not AgentAssignment.objects.filter(assigned_on__gt=today).exists()


def _check_reminders():
    """The notification task ran on the past days: notices, reminders, overdue notices and escalations are
    logged on their day, in-app notifications are dated then, and managers got a weekly digest."""
    today = timezone.localdate()
    kinds = set(NotificationLog.objects.values_list("kind", flat=True))
    assert {rules.ASSIGNED, rules.REMINDER_7, rules.REMINDER_1, rules.OVERDUE_NOTICE} <= kinds
    assert rules.ESCALATION_MANAGER in kinds
    assert not NotificationLog.objects.filter(day__gt=today).exists()
    assert NotificationLog.objects.filter(day__lt=today).exists()
    for log in NotificationLog.objects.select_related("agent_assignment"):
        assert log.day >= log.agent_assignment.assigned_on
        assert timezone.localdate(log.sent_at) == log.day
    notices = Notification.objects.filter(kind__startswith="path_")
    assert notices.exists()
    assert notices.filter(created_at__lt=timezone.now() - timedelta(days=7)).exists()
    assert DigestLog.objects.exists()


def test_pages_open_on_real_figures(client, demo):
    """Mon espace, the team page and the HR dashboard show the demo paths."""
    _check_camille(client)
    _check_louis(client)
    _check_hr_dashboard(client)


def _check_camille(client):
    """The README agent has an assigned path with a step done and a due date, shown on Mon espace."""
    camille = _agent(CAMILLE)
    views = assigned_paths(camille, timezone.localdate())
    assert views
    assert any(view.done_count >= 1 and view.item.due_date for view in views)
    client.force_login(camille.user)
    response = client.get(reverse("home:dashboard"))
    assert response.status_code == 200
    assert escape(views[0].item.path.title) in response.content.decode()


def _check_louis(client):
    """The README manager's team page lists Camille's assignments (the tiny catalogue has only two
    courses, both completed by Camille: her overdue step exists with the normal catalogue)."""
    louis = _agent(LOUIS)
    members = selectors.team_rows(louis, timezone.localdate())
    assert any(member.assignments for member in members)
    client.force_login(louis.user)
    response = client.get(reverse("paths:team"))
    assert response.status_code == 200
    assert "Camille" in response.content.decode()


def _check_hr_dashboard(client):
    """The commune's HR sees the three paths with their figures."""
    hr = _agent("rh@saint-aubin.example")
    client.force_login(hr.user)
    response = client.get(reverse("paths:hr_dashboard"))
    assert response.status_code == 200
    assert {row.title for row in response.context["rows"]} == TITLES
    total = response.context["total"]
    assert total.assigned > 0
    assert total.completed > 0
    assert total.overdue > 0
    content = response.content.decode()
    assert all(escape(title) in content for title in TITLES)


def test_load_demo_again_adds_no_path_assignment_or_notification(demo):
    """A second load_demo (as `make run` does) leaves paths, assignments and notices as they are."""

    def counts():
        models = (
            TrainingPath,
            PathStep,
            Assignment,
            AgentAssignment,
            PathCompletion,
            NotificationLog,
            DigestLog,
            Notification,
        )
        return {model.__name__: model.objects.count() for model in models}

    before = counts()
    call_command("load_demo", size="tiny", quiet_logins=True)
    assert counts() == before
    assert before["TrainingPath"] == 6
    assert before["NotificationLog"] > 0
