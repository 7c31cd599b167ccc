"""Operations on competence evidence. Rooms to the right (progress, quizzes' listeners, paths) feed
evidence through here: skills sits to their left and never listens to them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from .models import MAX_LEVEL, MIN_LEVEL, Competence, Evidence


@dataclass(frozen=True)
class EvidenceItem:
    competence_code: str
    level: int


def record_evidence(
    *,
    agent_id: int,
    items: Iterable[EvidenceItem],
    source: str,
    source_ref: str,
    label: str,
    observed_at: datetime,
) -> int:
    """Record the levels one source proves; the same (competence, source) pair is kept once.

    Unknown competence codes and levels outside 1–8 are skipped (a course may name a competence that
    was later removed). Returns the number of new pieces of evidence.
    """
    wanted = {item.competence_code: item.level for item in items if MIN_LEVEL <= item.level <= MAX_LEVEL}
    if not wanted:
        return 0
    competences = dict(Competence.objects.filter(code__in=wanted).values_list("code", "pk"))
    rows = [
        Evidence(
            agent_id=agent_id,
            competence_id=competences[code],
            level=level,
            source=source,
            source_ref=source_ref[:100],
            label=label[:255],
            observed_at=observed_at,
        )
        for code, level in wanted.items()
        if code in competences
    ]
    with transaction.atomic():
        before = Evidence.objects.filter(agent_id=agent_id, source=source, source_ref=source_ref[:100]).count()
        Evidence.objects.bulk_create(rows, ignore_conflicts=True)
        after = Evidence.objects.filter(agent_id=agent_id, source=source, source_ref=source_ref[:100]).count()
    return after - before
