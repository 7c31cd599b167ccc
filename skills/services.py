"""Operations on competence evidence. Rooms to the right (progress, quizzes' listeners, paths) feed
evidence through here: skills sits to their left and never listens to them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from people.models import Organisation, Service

from . import rules
from .models import MAX_LEVEL, Champion, Competence, CompetenceLevel, Evidence, Target


@dataclass(frozen=True)
class EvidenceItem:
    competence_code: str
    level: int


class SkillsError(Exception):
    """A change refused, with a message for the person who asked."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def record_evidence(
    *,
    agent_id: int,
    items: Iterable[EvidenceItem],
    source: str,
    source_ref: str,
    label: str,
    observed_at: datetime,
) -> int:
    """Record the levels one source proves, then refresh the agent's levels on those competences.

    The same (competence, source) pair is kept once. Unknown competence codes and levels outside the
    scale are skipped (a course may name a competence that was later removed); level 0 is kept only
    from a measurement (a positioning test or Pix says "not acquired"; a course never proves level 0).
    Returns the number of new pieces of evidence.
    """
    lowest = rules.MIN_LEVEL if source in rules.MEASUREMENTS else 1
    wanted = {item.competence_code: item.level for item in items if lowest <= item.level <= MAX_LEVEL}
    if not wanted:
        return 0
    competences = dict(Competence.objects.filter(code__in=wanted).values_list("code", "pk"))
    source_ref, label = source_ref[:100], label[:255]
    rows = [
        Evidence(
            agent_id=agent_id,
            competence_id=competences[code],
            level=level,
            source=source,
            source_ref=source_ref,
            label=label,
            observed_at=observed_at,
        )
        for code, level in wanted.items()
        if code in competences
    ]
    with transaction.atomic():
        before = Evidence.objects.filter(agent_id=agent_id, source=source, source_ref=source_ref).count()
        Evidence.objects.bulk_create(rows, ignore_conflicts=True)
        after = Evidence.objects.filter(agent_id=agent_id, source=source, source_ref=source_ref).count()
        if after > before:
            refresh_levels(agent_ids=[agent_id], competence_ids=[row.competence_id for row in rows])
    return after - before


@dataclass(frozen=True)
class EvidenceBatchItem:
    """The levels one source proves for one agent, for `record_evidence_batch`."""

    agent_id: int
    items: tuple[EvidenceItem, ...]
    observed_at: datetime


def record_evidence_batch(*, entries: Iterable[EvidenceBatchItem], source: str, source_ref: str, label: str) -> int:
    """`record_evidence` for many agents at once (an import): the same rules, a fixed number of queries
    (one insert in batches, one refresh of the agents concerned). Returns the number of new pieces."""
    lowest = rules.MIN_LEVEL if source in rules.MEASUREMENTS else 1
    codes = dict(Competence.objects.values_list("code", "pk"))
    source_ref, label = source_ref[:100], label[:255]
    rows = [
        Evidence(
            agent_id=entry.agent_id,
            competence_id=codes[item.competence_code],
            level=item.level,
            source=source,
            source_ref=source_ref,
            label=label,
            observed_at=entry.observed_at,
        )
        for entry in entries
        for item in entry.items
        if item.competence_code in codes and lowest <= item.level <= MAX_LEVEL
    ]
    if not rows:
        return 0
    same_source = Evidence.objects.filter(source=source, source_ref=source_ref)
    with transaction.atomic():
        before = same_source.count()
        Evidence.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        recorded = same_source.count() - before
        refresh_levels(agent_ids={row.agent_id for row in rows}, competence_ids={row.competence_id for row in rows})
    return recorded


def refresh_levels(
    *, agent_ids: Iterable[int], competence_ids: Iterable[int] | None = None, now: datetime | None = None
) -> int:
    """Derive again the stored levels of these agents (on these competences) from their evidence.

    Set-based: one read of the evidence, one upsert, one delete of levels whose evidence all expired,
    whatever the number of agents. Returns the number of levels written.
    """
    now = now or timezone.now()
    agent_ids = list(agent_ids)
    if not agent_ids:
        return 0
    evidence = Evidence.objects.filter(agent_id__in=agent_ids)
    levels = CompetenceLevel.objects.filter(agent_id__in=agent_ids)
    if competence_ids is not None:
        competence_ids = list(competence_ids)
        evidence = evidence.filter(competence_id__in=competence_ids)
        levels = levels.filter(competence_id__in=competence_ids)
    grouped: dict[tuple[int, int], list[rules.Observation]] = {}
    for agent_id, competence_id, level, source, observed_at, label in evidence.values_list(
        "agent_id", "competence_id", "level", "source", "observed_at", "label"
    ).iterator(chunk_size=5000):
        grouped.setdefault((agent_id, competence_id), []).append(rules.Observation(level, source, observed_at, label))
    rows = []
    for (agent_id, competence_id), observations in grouped.items():
        decided = rules.derive_level(observations, now=now)
        if decided is not None:
            rows.append(
                CompetenceLevel(
                    agent_id=agent_id,
                    competence_id=competence_id,
                    level=decided.level,
                    source=decided.source,
                    label=decided.label,
                    observed_at=decided.observed_at,
                )
            )
    with transaction.atomic():
        kept = {(row.agent_id, row.competence_id) for row in rows}
        stale = [
            pk
            for pk, agent_id, competence_id in levels.values_list("pk", "agent_id", "competence_id")
            if (agent_id, competence_id) not in kept
        ]
        CompetenceLevel.objects.filter(pk__in=stale).delete()
        CompetenceLevel.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["agent", "competence"],
            update_fields=["level", "source", "label", "observed_at"],
        )
    return len(rows)


def refresh_expired_levels(*, now: datetime | None = None) -> int:
    """Nightly: levels decided by evidence that has now expired are derived again (or dropped)."""
    now = now or timezone.now()
    agent_ids = set(
        CompetenceLevel.objects.filter(observed_at__lt=now - rules.VALIDITY).values_list("agent_id", flat=True)
    )
    return refresh_levels(agent_ids=sorted(agent_ids), now=now) if agent_ids else 0


def record_quiz_result(
    *,
    agent_id: int,
    attempt_id: int,
    positioning: bool,
    passed: bool | None,
    answers: Iterable[rules.Answer],
    label: str,
    observed_at: datetime,
) -> int:
    """Evidence from a graded quiz attempt: a positioning test estimates every competence it asked about;
    a passed quiz attests the levels of the questions answered right; a failed quiz proves nothing."""
    if positioning:
        levels, source = rules.positioning_levels(answers), Evidence.Source.POSITIONING
    elif passed:
        levels, source = rules.quiz_levels(answers), Evidence.Source.QUIZ
    else:
        return 0
    return record_evidence(
        agent_id=agent_id,
        items=[EvidenceItem(code, level) for code, level in levels.items()],
        source=source,
        source_ref=f"attempt:{attempt_id}",
        label=label,
        observed_at=observed_at,
    )


# --- targets --------------------------------------------------------------------------------------


def set_targets(
    *,
    organisation_id: int,
    levels: dict[int, int | None],
    job_title: str = "",
    service_id: int | None = None,
    user_id: int | None = None,
) -> int:
    """Set the levels expected of a job title or of a service, competence by competence (None: no target).

    One transaction: every level is checked before anything is written. Returns the number of targets.
    """
    job_title = job_title.strip()
    if bool(job_title) == bool(service_id):
        raise SkillsError(_("Choisissez soit un métier, soit un service."))
    if service_id and not Service.objects.filter(pk=service_id, organisation_id=organisation_id).exists():
        raise SkillsError(_("Ce service n'appartient pas à votre organisation."))
    for level in levels.values():
        if level is not None and not (rules.MIN_LEVEL <= level <= rules.MAX_LEVEL):
            raise SkillsError(_("Un niveau attendu est compris entre 0 et 8."))
    known = set(Competence.objects.filter(pk__in=levels).values_list("pk", flat=True))
    if known != set(levels):
        raise SkillsError(_("Compétence inconnue."))
    scope = {"organisation_id": organisation_id, "job_title": job_title, "service_id": service_id}
    # Replaced rather than upserted: the uniqueness of a target is a partial index (job or service),
    # which ON CONFLICT cannot name portably. The organisation's row serialises two HR officers saving.
    with transaction.atomic():
        list(Organisation.objects.select_for_update().filter(pk=organisation_id).values_list("pk", flat=True))
        Target.objects.filter(**scope, competence_id__in=list(levels)).delete()
        Target.objects.bulk_create(
            Target(**scope, competence_id=pk, level=level, updated_by_id=user_id)
            for pk, level in levels.items()
            if level is not None
        )
    return Target.objects.filter(**scope).count()


# --- digital champions ----------------------------------------------------------------------------


def volunteer_as_champion(
    *, agent_id: int, competence_id: int, note: str = "", now: datetime | None = None
) -> Champion:
    """An agent at level 5 or more on a competence offers to help colleagues on it (again: note updated)."""
    level = (
        CompetenceLevel.objects.filter(agent_id=agent_id, competence_id=competence_id)
        .values_list("level", flat=True)
        .first()
    )
    if level is None or level < rules.CHAMPION_LEVEL:
        raise SkillsError(
            _("Il faut avoir atteint le niveau %(level)s sur cette compétence pour devenir référent.")
            % {"level": rules.CHAMPION_LEVEL}
        )
    champion, created = Champion.objects.get_or_create(
        agent_id=agent_id, competence_id=competence_id, defaults={"note": note[:300], "since": now or timezone.now()}
    )
    if not created and champion.note != note[:300]:
        champion.note = note[:300]
        champion.save(update_fields=["note"])
    return champion


def withdraw_champion(*, agent_id: int, competence_id: int) -> bool:
    """The agent stops being a référent on this competence. Returns whether they were one."""
    deleted, _detail = Champion.objects.filter(agent_id=agent_id, competence_id=competence_id).delete()
    return bool(deleted)
