"""factory-boy factories for people; the demo loader and the tests build from these."""

from functools import lru_cache

import factory
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from .models import Agent, Organisation, Service, User
from .roles import HR_GROUP, TRAINER_GROUP

DEFAULT_PASSWORD = "capnum-demo-2026"  # noqa: S105 - demo accounts only; production refuses the demo


@lru_cache(maxsize=1)
def hashed_default_password() -> str:
    """Hashed once per process: hashing is deliberately slow, and the demo creates many accounts."""
    return make_password(DEFAULT_PASSWORD)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Commune de Test {n}")
    slug = factory.Sequence(lambda n: f"commune-test-{n}")
    kind = Organisation.Kind.COMMUNE


class ServiceFactory(DjangoModelFactory):
    """Creates a root service, or a child when `parent` is given (treebeard needs its own API)."""

    class Meta:
        model = Service

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Service {n}")

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        if parent is not None:
            kwargs["organisation"] = parent.organisation
            kwargs["full_name"] = parent.full_name + Service.SEPARATOR + kwargs["name"]
            node = parent.add_child(**kwargs)
            parent.refresh_from_db()
            return node
        kwargs["full_name"] = kwargs["name"]
        return model_class.add_root(**kwargs)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.Sequence(lambda n: f"agent{n}@example.org")
    password = factory.LazyFunction(lambda: hashed_default_password())


class AgentFactory(DjangoModelFactory):
    class Meta:
        model = Agent
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    service = None
    job_title = factory.Faker("random_element", elements=["Agent d'accueil", "Gestionnaire RH", "Technicien voirie"])
    category = Agent.Category.C
    status = Agent.Status.TITULAIRE
    matricule = factory.Sequence(lambda n: f"M{n:05d}")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        """Group names to add: AgentFactory(groups=[HR_GROUP])."""
        if create and extracted:
            add_groups(self, extracted)


def add_groups(agent: Agent, names) -> None:
    agent.user.groups.add(*Group.objects.filter(name__in=names))


class HRAgentFactory(AgentFactory):
    job_title = "Responsable des ressources humaines"
    category = Agent.Category.A

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create:
            add_groups(self, extracted or [HR_GROUP])


class TrainerAgentFactory(AgentFactory):
    job_title = "Formateur numérique"
    category = Agent.Category.B

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create:
            add_groups(self, extracted or [TRAINER_GROUP])
