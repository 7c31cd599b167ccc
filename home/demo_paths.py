"""The demo's training paths: three paths per organisation, assigned by HR weeks ago, with the reminders
the platform has sent since, so that the HR dashboard and the manager's team page open on real figures.

- "Parcours d'accueil numérique": the introductory courses, a live rule on the whole service tree, due
  60 days after arrival (agents already in post get the 14 days of grace of `paths.rules`);
- "Cybersécurité — rappel annuel": valid 12 months, assigned 45 days ago to the technical services, due
  30 days after assignment (so overdue for those who did not follow it);
- "Réseaux sociaux : encadrants et élus": elected officials and managers, a fixed date in 20 days.

The weeks since the first assignment are replayed day by day through the real services: assignments are
created and applied on their day (`now=` in the past), newcomers are reached on the day they arrived (as
the nightly live rules do), and the hourly notification task runs once a day (notices, reminders, overdue
notices, escalations, weekly digests to managers). The courses the agents followed come from
`home.demo_progress`, loaded before: completions earlier than an assignment count, as in production.

Idempotent: an organisation that already has paths is left alone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Max, Min
from django.test.utils import override_settings
from django.utils import timezone

from courses.models import CoursePage
from paths import notifications, rules, selectors
from paths import services as paths
from paths.models import AgentAssignment, Assignment, DigestLog, NotificationLog, PathCompletion, PathStep, TrainingPath
from people.models import Agent, Notification, Organisation, Service, User
from progress.models import CourseCompletion, LessonProgress

from .demo import COMMUNE, EPCI

# When HR assigned each path, in days before today (moved back to a working day).
CYBER_DAYS_AGO = 45
ONBOARDING_DAYS_AGO = 16
SOCIAL_DAYS_AGO = 6
SOCIAL_DUE_IN_DAYS = 20
# The technical services of each organisation (the subtree that gets the yearly cybersecurity reminder).
TECHNICAL_SERVICES = {COMMUNE["slug"]: "Direction des services techniques", EPCI["slug"]: "Pôle environnement"}
# During the replay, notices go to an in-memory outbox: the console back end of `make run` would print
# hundreds of demo e-mails, and SMTP would send them. The in-app notifications are kept.
DEMO_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@dataclass(frozen=True)
class PathSpec:
    key: str
    title: str
    audience: str
    description: str
    steps: tuple[tuple[str, bool], ...]  # (course slug, required), kept when the catalogue has the course
    validity_months: int | None = None


ONBOARDING = PathSpec(
    key="onboarding",
    title="Parcours d'accueil numérique",
    audience="Nouveaux arrivants",
    description=(
        "Les premiers cours à suivre en rejoignant la collectivité, pour prendre dès l'arrivée les bons "
        "réflexes numériques : protéger ses comptes, repérer les tentatives de fraude et utiliser les outils "
        "de travail en sécurité. Le parcours est proposé automatiquement à chaque nouvel agent, qui dispose "
        "de 60 jours après son arrivée pour le terminer. Les agents déjà en poste le reçoivent aussi, avec "
        "au moins 14 jours pour le suivre."
    ),
    steps=(
        ("cybersecurite-au-quotidien", True),
        ("outils-collaboratifs", True),
        ("cloud-au-quotidien", True),
        ("relation-numerique-usagers", False),
    ),
)
CYBER = PathSpec(
    key="cyber",
    title="Cybersécurité — rappel annuel",
    audience="Agents des services techniques",
    description=(
        "Une fois par an, chaque agent revoit les bons réflexes face aux cybermenaces : mots de passe et "
        "double authentification, hameçonnage et fraude au RIB, mises à jour, sauvegardes et premiers gestes "
        "en cas d'incident. La formation est valable 12 mois : à son expiration, une nouvelle session "
        "s'ouvre automatiquement, avec 30 jours pour la terminer."
    ),
    steps=(("cybersecurite-au-quotidien", True), ("smartphones-tablettes", False)),
    validity_months=12,
)
SOCIAL = PathSpec(
    key="social",
    title="Réseaux sociaux : encadrants et élus",
    audience="Encadrants et élus",
    description=(
        "Encadrants et élus parlent au nom de la collectivité ou en sont le visage : ce parcours leur "
        "apprend à animer et modérer sa page, à réagir à une crise en ligne et à publier sur un compte "
        "personnel sans exposer la collectivité, y compris en période électorale. Les obligations diffèrent "
        "(discrétion professionnelle et devoir de réserve pour les encadrants, liberté d'expression "
        "politique pour les élus), mais la page de la collectivité n'est la tribune de personne. À terminer "
        "avant la date fixée par la direction générale."
    ),
    steps=(("reseaux-sociaux-e-reputation", True),),
)


@dataclass
class Campaign:
    """One assignment HR makes on a given day."""

    day: date
    organisation: Organisation
    path: TrainingPath
    targets: paths.Targets
    due_mode: str
    assigned_by_id: int | None
    due_date: date | None = None
    due_days: int | None = None


def load_paths(*, size: str, now: datetime | None = None, stdout=None) -> int:
    """Create the demo paths, assign them in the past and replay the reminders; return the number of
    paths created. `size` needs nothing of its own: the steps are the courses that size loaded."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    organisations = [
        organisation
        for organisation in Organisation.objects.filter(slug__in=[COMMUNE["slug"], EPCI["slug"]]).order_by("pk")
        if not TrainingPath.objects.filter(organisation=organisation).exists()
    ]
    if not organisations:
        if stdout is not None:
            stdout.write("Parcours de formation : déjà chargés, rien d'ajouté.")
        return 0
    courses = {page.slug: page for page in CoursePage.objects.live()}
    # The notification run covers every organisation: replay the past only when nothing else is assigned
    # (a database where HR assigned real paths would get their reminders backdated).
    replay = not AgentAssignment.objects.exclude(path__organisation__in=organisations).exists()
    working = notifications.working_day_checker()
    sent = 0
    with override_settings(EMAIL_BACKEND=DEMO_EMAIL_BACKEND), transaction.atomic():
        created: list[TrainingPath] = []
        campaigns: list[Campaign] = []
        for organisation in organisations:
            made = _paths_of(organisation, courses)
            created.extend(made.values())
            campaigns.extend(_campaigns(organisation, made, today, working))
        sent = _replay(organisations, campaigns, now, replay=replay)
        _mark_started(created)
        _date_completions(created)
    if stdout is not None:
        stdout.write(_summary(organisations, created, sent, today, replay))
    return len(created)


# --- paths and who gets them ----------------------------------------------------------------------


def _paths_of(organisation: Organisation, courses: dict[str, CoursePage]) -> dict[str, TrainingPath]:
    """The three paths, with the steps the catalogue has (a path without any is left out)."""
    hr = _hr_user(organisation)
    made = {}
    for spec in (ONBOARDING, CYBER, SOCIAL):
        steps = [(courses[slug], required) for slug, required in spec.steps if slug in courses]
        if not steps:
            continue
        if not any(required for _course, required in steps):
            steps[0] = (steps[0][0], True)
        path = TrainingPath.objects.create(
            organisation=organisation,
            title=spec.title,
            description=spec.description,
            audience=spec.audience,
            validity_months=spec.validity_months,
            created_by=hr,
        )
        PathStep.objects.bulk_create(
            PathStep(path=path, course=course, position=position, required=required)
            for position, (course, required) in enumerate(steps)
        )
        made[spec.key] = path
    return made


def _hr_user(organisation: Organisation) -> User | None:
    domain = COMMUNE["domain"] if organisation.slug == COMMUNE["slug"] else EPCI["domain"]
    return User.objects.filter(email=f"rh@{domain}").first()


def _working_day_before(day: date, working) -> date:
    while not working(day):
        day -= timedelta(days=1)
    return day


def _campaigns(organisation: Organisation, made: dict[str, TrainingPath], today: date, working) -> list[Campaign]:
    hr = _hr_user(organisation)
    by = hr.pk if hr else None
    campaigns = []
    if "onboarding" in made:
        top_level = list(Service.objects.filter(organisation=organisation, depth=1).values_list("pk", flat=True))
        campaigns.append(
            Campaign(
                day=_working_day_before(today - timedelta(days=ONBOARDING_DAYS_AGO), working),
                organisation=organisation,
                path=made["onboarding"],
                targets=paths.Targets(service_ids=top_level),
                due_mode=Assignment.DueMode.AFTER_HIRE,
                due_days=60,
                assigned_by_id=by,
            )
        )
    technical = Service.objects.filter(
        organisation=organisation, full_name=TECHNICAL_SERVICES.get(organisation.slug, "")
    ).first()
    if "cyber" in made and technical is not None:
        campaigns.append(
            Campaign(
                day=_working_day_before(today - timedelta(days=CYBER_DAYS_AGO), working),
                organisation=organisation,
                path=made["cyber"],
                targets=paths.Targets(service_ids=[technical.pk]),
                due_mode=Assignment.DueMode.AFTER_ASSIGNMENT,
                due_days=30,
                assigned_by_id=by,
            )
        )
    if "social" in made:
        managers = list(
            Agent.objects.filter(organisation=organisation, is_active=True, reports__is_active=True)
            .distinct()
            .values_list("pk", flat=True)
        )
        campaigns.append(
            Campaign(
                day=_working_day_before(today - timedelta(days=SOCIAL_DAYS_AGO), working),
                organisation=organisation,
                path=made["social"],
                targets=paths.Targets(agent_ids=managers, statuses=[Agent.Status.ELU]),
                due_mode=Assignment.DueMode.DATE,
                due_date=today + timedelta(days=SOCIAL_DUE_IN_DAYS),
                assigned_by_id=by,
            )
        )
    return campaigns


# --- the weeks since, day by day ------------------------------------------------------------------


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _replay(organisations: list[Organisation], campaigns: list[Campaign], now: datetime, *, replay: bool) -> int:
    """Each day from the first assignment to today: newcomers reached by the live rules at night, HR's
    assignments of the day in the morning, then the notification task. Returns the notices sent.

    Everything runs in the caller's transaction: the Celery task that `create_assignment` queues on
    commit finds every agent already reached (it only marks the assignment ready)."""
    if not campaigns:
        return 0
    today = timezone.localdate(now)
    agents = list(
        Agent.objects.filter(organisation__in=organisations).values_list("pk", "hire_date", "organisation_id")
    )
    hired_on: dict[date, list[int]] = defaultdict(list)
    for agent_id, hire_date, _organisation_id in agents:
        if hire_date is not None:
            hired_on[hire_date].append(agent_id)
    live: list[Assignment] = []
    sent = 0
    day = min(campaign.day for campaign in campaigns)
    while day <= today:
        for assignment in live:
            if hired_on.get(day):
                paths.apply_assignment(assignment_id=assignment.pk, agent_ids=hired_on[day], now=_at(day, 6))
        for campaign in (campaign for campaign in campaigns if campaign.day == day):
            at = min(_at(day, 9, 30), now)
            assignment = paths.create_assignment(
                organisation_id=campaign.organisation.pk,
                path_id=campaign.path.pk,
                targets=campaign.targets,
                due_mode=campaign.due_mode,
                due_date=campaign.due_date,
                due_days=campaign.due_days,
                assigned_by_id=campaign.assigned_by_id,
                now=at,
            )
            present = [
                agent_id
                for agent_id, hire_date, organisation_id in agents
                if organisation_id == campaign.organisation.pk and (hire_date is None or hire_date <= day)
            ]
            paths.apply_assignment(assignment_id=assignment.pk, agent_ids=present, now=at)
            live.append(assignment)
        if replay:
            # Digests go out on the first working day of the week: Monday, or later after a public holiday.
            sent += _send(min(_at(day, 11), now), digests=day.weekday() < 3)
        day += timedelta(days=1)
    # What the task queued by `create_assignment` does (it reaches nobody new): the assignments are ready
    # even when no worker runs it (Redis without a worker) or no commit happens (tests).
    for assignment in live:
        paths.apply_assignment(assignment_id=assignment.pk, now=now)
    return sent


def _send(at: datetime, *, digests: bool) -> int:
    """The hourly notification task (`paths.tasks.send_notifications`), run at `at`; what it wrote is
    dated `at` (the services date their rows with the clock, which the replay does not move)."""
    marks = [model.objects.aggregate(last=Max("pk"))["last"] or 0 for model in (Notification, NotificationLog)]
    digest_mark = DigestLog.objects.aggregate(last=Max("pk"))["last"] or 0
    sent = notifications.send_due_notifications(now=at)
    if digests:
        sent += notifications.send_weekly_digests(now=at)
    Notification.objects.filter(pk__gt=marks[0]).update(created_at=at)
    NotificationLog.objects.filter(pk__gt=marks[1]).update(sent_at=at, delivered_at=at)
    DigestLog.objects.filter(pk__gt=digest_mark).update(sent_at=at, delivered_at=at)
    return sent


def _mark_started(created: list[TrainingPath]) -> None:
    """Agents who opened a step's course are "in progress": `mark_started` runs when a course is first
    opened, and the demo history was written before the paths existed."""
    steps = PathStep.objects.filter(path__in=created)
    course_ids = set(steps.values_list("course_id", flat=True))
    open_items = AgentAssignment.objects.filter(path__in=created, completed_at__isnull=True, started_at__isnull=True)
    agent_ids = set(open_items.values_list("agent_id", flat=True))
    first_visits = (
        LessonProgress.objects.filter(
            enrollment__agent_id__in=agent_ids,
            enrollment__course_id__in=course_ids,
            enrollment__archived_at__isnull=True,
        )
        .values("enrollment__agent_id", "enrollment__course_id")
        .annotate(first=Min("started_at"))
        .order_by("first")
    )
    for row in first_visits:
        paths.mark_started(
            agent_id=row["enrollment__agent_id"], course_id=row["enrollment__course_id"], now=row["first"]
        )


def _date_completions(created: list[TrainingPath]) -> None:
    """A path is completed when its last required course was; `apply_assignment` dates the completion of
    an agent who had the courses already on the day it runs, which is right for courses done before the
    assignment but not for those the demo history places after it (the history was written first)."""
    required: dict[int, set[int]] = defaultdict(set)
    for path_id, course_id in PathStep.objects.filter(path__in=created, required=True).values_list(
        "path_id", "course_id"
    ):
        required[path_id].add(course_id)
    items = list(AgentAssignment.objects.filter(path__in=created, completed_at__isnull=False).select_related("path"))
    first_done: dict[tuple[int, int], datetime] = {
        (row["agent_id"], row["course_id"]): row["first"]
        for row in CourseCompletion.objects.filter(agent_id__in={item.agent_id for item in items})
        .values("agent_id", "course_id")
        .annotate(first=Min("completed_at"))
    }
    for item in items:
        dates = [first_done.get((item.agent_id, course_id)) for course_id in required[item.path_id]]
        if not dates or None in dates:
            continue
        done_at = max(dates)
        if done_at <= item.completed_at:
            continue
        item.completed_at = done_at
        item.expires_on = rules.expiry_date(timezone.localdate(done_at), item.path.validity_months)
        item.save(update_fields=["completed_at", "expires_on"])
        PathCompletion.objects.filter(agent_assignment=item).update(completed_at=done_at)


def _summary(organisations, created, sent: int, today: date, replay: bool) -> str:
    figures = selectors.Figures()
    for organisation in organisations:
        for row in selectors.path_overview(organisation.pk, today):
            figures += row.figures
    assignments = Assignment.objects.filter(path__in=created).count()
    line = (
        f"Parcours de formation : {len(created)} parcours, {assignments} assignations, {figures.assigned} agents "
        f"concernés ({figures.completed} terminés, {figures.in_progress} en cours, {figures.not_started} à faire, "
        f"{figures.overdue} en retard), {sent} notifications envoyées."
    )
    if not replay:
        line += " Rappels passés non rejoués : d'autres organisations ont déjà des assignations."
    return line
