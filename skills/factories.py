"""factory-boy factories for the skills room; the demo loader and the tests build from these.

Levels are derived data: build evidence with `record_evidence` (or `EvidenceFactory` then
`services.refresh_levels`) when the rule matters; `CompetenceLevelFactory` sets a level directly for
tests of HR figures and champions.
"""

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from people.factories import AgentFactory, OrganisationFactory

from .models import Champion, Competence, CompetenceLevel, Evidence, Target


def competence(code: str) -> Competence:
    """A CRCN competence loaded by the data migration, by its code ("4.1")."""
    return Competence.objects.get(code=code)


class EvidenceFactory(DjangoModelFactory):
    class Meta:
        model = Evidence

    agent = factory.SubFactory(AgentFactory)
    competence = factory.LazyFunction(lambda: competence("1.1"))
    level = 3
    source = Evidence.Source.POSITIONING
    source_ref = factory.Sequence(lambda n: f"test:{n}")
    label = "Test de positionnement"
    observed_at = factory.LazyFunction(timezone.now)


class CompetenceLevelFactory(DjangoModelFactory):
    class Meta:
        model = CompetenceLevel

    agent = factory.SubFactory(AgentFactory)
    competence = factory.LazyFunction(lambda: competence("1.1"))
    level = 3
    source = Evidence.Source.POSITIONING
    label = "Test de positionnement"
    observed_at = factory.LazyFunction(timezone.now)


class TargetFactory(DjangoModelFactory):
    """A target for a job title by default; pass `service=…, job_title=""` for a service target."""

    class Meta:
        model = Target

    organisation = factory.SubFactory(OrganisationFactory)
    competence = factory.LazyFunction(lambda: competence("2.2"))
    level = 4
    job_title = "Chargé de communication"
    service = None


class ChampionFactory(DjangoModelFactory):
    class Meta:
        model = Champion

    agent = factory.SubFactory(AgentFactory)
    competence = factory.LazyFunction(lambda: competence("1.1"))
    note = ""
    since = factory.LazyFunction(timezone.now)
