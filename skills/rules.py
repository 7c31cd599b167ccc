"""Pure rules of the digital-skills profile: plain values in, plain values out, no database.

How an agent's level on a competence is derived from their evidence (`derive_level`):

1. Evidence older than three years no longer counts (a Pix certification is valid three years, and
   digital skills fade as tools change).
2. A *measurement* — a positioning test or a Pix result — says what the agent can do now. The most recent
   one sets the level, even if it is lower than an earlier one.
3. An *attestation* — a course completed, a quiz passed — proves a level was reached. One dated after the
   latest measurement raises the level to what it attests, if higher; one dated before it was already
   visible to that measurement and does not count.
4. Without any measurement, the highest attestation counts.
5. On the same date, the higher level wins (then the measurement).

The level decided this way is kept with the piece of evidence that decided it, so the agent sees the
date and source of their level.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

MIN_LEVEL = 0  # "not acquired": a measurement may say so (Pix level 0)
MAX_LEVEL = 8
MEASUREMENTS = frozenset({"positioning", "pix"})
ATTESTATIONS = frozenset({"course", "quiz"})
VALIDITY = timedelta(days=3 * 365)
CHAMPION_LEVEL = 5  # "avancé": from here an agent may help colleagues
SUCCESS_FRACTION = 0.5  # a question counts as answered right from half its marks


@dataclass(frozen=True)
class Observation:
    """One piece of evidence on one competence."""

    level: int
    source: str
    observed_at: datetime
    label: str = ""

    @property
    def is_measurement(self) -> bool:
        return self.source in MEASUREMENTS


def _rank(observation: Observation) -> tuple:
    return (observation.observed_at, observation.level, observation.is_measurement)


def derive_level(observations: Iterable[Observation], *, now: datetime) -> Observation | None:
    """The piece of evidence that sets the level (see the module's rule), or None: not assessed."""
    valid = [item for item in observations if now - item.observed_at <= VALIDITY]
    if not valid:
        return None
    measurements = [item for item in valid if item.is_measurement]
    if not measurements:
        return max(valid, key=lambda item: (item.level, item.observed_at))
    latest = max(measurements, key=_rank)
    later = [item for item in valid if not item.is_measurement and item.observed_at >= latest.observed_at]
    best = max(later, key=lambda item: (item.level, item.observed_at), default=None)
    if best is not None and best.level > latest.level:
        return best
    return latest


@dataclass(frozen=True)
class Answer:
    """A graded question of a quiz, with the competence and level it assesses (code None: none)."""

    competence_code: str | None
    level: int | None
    fraction: float | None


def _by_competence(answers: Iterable[Answer]) -> dict[str, dict[int, list[float]]]:
    grouped: dict[str, dict[int, list[float]]] = {}
    for answer in answers:
        if not answer.competence_code or answer.level is None:
            continue
        grouped.setdefault(answer.competence_code, {}).setdefault(answer.level, []).append(answer.fraction or 0.0)
    return grouped


def positioning_levels(answers: Iterable[Answer]) -> dict[str, int]:
    """The level a positioning test estimates for each competence it asked about.

    Questions are grouped by the level they test; a level is passed when the mean of its questions'
    fractions reaches one half. The estimate is the highest level passed with every lower level served
    passed too (a lucky answer at level 6 after failing level 2 does not count); 0 when the lowest level
    served is failed. Unanswered questions count as wrong.
    """
    estimates = {}
    for code, by_level in _by_competence(answers).items():
        estimate = 0
        for level in sorted(by_level):
            fractions = by_level[level]
            if sum(fractions) / len(fractions) < SUCCESS_FRACTION:
                break
            estimate = level
        estimates[code] = estimate
    return estimates


def quiz_levels(answers: Iterable[Answer]) -> dict[str, int]:
    """What a passed quiz attests: per competence, the highest level among the questions answered right."""
    attested = {}
    for code, by_level in _by_competence(answers).items():
        right = [level for level, fractions in by_level.items() if max(fractions) >= SUCCESS_FRACTION]
        if right:
            attested[code] = max(right)
    return attested


def effective_target(levels: Iterable[int]) -> int | None:
    """An agent may be under several targets (their job, their service and the services above it): the
    highest one applies."""
    return max(levels, default=None)


def is_below_target(level: int | None, target: int | None) -> bool:
    """Below a target above 0; not assessed (None) counts as below, since nothing shows it was reached."""
    return bool(target) and (level is None or level < target)


@dataclass(frozen=True)
class Gap:
    competence_code: str
    level: int | None  # None: not assessed yet
    target: int

    @property
    def size(self) -> int:
        return self.target - (self.level or 0)


def gaps(levels: Mapping[str, int | None], targets: Mapping[str, int]) -> list[Gap]:
    """Competences where the agent is below target (not assessed counts as below), widest gap first."""
    found = [
        Gap(code, levels.get(code), target)
        for code, target in targets.items()
        if is_below_target(levels.get(code), target)
    ]
    return sorted(found, key=lambda gap: (-gap.size, gap.competence_code))


@dataclass(frozen=True)
class CellFigures:
    """What the heatmap shows in one (service, competence) cell."""

    agents: int
    assessed: int
    mean_level: float | None
    with_target: int
    below_target: int

    @property
    def share_below(self) -> float | None:
        return self.below_target / self.with_target if self.with_target else None


def cell_figures(groups: Iterable[tuple[int | None, Mapping[int, int], int]]) -> CellFigures:
    """Sum the groups of agents that share a target: (target or None, {level: count}, agents not assessed).

    The mean level is over assessed agents only; the share below target is over agents who have a
    target, an agent not assessed counting as below (nothing shows they reached it).
    """
    agents = assessed = with_target = below = 0
    level_sum = 0
    for target, histogram, unassessed in groups:
        counted = sum(histogram.values())
        agents += counted + unassessed
        assessed += counted
        level_sum += sum(level * count for level, count in histogram.items())
        if target is not None and target > 0:
            with_target += counted + unassessed
            below += unassessed + sum(count for level, count in histogram.items() if level < target)
    mean = level_sum / assessed if assessed else None
    return CellFigures(agents, assessed, mean, with_target, below)
