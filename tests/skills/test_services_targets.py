"""Targets set by HR (per job title or per service, competence by competence) and digital champions."""

import pytest
from django.db import IntegrityError, transaction

from people.factories import AgentFactory, OrganisationFactory, ServiceFactory, UserFactory
from skills.factories import CompetenceLevelFactory, TargetFactory, competence
from skills.models import Champion, Target
from skills.services import SkillsError, set_targets, volunteer_as_champion, withdraw_champion

pytestmark = pytest.mark.django_db

JOB = "Agent d'accueil"


@pytest.fixture
def town():
    return OrganisationFactory(slug="town", name="Ville")


@pytest.fixture
def accueil(town):
    return ServiceFactory(organisation=town, name="Accueil")


@pytest.fixture
def codes():
    """competence code → primary key, for the competences these tests use."""
    return {code: competence(code).pk for code in ("1.1", "2.1", "4.1")}


def job_targets(town, job=JOB) -> dict[str, int]:
    return dict(
        Target.objects.filter(organisation=town, job_title=job).values_list("competence__code", "level"),
    )


# --- set_targets ----------------------------------------------------------------------------------


def test_set_targets_creates_one_target_per_competence(town, codes):
    """Two levels for a job title create two targets and return their number."""
    user = UserFactory()
    count = set_targets(
        organisation_id=town.pk, job_title=JOB, levels={codes["1.1"]: 3, codes["4.1"]: 5}, user_id=user.pk
    )
    assert count == 2
    assert job_targets(town) == {"1.1": 3, "4.1": 5}
    assert set(Target.objects.values_list("updated_by_id", "service_id")) == {(user.pk, None)}


def test_set_targets_updates_existing_levels(town, codes):
    """Setting a level again changes it and leaves the other targets of the job alone."""
    TargetFactory(organisation=town, job_title=JOB, competence=competence("1.1"), level=3)
    TargetFactory(organisation=town, job_title=JOB, competence=competence("4.1"), level=5)
    assert set_targets(organisation_id=town.pk, job_title=JOB, levels={codes["1.1"]: 6}) == 2
    assert job_targets(town) == {"1.1": 6, "4.1": 5}
    assert Target.objects.count() == 2


def test_set_targets_none_deletes_the_target(town, codes):
    """A level of None removes that competence's target and leaves the others."""
    TargetFactory(organisation=town, job_title=JOB, competence=competence("1.1"), level=3)
    TargetFactory(organisation=town, job_title=JOB, competence=competence("4.1"), level=5)
    assert set_targets(organisation_id=town.pk, job_title=JOB, levels={codes["4.1"]: None}) == 1
    assert job_targets(town) == {"1.1": 3}


def test_set_targets_none_only_deletes_in_its_scope(town, accueil, codes):
    """Removing a job's target leaves the same competence's target of a service and of another job."""
    TargetFactory(organisation=town, job_title=JOB, competence=competence("1.1"), level=3)
    TargetFactory(organisation=town, job_title="Jardinier", competence=competence("1.1"), level=2)
    TargetFactory(organisation=town, job_title="", service=accueil, competence=competence("1.1"), level=4)
    set_targets(organisation_id=town.pk, job_title=JOB, levels={codes["1.1"]: None})
    assert set(Target.objects.values_list("job_title", "service_id", "level")) == {
        ("Jardinier", None, 2),
        ("", accueil.pk, 4),
    }


def test_set_targets_job_title_is_trimmed(town, codes):
    """Spaces around the job title are not part of it."""
    set_targets(organisation_id=town.pk, job_title=f"  {JOB} ", levels={codes["1.1"]: 2})
    assert job_targets(town) == {"1.1": 2}


def test_set_targets_for_a_service_creates_updates_and_deletes(town, accueil, codes):
    """Service targets follow the same rules as job targets."""
    set_targets(organisation_id=town.pk, service_id=accueil.pk, levels={codes["1.1"]: 3, codes["2.1"]: 4})
    set_targets(organisation_id=town.pk, service_id=accueil.pk, levels={codes["1.1"]: 5, codes["2.1"]: None})
    assert list(Target.objects.filter(service=accueil).values_list("competence__code", "level", "job_title")) == [
        ("1.1", 5, "")
    ]


def test_job_and_service_targets_of_the_same_competence_coexist(town, accueil, codes):
    """A job target and a service target on the same competence are two rows."""
    set_targets(organisation_id=town.pk, job_title=JOB, levels={codes["1.1"]: 3})
    set_targets(organisation_id=town.pk, service_id=accueil.pk, levels={codes["1.1"]: 5})
    assert Target.objects.filter(competence_id=codes["1.1"]).count() == 2


def test_level_zero_is_a_valid_target(town, codes):
    """0 means "no requirement" and is accepted."""
    set_targets(organisation_id=town.pk, job_title=JOB, levels={codes["1.1"]: 0})
    assert job_targets(town) == {"1.1": 0}


@pytest.mark.parametrize("bad", [9, -1])
def test_level_outside_the_scale_is_refused_and_nothing_written(town, codes, bad):
    """One level outside 0–8 refuses the whole change: no target is written, none deleted."""
    TargetFactory(organisation=town, job_title=JOB, competence=competence("2.1"), level=4)
    with pytest.raises(SkillsError) as refused:
        set_targets(
            organisation_id=town.pk, job_title=JOB, levels={codes["1.1"]: 3, codes["4.1"]: bad, codes["2.1"]: None}
        )
    assert "entre 0 et 8" in refused.value.message
    assert job_targets(town) == {"2.1": 4}


def test_unknown_competence_is_refused(town, codes):
    """A competence id that does not exist refuses the change."""
    with pytest.raises(SkillsError):
        set_targets(organisation_id=town.pk, job_title=JOB, levels={codes["1.1"]: 3, 999_999: 3})
    assert not Target.objects.exists()


def test_both_job_and_service_are_refused(town, accueil, codes):
    """A target names a job title or a service, not both."""
    with pytest.raises(SkillsError) as refused:
        set_targets(organisation_id=town.pk, job_title=JOB, service_id=accueil.pk, levels={codes["1.1"]: 3})
    assert refused.value.message
    assert not Target.objects.exists()


@pytest.mark.parametrize("job_title", ["", "   "])
def test_neither_job_nor_service_is_refused(town, codes, job_title):
    """A target with no job title (blank counts as none) and no service is refused."""
    with pytest.raises(SkillsError):
        set_targets(organisation_id=town.pk, job_title=job_title, levels={codes["1.1"]: 3})
    assert not Target.objects.exists()


def test_service_of_another_organisation_is_refused(town, codes):
    """HR of one organisation cannot set targets on another organisation's service."""
    elsewhere = ServiceFactory(organisation=OrganisationFactory(slug="other"), name="Accueil")
    with pytest.raises(SkillsError) as refused:
        set_targets(organisation_id=town.pk, service_id=elsewhere.pk, levels={codes["1.1"]: 3})
    assert "organisation" in refused.value.message
    assert not Target.objects.exists()


def test_database_refuses_a_target_with_job_and_service(town, accueil):
    """The check constraint refuses a row naming both a job title and a service."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(organisation=town, competence=competence("1.1"), level=3, job_title=JOB, service=accueil)


def test_database_refuses_a_target_with_neither_job_nor_service(town):
    """The check constraint refuses a row naming neither."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(organisation=town, competence=competence("1.1"), level=3, job_title="", service=None)


def test_database_refuses_a_target_above_level_eight(town):
    """The check constraint refuses level 9."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(organisation=town, competence=competence("1.1"), level=9, job_title=JOB)


# --- champions ------------------------------------------------------------------------------------


def test_volunteer_at_level_five_becomes_champion():
    """An agent at level 5 on a competence may volunteer as its référent."""
    agent = AgentFactory()
    CompetenceLevelFactory(agent=agent, competence=competence("3.1"), level=5)
    champion = volunteer_as_champion(agent_id=agent.pk, competence_id=competence("3.1").pk, note="Le mardi, bureau 12")
    assert (champion.agent_id, champion.competence.code, champion.note) == (agent.pk, "3.1", "Le mardi, bureau 12")
    assert Champion.objects.count() == 1


def test_volunteer_below_level_five_is_refused():
    """At level 4 the offer is refused with a message naming level 5."""
    agent = AgentFactory()
    CompetenceLevelFactory(agent=agent, competence=competence("3.1"), level=4)
    with pytest.raises(SkillsError) as refused:
        volunteer_as_champion(agent_id=agent.pk, competence_id=competence("3.1").pk)
    assert "5" in refused.value.message
    assert not Champion.objects.exists()


def test_volunteer_without_a_level_is_refused():
    """Not assessed on the competence: refused."""
    agent = AgentFactory()
    CompetenceLevelFactory(agent=agent, competence=competence("1.1"), level=8)
    with pytest.raises(SkillsError):
        volunteer_as_champion(agent_id=agent.pk, competence_id=competence("3.1").pk)
    assert not Champion.objects.exists()


def test_volunteer_again_updates_the_note():
    """Volunteering again keeps one champion row and changes its note."""
    agent = AgentFactory()
    CompetenceLevelFactory(agent=agent, competence=competence("3.1"), level=6)
    first = volunteer_as_champion(agent_id=agent.pk, competence_id=competence("3.1").pk, note="Le mardi")
    again = volunteer_as_champion(agent_id=agent.pk, competence_id=competence("3.1").pk, note="Le jeudi")
    assert again.pk == first.pk
    assert Champion.objects.get().note == "Le jeudi"


def test_withdraw_champion():
    """Withdrawing removes the référent; withdrawing again says there was none."""
    agent = AgentFactory()
    CompetenceLevelFactory(agent=agent, competence=competence("3.1"), level=6)
    volunteer_as_champion(agent_id=agent.pk, competence_id=competence("3.1").pk)
    assert withdraw_champion(agent_id=agent.pk, competence_id=competence("3.1").pk) is True
    assert withdraw_champion(agent_id=agent.pk, competence_id=competence("3.1").pk) is False
    assert not Champion.objects.exists()
