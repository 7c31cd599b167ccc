"""The demo's digital-skills profiles: the starter positioning test, targets set by HR per job title and
per direction, most agents having taken the test through the real services (so levels, evidence and
the learning record are what the platform records), and a few référents numériques.

Each demo agent has a "true" level per competence, drawn around what their job needs; when they take the
test they answer right the questions at or below that level (with an occasional slip or lucky guess), so
the heatmap shows believable gaps. Camille Martin (README's demo agent) took it 12 days ago: she reaches
her targets in security after her course, but not in 2.1 (relation with users) nor 4.3 (health and
environment), where the profile page recommends courses.

Deterministic (fixed seed) and idempotent: an organisation that already has targets is left alone.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from people.models import Agent, Organisation, Service
from progress import services as progress
from quizzes import services as quizzes
from quizzes.positioning import current_positioning_quiz, load_positioning_quiz, starter_files
from skills import services as skills
from skills.models import Competence, CompetenceLevel, Target

from .demo import COMMUNE, EPCI
from .demo_progress import CAMILLE, answer

SEED = 20261129
CODES = [
    "1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2", "3.3", "3.4", "4.1", "4.2", "4.3", "5.1", "5.2",
]  # fmt: skip
# Levels HR expects per job title (CRCN codes), chosen so the starter courses can close most gaps.
JOB_TARGETS = {
    "Agent d'accueil": {"2.1": 3, "3.3": 3, "4.2": 2},
    "Chargé de communication": {"2.2": 4, "2.4": 3, "3.2": 4, "3.3": 3},
    "Gestionnaire RH": {"4.2": 3, "1.2": 3, "2.3": 3},
    "Gestionnaire comptable": {"1.3": 3, "1.2": 3, "4.1": 3},
    "Technicien informatique": {"4.1": 5, "5.1": 5, "5.2": 5},
    "Agent de voirie": {"4.1": 3, "2.1": 3, "4.3": 2},
}
# Every top-level direction expects basic security hygiene of all its agents.
DIRECTION_TARGETS = {"4.1": 2}
# What each job is usually good at (true level bonus on those competences).
STRENGTHS = {
    "Chargé de communication": ("2.2", "3.2", "2.4"),
    "Technicien informatique": ("4.1", "5.1", "5.2", "1.2", "3.4"),
    "Gestionnaire RH": ("4.2", "1.2"),
    "Gestionnaire comptable": ("1.3", "1.2"),
}
CAMILLE_LEVELS = {"4.1": 4, "4.2": 2, "5.1": 2, "4.3": 0, "2.1": 2, "1.1": 4, "2.3": 2}
CHAMPION_NOTES = [
    "Le mardi après-midi, ou par messagerie.",
    "Bureau 12, au fond du couloir : passez quand la porte est ouverte.",
    "Par téléphone au poste 4521, ou en visio sur rendez-vous.",
]
SHARE = 3  # one agent in SHARE has shared their detailed answers with HR


def load_skills(*, size: str, now: datetime | None = None, stdout=None) -> int:
    """Load the positioning test, targets, results and référents; return how many agents took the test."""
    now = now or timezone.now()
    quiz = current_positioning_quiz()
    if quiz is None and starter_files():
        quiz = load_positioning_quiz()
    taken = 0
    rng = random.Random(SEED)  # noqa: S311 - demo data, not a secret
    for spec in (COMMUNE, EPCI):
        organisation = Organisation.objects.filter(slug=spec["slug"]).first()
        if organisation is None or Target.objects.filter(organisation=organisation).exists():
            continue
        with transaction.atomic():
            _targets(organisation)
            if quiz is not None:
                taken += _take_tests(organisation, quiz.pk, rng, now, size=size)
            _champions(organisation, now)
    if stdout is not None:
        stdout.write(f"Compétences : {taken} agents ont passé le test de positionnement.")
    return taken


def _targets(organisation: Organisation) -> None:
    competences = dict(Competence.objects.values_list("code", "pk"))
    jobs = set(Agent.objects.filter(organisation=organisation).values_list("job_title", flat=True))
    for job, levels in JOB_TARGETS.items():
        if job in jobs:
            skills.set_targets(
                organisation_id=organisation.pk,
                job_title=job,
                levels={competences[code]: level for code, level in levels.items()},
            )
    for direction in Service.objects.filter(organisation=organisation, depth=1):
        skills.set_targets(
            organisation_id=organisation.pk,
            service_id=direction.pk,
            levels={competences[code]: level for code, level in DIRECTION_TARGETS.items()},
        )


def _true_levels(agent: Agent, rng: random.Random) -> dict[str, int]:
    if agent.user.email == CAMILLE:
        return {code: CAMILLE_LEVELS.get(code, 3) for code in CODES}
    base = rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5))
    strong = STRENGTHS.get(agent.job_title, ())
    return {code: max(0, min(8, base + rng.choice((-2, -1, 0, 0, 1)) + (2 if code in strong else 0))) for code in CODES}


def _take_tests(organisation: Organisation, quiz_id: int, rng: random.Random, now: datetime, *, size: str) -> int:
    agents = list(Agent.objects.filter(organisation=organisation, is_active=True).select_related("user").order_by("pk"))
    share = 0.5 if size == "tiny" else 0.75
    taken = 0
    for agent in agents:
        camille = agent.user.email == CAMILLE
        if not camille and rng.random() > share:
            continue
        days_ago = 12 if camille else rng.randint(3, 80)
        at = (now - timedelta(days=days_ago)).replace(hour=rng.randint(8, 16), minute=rng.randint(0, 59))
        _sit(agent, quiz_id, _true_levels(agent, rng), rng, at, exact=camille)
        taken += 1
    return taken


def _sit(agent: Agent, quiz_id: int, levels: dict[str, int], rng: random.Random, at: datetime, *, exact: bool):
    attempt = quizzes.start_attempt(quiz_id=quiz_id, agent_id=agent.pk, now=at, seed=rng.randrange(2**31))
    answers = {}
    for index, slot in enumerate(attempt.questions):
        right = levels.get(slot.get("competence"), 0) >= (slot.get("level") or 0)
        if not exact and rng.random() < 0.08:
            right = not right  # a slip, or a lucky guess
        value = answer(slot, right=right)
        if value is not None:
            answers[str(index)] = value
    submitted = at + timedelta(minutes=rng.randint(11, 19))
    attempt = quizzes.submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers=answers, now=submitted)
    if rng.randrange(SHARE) == 0 and not exact:
        quizzes.set_answers_shared(attempt_id=attempt.pk, agent_id=agent.pk, shared=True)
    # What the quiz signal's tasks do, run here so the learning record is complete without a worker.
    progress.record_attempt_started(attempt_id=attempt.pk)
    progress.record_attempt_graded(attempt_id=attempt.pk)


def _champions(organisation: Organisation, now: datetime) -> None:
    """The agents at level 6 or more volunteer on their best competence (a few per organisation)."""
    strongest = (
        CompetenceLevel.objects.filter(agent__organisation=organisation, level__gte=6)
        .order_by("-level", "agent_id", "competence__code")
        .values_list("agent_id", "competence_id")
    )
    chosen: dict[int, int] = {}
    for agent_id, competence_id in strongest:
        chosen.setdefault(agent_id, competence_id)
    for number, (agent_id, competence_id) in enumerate(list(chosen.items())[:6]):
        skills.volunteer_as_champion(
            agent_id=agent_id,
            competence_id=competence_id,
            note=CHAMPION_NOTES[number % len(CHAMPION_NOTES)],
            now=now - timedelta(days=2 + number),
        )
