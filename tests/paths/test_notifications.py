"""Notices over the life of an assignment, with a frozen clock: assignment, reminders, overdue notice,
escalations to the manager and to HR, e-mail and in-app; never twice, never on a day off; a failed
e-mail is retried; the weekly digest to managers; a manager's one-click reminder."""

from datetime import date, datetime, time, timedelta
from smtplib import SMTPException
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from courses.factories import CoursePageFactory
from paths import notifications, services
from paths.models import AgentAssignment, DigestLog, NotificationLog, PathStep, ReminderSettings, TrainingPath
from paths.notifications import ReminderRefusedError, remind_agent, send_due_notifications, send_weekly_digests
from paths.services import Targets
from people.factories import AgentFactory, HRAgentFactory, OrganisationFactory
from people.models import Notification

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
SITE = "https://formation.example.fr"
DAY0 = date(2027, 6, 14)  # a Monday
DUE = date(2027, 7, 14)  # a public holiday: "à terminer avant le 14 juillet"
PATH_TITLE = "Cybersécurité au quotidien"


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


class FailingBackend(BaseEmailBackend):
    """An SMTP relay that is down."""

    def send_messages(self, email_messages):
        raise SMTPException("relay unreachable")


# Set-up


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def clock():
    """The clock stopped on Monday 14 June 2027 at 10:00 in Paris; tests move it day by day."""
    with time_machine.travel(at(DAY0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def town():
    return OrganisationFactory(name="Ville de Quimper", slug="quimper")


@pytest.fixture
def elsewhere():
    return OrganisationFactory(name="Ville de Brest", slug="brest")


@pytest.fixture
def hr_people(town, elsewhere):
    """Two HR officers in the town, one in another organisation."""
    return {
        "first": HRAgentFactory(organisation=town, user__email="rh1@quimper.fr", user__first_name="Hélène"),
        "second": HRAgentFactory(organisation=town, user__email="rh2@quimper.fr", user__first_name="Yann"),
        "foreign": HRAgentFactory(organisation=elsewhere, user__email="rh@brest.fr", user__first_name="Gwen"),
    }


@pytest.fixture
def boss(town):
    return AgentFactory(
        organisation=town, user__email="n.benali@quimper.fr", user__first_name="Nadia", user__last_name="Benali"
    )


@pytest.fixture
def agent(town, boss):
    return AgentFactory(
        organisation=town,
        manager=boss,
        user__email="c.dupre@quimper.fr",
        user__first_name="Camille",
        user__last_name="Dupré",
    )


@pytest.fixture
def path(town):
    path = TrainingPath.objects.create(organisation=town, title=PATH_TITLE)
    PathStep.objects.create(path=path, course=CoursePageFactory(title="Mots de passe"), required=True)
    return path


@pytest.fixture
def assign(town, path, django_capture_on_commit_callbacks):
    """HR assigns the path to agents, due on a fixed date; the task runs once the transaction commits."""

    def assign(*agents, due_date=DUE):
        with django_capture_on_commit_callbacks(execute=True):
            return services.create_assignment(
                organisation_id=town.pk,
                path_id=path.pk,
                targets=Targets(agent_ids=[agent.pk for agent in agents]),
                due_mode="date",
                due_date=due_date,
            )

    return assign


@pytest.fixture
def item(clock, hr_people, agent, assign) -> AgentAssignment:
    """Camille's assignment, made on 14 June 2027 and due on 14 July 2027."""
    assign(agent)
    return AgentAssignment.objects.get(agent=agent)


@pytest.fixture
def life(item, clock):
    """Run the hourly job once a day from 14 June to 10 August 2027; the e-mails sent each day."""
    sent = {}
    for day in days(DAY0, date(2027, 8, 10)):
        clock.move_to(at(day))
        before = len(mail.outbox)
        send_due_notifications()
        if len(mail.outbox) > before:
            sent[day] = mail.outbox[before:]
    return sent


def logged(item) -> list[tuple[str, date]]:
    return list(NotificationLog.objects.filter(agent_assignment=item).order_by("day", "pk").values_list("kind", "day"))


def only(messages):
    assert len(messages) == 1, [message.subject for message in messages]
    return messages[0]


def html_of(message) -> str:
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return content


# The sequence


def test_notices_follow_the_life_of_an_assignment(item, life):
    """Assigned on day 0, reminders 7 days and 1 working day before, overdue, then manager and HR alerts."""
    assert logged(item) == [
        ("assigned", date(2027, 6, 14)),
        ("reminder_7", date(2027, 7, 7)),
        ("reminder_1", date(2027, 7, 13)),
        ("overdue", date(2027, 7, 15)),
        ("escalation_manager", date(2027, 7, 21)),
        ("escalation_hr", date(2027, 8, 4)),
    ]


def test_e_mails_go_out_only_on_the_days_of_a_notice(life):
    """Nothing is e-mailed on the other days."""
    assert sorted(life) == [
        date(2027, 6, 14),
        date(2027, 7, 7),
        date(2027, 7, 13),
        date(2027, 7, 15),
        date(2027, 7, 21),
        date(2027, 8, 4),
    ]


def test_the_agent_is_told_on_day_zero(life):
    """The assignment notice reaches the agent the day HR assigns the path, with the due date."""
    message = only(life[date(2027, 6, 14)])
    assert message.to == ["c.dupre@quimper.fr"]
    assert message.subject == f"Nouvelle formation : {PATH_TITLE}"
    assert "à terminer avant le 14 juillet 2027" in message.body


def test_the_agent_gets_both_reminders(life):
    """A week before, then the last working day before the due date, the agent is reminded."""
    week, eve = only(life[date(2027, 7, 7)]), only(life[date(2027, 7, 13)])
    assert (week.to, week.subject) == (
        ["c.dupre@quimper.fr"],
        f"Rappel : {PATH_TITLE} à terminer avant le 14 juillet 2027",
    )
    assert (eve.to, eve.subject) == (
        ["c.dupre@quimper.fr"],
        f"Dernier rappel : {PATH_TITLE} à terminer avant le 14 juillet 2027",
    )


def test_the_agent_is_told_when_late(life):
    """The first working day after the due date, the agent gets the overdue notice."""
    message = only(life[date(2027, 7, 15)])
    assert (message.to, message.subject) == (["c.dupre@quimper.fr"], f"Formation en retard : {PATH_TITLE}")
    assert "devait être terminée le 14 juillet 2027" in message.body


def test_the_manager_is_alerted_after_seven_days_late(life):
    """With the default settings, the manager is e-mailed after 7 days late, with a link to the team page."""
    message = only(life[date(2027, 7, 21)])
    assert message.to == ["n.benali@quimper.fr"]
    assert message.subject == "Formation en retard dans votre équipe : Camille Dupré"
    assert "(7 jours de retard)" in message.body
    assert SITE + reverse("paths:team") in message.body


def test_hr_of_the_organisation_only_is_alerted_after_21_days_late(life, item):
    """After 21 days late, the HR officers of the agent's organisation are e-mailed, never another one's."""
    message = only(life[date(2027, 8, 4)])
    assert sorted(message.to) == ["rh1@quimper.fr", "rh2@quimper.fr"]
    assert "(21 jours de retard)" in message.body
    assert SITE + reverse("paths:hr_assignment", args=[item.assignment.uuid]) in message.body


def test_hr_of_another_organisation_never_hears_of_it(life, hr_people):
    """No e-mail and no in-app notification reaches the HR officer of another organisation."""
    assert not any("rh@brest.fr" in message.to for messages in life.values() for message in messages)
    assert not Notification.objects.filter(agent=hr_people["foreign"]).exists()


def test_every_e_mail_has_html_and_text_with_a_link_to_the_site(life):
    """Each notice has a plain-text body and an HTML alternative, both linking to SITE_URL."""
    messages = [message for sent in life.values() for message in sent]
    assert len(messages) == 6
    for message in messages:
        html = html_of(message)
        assert f'href="{SITE}/' in html
        assert f"\n{SITE}/" in message.body
        assert "<" not in message.body


def test_the_agent_s_notices_link_to_mon_espace(life):
    """The agent's e-mails lead to Mon espace."""
    for day in (date(2027, 6, 14), date(2027, 7, 7), date(2027, 7, 13), date(2027, 7, 15)):
        assert SITE + reverse("home:dashboard") in only(life[day]).body


def test_in_app_notifications_are_created_for_the_agent(life, agent):
    """The agent's notices also appear in Mon espace, one for each."""
    kinds = list(Notification.objects.filter(agent=agent).order_by("created_at").values_list("kind", flat=True))
    assert kinds == ["path_assigned", "path_reminder_7", "path_reminder_1", "path_overdue"]


def test_in_app_notifications_are_created_for_the_manager_and_hr(life, boss, hr_people):
    """The manager and each HR officer of the organisation get one in-app alert."""
    for person in (boss, hr_people["first"], hr_people["second"]):
        assert list(Notification.objects.filter(agent=person).values_list("kind", flat=True)) == ["path_escalation"]


# Never twice, never on a day off


def test_running_twice_the_same_day_sends_nothing_more(item, clock):
    """A second run the same day (the next hour, or a second beat process) sends nothing."""
    clock.move_to(at(date(2027, 7, 7), hour=9))
    assert send_due_notifications() == 2  # the assignment notice, then the 7-day reminder
    clock.move_to(at(date(2027, 7, 7), hour=10))
    outbox = len(mail.outbox)
    assert send_due_notifications() == 0
    assert len(mail.outbox) == outbox
    assert NotificationLog.objects.count() == 2


def test_no_reminder_on_a_saturday(clock, hr_people, agent, assign):
    """Due Saturday 3 July: the 7-day window opens on Saturday 26 June, the reminder waits for Monday."""
    assign(agent, due_date=date(2027, 7, 3))
    send_due_notifications()
    for day in (date(2027, 6, 26), date(2027, 6, 27)):
        clock.move_to(at(day))
        assert send_due_notifications() == 0
    clock.move_to(at(date(2027, 6, 28)))
    assert send_due_notifications() == 1
    assert NotificationLog.objects.filter(kind="reminder_7").get().day == date(2027, 6, 28)


def test_no_reminder_on_14_july(clock, hr_people, agent, assign):
    """Due Wednesday 21 July: the 7-day window opens on 14 July, a holiday; the reminder goes on the 15th."""
    assign(agent, due_date=date(2027, 7, 21))
    send_due_notifications()
    clock.move_to(at(date(2027, 7, 14)))
    assert send_due_notifications() == 0
    clock.move_to(at(date(2027, 7, 15)))
    assert send_due_notifications() == 1
    assert NotificationLog.objects.filter(kind="reminder_7").get().day == date(2027, 7, 15)


def last_reminder_day(clock, agent, assign) -> date:
    """Assigned on 1 March 2027, due Tuesday 30 March (after Good Friday and Easter Monday): the day of
    the last reminder when the job runs every day."""
    clock.move_to(at(date(2027, 3, 1)))
    assign(agent, due_date=date(2027, 3, 30))
    for day in days(date(2027, 3, 1), date(2027, 3, 29)):
        clock.move_to(at(day))
        send_due_notifications()
    return NotificationLog.objects.get(kind="reminder_1").day


def test_the_last_reminder_goes_on_good_friday_in_most_of_france(clock, hr_people, agent, assign):
    """Without local holidays, the last working day before Tuesday 30 March 2027 is Good Friday."""
    assert last_reminder_day(clock, agent, assign) == date(2027, 3, 26)


def test_local_holidays_of_the_organisation_are_respected(clock, town, hr_people, agent, assign):
    """In Moselle Good Friday is a holiday too: the last reminder goes on Thursday 25 March."""
    ReminderSettings.objects.create(organisation=town, holidays_subdivision="57")
    assert last_reminder_day(clock, agent, assign) == date(2027, 3, 25)


def test_a_completed_assignment_gets_no_more_notices(item, clock):
    """Once completed, the assignment gets no reminder nor overdue notice."""
    send_due_notifications()
    AgentAssignment.objects.filter(pk=item.pk).update(completed_at=at(DAY0, hour=11))
    for day in days(date(2027, 7, 5), date(2027, 8, 10)):
        clock.move_to(at(day))
        send_due_notifications()
    assert [kind for kind, _day in logged(item)] == ["assigned"]


def test_an_ended_assignment_gets_no_more_notices(item, clock, town):
    """Once HR ends the assignment, its agents get no reminder."""
    send_due_notifications()
    services.end_assignment(assignment_id=item.assignment_id, organisation_id=town.pk)
    for day in days(date(2027, 7, 5), date(2027, 7, 20)):
        clock.move_to(at(day))
        send_due_notifications()
    assert [kind for kind, _day in logged(item)] == ["assigned"]


def test_no_overdue_notice_on_a_working_due_date(clock, hr_people, agent, assign):
    """Due on Wednesday 30 June: nothing on that day, the overdue notice on Thursday 1 July."""
    assign(agent, due_date=date(2027, 6, 30))
    for day in days(DAY0, date(2027, 6, 30)):
        clock.move_to(at(day))
        send_due_notifications()
    assert not NotificationLog.objects.filter(kind="overdue").exists()


# A failed e-mail


def test_a_failed_e_mail_releases_its_claim(item, clock, settings):
    """When the relay is down nothing is recorded as sent; the next run sends the notice, in-app once."""
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    assert send_due_notifications() == 0
    assert not NotificationLog.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    clock.move_to(at(DAY0, hour=11))
    assert send_due_notifications() == 1
    assert [message.subject for message in mail.outbox] == [f"Nouvelle formation : {PATH_TITLE}"]
    assert logged(item) == [("assigned", DAY0)]
    assert Notification.objects.filter(agent=item.agent, kind="path_assigned").count() == 1


# Two runs overlapping midnight


def test_runs_overlapping_midnight_do_not_send_a_notice_twice(clock, hr_people, agent, boss, assign, monkeypatch):
    """A 23:00 run still busy after midnight and the 00:00 run send each notice once in total."""
    other = AgentFactory(organisation=agent.organisation, manager=boss, user__email="second@quimper.fr")
    assign(agent, other)
    real_deliver = notifications.deliver
    overlapped = []

    def deliver(item, kind, day):
        if not overlapped:  # while the 23:00 run delivers its first notice, the 00:00 run starts
            overlapped.append(True)
            with time_machine.travel(at(DAY0 + timedelta(days=1), hour=0, minute=1), tick=False):
                send_due_notifications()
        real_deliver(item, kind, day)

    monkeypatch.setattr(notifications, "deliver", deliver)
    clock.move_to(at(DAY0, hour=23, minute=59))
    send_due_notifications()
    assert sorted(message.to[0] for message in mail.outbox) == ["c.dupre@quimper.fr", "second@quimper.fr"]


# The weekly digest


@pytest.fixture
def team(clock, town, hr_people, boss, assign):
    """Nadia manages Léa and Marc; Marc manages Jules. Léa and Jules are late since 2 July 2027."""
    lea = AgentFactory(organisation=town, manager=boss, user__first_name="Léa", user__last_name="Martin")
    marc = AgentFactory(organisation=town, manager=boss, user__first_name="Marc", user__last_name="Le Goff")
    jules = AgentFactory(organisation=town, manager=marc, user__first_name="Jules", user__last_name="Morvan")
    assign(lea, jules, due_date=date(2027, 7, 2))
    return {"lea": lea, "marc": marc, "jules": jules}


def digests_to(email: str):
    return [message for message in mail.outbox if message.to == [email]]


def test_the_digest_lists_direct_and_indirect_reports(team, boss, clock):
    """On Monday, the manager's digest lists every overdue training in their whole team."""
    clock.move_to(at(date(2027, 7, 5), hour=7))
    send_weekly_digests()
    message = only(digests_to("n.benali@quimper.fr"))
    assert message.subject == "Votre équipe : 2 formation(s) en retard"
    assert f"Jules Morvan — « {PATH_TITLE} », attendue le 2 juillet 2027" in message.body
    assert f"Léa Martin — « {PATH_TITLE} », attendue le 2 juillet 2027" in message.body
    assert SITE + reverse("paths:team") in message.body
    assert "<li>" in html_of(message)


def test_a_middle_manager_gets_a_digest_of_their_own_team(team, clock):
    """Marc's digest lists only Jules."""
    clock.move_to(at(date(2027, 7, 5), hour=7))
    send_weekly_digests()
    message = only(digests_to(team["marc"].user.email))
    assert message.subject == "Votre équipe : 1 formation(s) en retard"
    assert "Jules Morvan" in message.body
    assert "Léa Martin" not in message.body


def test_the_digest_goes_once_per_manager_per_week(team, boss, clock):
    """Runs later on Monday and on the following days of the same week send no other digest."""
    for day, hour in ((date(2027, 7, 5), 7), (date(2027, 7, 5), 8), (date(2027, 7, 6), 7), (date(2027, 7, 9), 7)):
        clock.move_to(at(day, hour))
        send_weekly_digests()
    assert len(digests_to("n.benali@quimper.fr")) == 1
    assert DigestLog.objects.filter(manager=boss).count() == 1


def test_the_digest_comes_again_the_next_week(team, boss, clock):
    """The next Monday, a manager whose team is still late gets a new digest."""
    for day in (date(2027, 7, 5), date(2027, 7, 12)):
        clock.move_to(at(day, hour=7))
        send_weekly_digests()
    assert len(digests_to("n.benali@quimper.fr")) == 2
    assert sorted(DigestLog.objects.filter(manager=boss).values_list("week", flat=True)) == ["2027-W27", "2027-W28"]


def test_no_digest_for_a_team_that_is_not_late(team, boss, clock):
    """Before anyone is late, managers get no digest."""
    clock.move_to(at(date(2027, 6, 28), hour=7))
    assert send_weekly_digests() == 0
    assert not mail.outbox


def test_the_digest_waits_for_tuesday_after_a_monday_holiday(clock, town, hr_people, boss, agent, assign):
    """Easter Monday 2027 is a holiday: the digest goes out on Tuesday 30 March."""
    clock.move_to(at(date(2027, 3, 1)))
    assign(agent, due_date=date(2027, 3, 10))
    clock.move_to(at(date(2027, 3, 29), hour=7))
    assert send_weekly_digests() == 0
    clock.move_to(at(date(2027, 3, 30), hour=7))
    assert send_weekly_digests() == 1
    assert only(digests_to("n.benali@quimper.fr")).subject == "Votre équipe : 1 formation(s) en retard"


# A manager's reminder


def test_a_manager_reminds_a_report(item, boss):
    """The manager's reminder reaches the agent by e-mail and in-app."""
    remind_agent(agent_assignment_id=item.pk, manager=boss)
    message = only(mail.outbox)
    assert (message.to, message.subject) == (
        ["c.dupre@quimper.fr"],
        f"Votre responsable vous rappelle : {PATH_TITLE}",
    )
    assert Notification.objects.filter(agent=item.agent, kind="path_manual").count() == 1


def test_a_manager_reminds_once_a_day(item, boss, clock):
    """A second reminder the same day is refused; the next day it is allowed again."""
    remind_agent(agent_assignment_id=item.pk, manager=boss)
    clock.move_to(at(DAY0, hour=16))
    with pytest.raises(ReminderRefusedError) as refused:
        remind_agent(agent_assignment_id=item.pk, manager=boss)
    assert refused.value.message == "Un rappel a déjà été envoyé aujourd'hui à cette personne pour cette formation."
    clock.move_to(at(DAY0 + timedelta(days=1)))
    remind_agent(agent_assignment_id=item.pk, manager=boss)
    assert len(mail.outbox) == 2


def test_a_manager_cannot_remind_outside_their_team(item, town):
    """Another manager of the same organisation is refused, and nothing is sent."""
    other_boss = AgentFactory(organisation=town)
    AgentFactory(organisation=town, manager=other_boss)
    with pytest.raises(ReminderRefusedError) as refused:
        remind_agent(agent_assignment_id=item.pk, manager=other_boss)
    assert refused.value.message == "Cette formation ne concerne pas votre équipe ou est déjà terminée."
    assert not mail.outbox
    assert not NotificationLog.objects.exists()


def test_a_manager_reminds_an_indirect_report(item, town, boss):
    """The manager of the agent's manager may remind them too."""
    director = AgentFactory(organisation=town)
    boss.manager = director
    boss.save()
    remind_agent(agent_assignment_id=item.pk, manager=director)
    assert only(mail.outbox).to == ["c.dupre@quimper.fr"]
