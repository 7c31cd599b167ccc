"""Recording competence evidence and deriving the stored levels: once per source, level 0 only from a
measurement, set-based refresh, expiry after three years, later evidence lowering or raising a level."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from people.factories import AgentFactory
from skills.factories import CompetenceLevelFactory, EvidenceFactory, competence
from skills.models import CompetenceLevel, Evidence
from skills.services import (
    EvidenceBatchItem,
    EvidenceItem,
    record_evidence,
    record_evidence_batch,
    refresh_expired_levels,
    refresh_levels,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return AgentFactory()


def record(agent, items, *, source="course", ref="course:1", label="Sécuriser ses comptes", when=None):
    return record_evidence(
        agent_id=agent.pk,
        items=[EvidenceItem(code, level) for code, level in items],
        source=source,
        source_ref=ref,
        label=label,
        observed_at=when or timezone.now(),
    )


def levels_of(agent) -> dict[str, int]:
    return dict(CompetenceLevel.objects.filter(agent=agent).values_list("competence__code", "level"))


# --- record_evidence ------------------------------------------------------------------------------


def test_record_evidence_creates_evidence_and_levels(agent):
    """A course naming two competences creates two pieces of evidence and the two levels they prove."""
    when = timezone.now() - timedelta(days=2)
    assert record(agent, [("1.1", 3), ("4.1", 5)], when=when) == 2
    assert set(Evidence.objects.filter(agent=agent).values_list("competence__code", "level", "source")) == {
        ("1.1", 3, "course"),
        ("4.1", 5, "course"),
    }
    level = CompetenceLevel.objects.get(agent=agent, competence__code="4.1")
    assert (level.level, level.source, level.label, level.observed_at) == (5, "course", "Sécuriser ses comptes", when)
    assert levels_of(agent) == {"1.1": 3, "4.1": 5}


def test_same_source_recorded_twice_adds_nothing(agent):
    """The same course completed again adds no evidence and keeps the level it proved first."""
    record(agent, [("1.1", 3)])
    assert record(agent, [("1.1", 6)], when=timezone.now() + timedelta(days=1)) == 0
    assert Evidence.objects.filter(agent=agent).count() == 1
    assert levels_of(agent) == {"1.1": 3}


def test_another_source_on_the_same_competence_is_recorded(agent):
    """A second course on the same competence is a second piece of evidence."""
    record(agent, [("1.1", 3)], ref="course:1")
    assert record(agent, [("1.1", 4)], ref="course:2") == 1
    assert Evidence.objects.filter(agent=agent, competence__code="1.1").count() == 2
    assert levels_of(agent) == {"1.1": 4}


def test_level_zero_kept_from_a_positioning_test(agent):
    """A positioning test that estimates level 0 records it: the competence is assessed, not acquired."""
    assert record(agent, [("2.1", 0)], source="positioning", ref="attempt:1") == 1
    assert Evidence.objects.get(agent=agent).level == 0
    assert levels_of(agent) == {"2.1": 0}


def test_level_zero_skipped_from_a_course(agent):
    """A course never proves level 0: nothing is recorded."""
    assert record(agent, [("2.1", 0)]) == 0
    assert not Evidence.objects.filter(agent=agent).exists()
    assert levels_of(agent) == {}


def test_unknown_competence_code_is_skipped(agent):
    """A code that is not in the framework is skipped; the known one is recorded."""
    assert record(agent, [("9.9", 3), ("1.1", 2)]) == 1
    assert list(Evidence.objects.filter(agent=agent).values_list("competence__code", flat=True)) == ["1.1"]


def test_level_above_the_scale_is_skipped(agent):
    """Level 9 does not exist on the CRCN scale: nothing is recorded."""
    assert record(agent, [("1.1", 9)]) == 0
    assert not Evidence.objects.exists()


def test_later_lower_positioning_result_lowers_the_level(agent):
    """Level 6 measured a month ago, level 3 measured yesterday: the level is now 3."""
    now = timezone.now()
    record(agent, [("3.1", 6)], source="positioning", ref="attempt:1", when=now - timedelta(days=30))
    assert levels_of(agent) == {"3.1": 6}
    record(agent, [("3.1", 3)], source="positioning", ref="attempt:2", when=now - timedelta(days=1))
    level = CompetenceLevel.objects.get(agent=agent)
    assert (level.level, level.source) == (3, "positioning")


def test_course_completed_after_the_test_raises_the_level(agent):
    """Measured at 3, then a course attesting level 5: the level is 5, decided by the course."""
    now = timezone.now()
    record(agent, [("4.2", 3)], source="positioning", ref="attempt:1", when=now - timedelta(days=30))
    record(agent, [("4.2", 5)], ref="course:7", label="Protéger les données", when=now - timedelta(days=1))
    level = CompetenceLevel.objects.get(agent=agent)
    assert (level.level, level.source, level.label) == (5, "course", "Protéger les données")


def test_course_completed_before_the_test_does_not_raise_the_level(agent):
    """A course at level 5 then a test measuring 3: the test's level stands."""
    now = timezone.now()
    record(agent, [("4.2", 5)], ref="course:7", when=now - timedelta(days=30))
    record(agent, [("4.2", 3)], source="positioning", ref="attempt:1", when=now - timedelta(days=1))
    assert levels_of(agent) == {"4.2": 3}


# --- refresh_levels -------------------------------------------------------------------------------


def agents_with_evidence(count: int) -> list[int]:
    """Agents with evidence on 1.1 and a stale level on 2.1 that no evidence backs."""
    ids = []
    for rank in range(count):
        agent = AgentFactory()
        EvidenceFactory(agent=agent, competence=competence("1.1"), level=1 + rank % 8)
        CompetenceLevelFactory(agent=agent, competence=competence("2.1"), level=4)
        ids.append(agent.pk)
    return ids


def refresh_queries(agent_ids: list[int]) -> int:
    with CaptureQueriesContext(connection) as queries:
        written = refresh_levels(agent_ids=agent_ids)
    assert written == len(agent_ids)
    return len(queries.captured_queries)


def test_refresh_levels_derives_and_drops_levels():
    """Refreshing writes the level the evidence gives and drops a level no evidence backs."""
    ids = agents_with_evidence(3)
    refresh_levels(agent_ids=ids)
    assert set(
        CompetenceLevel.objects.filter(agent_id__in=ids).values_list("agent_id", "competence__code", "level")
    ) == {
        (ids[0], "1.1", 1),
        (ids[1], "1.1", 2),
        (ids[2], "1.1", 3),
    }


def test_refresh_levels_query_count_does_not_grow_with_agents():
    """Refreshing 30 agents sends as many queries as refreshing 2."""
    small = refresh_queries(agents_with_evidence(2))
    large = refresh_queries(agents_with_evidence(30))
    assert large == small
    assert CompetenceLevel.objects.filter(competence__code="1.1").count() == 32
    assert not CompetenceLevel.objects.filter(competence__code="2.1").exists()


def test_refresh_levels_only_touches_the_competences_asked():
    """With competence ids, other levels of the agent are left alone."""
    ids = agents_with_evidence(1)
    refresh_levels(agent_ids=ids, competence_ids=[competence("1.1").pk])
    assert dict(CompetenceLevel.objects.filter(agent_id=ids[0]).values_list("competence__code", "level")) == {
        "1.1": 1,
        "2.1": 4,
    }


def test_refresh_levels_of_nobody_writes_nothing():
    """No agent: nothing written, no query."""
    with CaptureQueriesContext(connection) as queries:
        assert refresh_levels(agent_ids=[]) == 0
    assert len(queries.captured_queries) == 0


# --- refresh_expired_levels -----------------------------------------------------------------------


def test_refresh_expired_levels_derives_again_or_drops():
    """Nightly: a level decided by expired evidence falls back on valid evidence, or disappears."""
    now = timezone.now()
    then = now - timedelta(days=200)  # when the levels were last derived
    old, recent = now - timedelta(days=1200), now - timedelta(days=300)  # 1200 days: past three years
    with_course, only_old, fresh = AgentFactory(), AgentFactory(), AgentFactory()
    EvidenceFactory(agent=with_course, competence=competence("5.1"), level=5, source="positioning", observed_at=old)
    EvidenceFactory(agent=with_course, competence=competence("5.1"), level=2, source="course", observed_at=recent)
    EvidenceFactory(agent=only_old, competence=competence("5.1"), level=4, source="pix", observed_at=old)
    EvidenceFactory(agent=fresh, competence=competence("5.1"), level=3, source="positioning", observed_at=recent)
    refresh_levels(agent_ids=[with_course.pk, only_old.pk, fresh.pk], now=then)
    assert CompetenceLevel.objects.get(agent=with_course).level == 5
    assert CompetenceLevel.objects.get(agent=only_old).level == 4

    assert refresh_expired_levels(now=now) == 1

    level = CompetenceLevel.objects.get(agent=with_course)
    assert (level.level, level.source, level.observed_at) == (2, "course", recent)
    assert not CompetenceLevel.objects.filter(agent=only_old).exists()
    assert CompetenceLevel.objects.get(agent=fresh).level == 3


def test_refresh_expired_levels_with_nothing_expired_writes_nothing():
    """No level older than three years: nothing to do."""
    CompetenceLevelFactory(observed_at=timezone.now() - timedelta(days=1000))
    assert refresh_expired_levels() == 0
    assert CompetenceLevel.objects.count() == 1


def test_batch_recording_costs_the_same_queries_for_3_or_40_agents():
    """record_evidence_batch (imports) is set-based: the query count does not grow with the agents."""

    def run(count: int, ref: str) -> int:
        agents = AgentFactory.create_batch(count)
        entries = [
            EvidenceBatchItem(agent.pk, (EvidenceItem("1.1", 4), EvidenceItem("4.1", 0)), timezone.now())
            for agent in agents
        ]
        with CaptureQueriesContext(connection) as queries:
            recorded = record_evidence_batch(entries=entries, source="pix", source_ref=ref, label="Pix")
        assert recorded == 2 * count
        assert CompetenceLevel.objects.filter(agent__in=agents).count() == 2 * count
        return len(queries)

    assert run(3, "pix:1:A") == run(40, "pix:2:B")
