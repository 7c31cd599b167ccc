"""The demo: two organisations, their services and staff, built from the app factories.

Idempotent: every object is looked up by a natural key (slug, full path, e-mail) before being created,
so `load_demo` can run at every `make run`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from people.factories import DEFAULT_PASSWORD, AgentFactory, OrganisationFactory, UserFactory, add_groups
from people.models import Agent, Organisation, Service, User
from people.roles import HR_GROUP, REVIEWER_GROUP, TRAINER_GROUP

FIRST_NAMES = [
    "Camille", "Léa", "Hugo", "Chloé", "Louis", "Manon", "Nathan", "Inès", "Lucas", "Jade", "Théo",
    "Sarah", "Enzo", "Emma", "Yanis", "Zoé", "Karim", "Élodie", "Mathis", "Aïcha", "Julien", "Océane",
]  # fmt: skip
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
]  # fmt: skip

COMMUNE = {
    "slug": "saint-aubin",
    # The people of README's demo logins: the head of Voirie and one of their agents.
    "named": {("Voirie", 0): ("Louis", "Bernard"), ("Voirie", 1): ("Camille", "Martin")},
    "name": "Ville de Saint-Aubin-sur-Loire",
    "kind": Organisation.Kind.COMMUNE,
    "domain": "saint-aubin.example",
    "services": {
        "Direction générale des services": ["Accueil et état civil", "Communication"],
        "Direction des ressources": ["Ressources humaines", "Finances", "Systèmes d'information"],
        "Direction des services techniques": ["Voirie", "Espaces verts", "Bâtiments"],
        "Direction de la solidarité": ["CCAS", "Médiathèque"],
    },
}
EPCI = {
    "slug": "val-de-loire",
    "name": "Communauté de communes du Val de Loire",
    "kind": Organisation.Kind.EPCI,
    "domain": "val-de-loire.example",
    "services": {
        "Direction générale": ["Communication", "Ressources humaines"],
        "Pôle environnement": ["Collecte des déchets", "Eau et assainissement"],
    },
}
JOBS = {
    "Accueil et état civil": ("Agent d'accueil", "C"),
    "Communication": ("Chargé de communication", "B"),
    "Ressources humaines": ("Gestionnaire RH", "B"),
    "Finances": ("Gestionnaire comptable", "C"),
    "Systèmes d'information": ("Technicien informatique", "B"),
    "Voirie": ("Agent de voirie", "C"),
    "Espaces verts": ("Jardinier", "C"),
    "Bâtiments": ("Agent de maintenance des bâtiments", "C"),
    "CCAS": ("Travailleur social", "B"),
    "Médiathèque": ("Assistant de conservation", "B"),
    "Collecte des déchets": ("Ripeur", "C"),
    "Eau et assainissement": ("Technicien eau", "B"),
}


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str


def demo_logins() -> list[DemoLogin]:
    return [
        DemoLogin("Agent (commune)", "camille.martin@saint-aubin.example"),
        DemoLogin("Encadrant (services techniques)", "louis.bernard@saint-aubin.example"),
        DemoLogin("RH (commune)", "rh@saint-aubin.example"),
        DemoLogin("Formateur", "formateur@saint-aubin.example"),
        DemoLogin("Relecteur pédagogique", "relecteur@saint-aubin.example"),
        DemoLogin("RH (intercommunalité)", "rh@val-de-loire.example"),
        DemoLogin("Administrateur", "admin@capnum.example"),
    ]


def _service(organisation: Organisation, path: list[str]) -> Service:
    full_name = Service.SEPARATOR.join(path)
    existing = Service.objects.filter(organisation=organisation, full_name=full_name).first()
    if existing:
        return existing
    values = {"organisation": organisation, "name": path[-1], "full_name": full_name}
    if len(path) == 1:
        return Service.add_root(**values)
    parent = _service(organisation, path[:-1])
    return parent.add_child(**values)


def _agent(organisation, email, first_name, last_name, *, service=None, job="", category="", status=None,
           manager=None, hire_date=None, matricule="") -> Agent:  # fmt: skip
    user = UserFactory(email=email, first_name=first_name, last_name=last_name)
    agent = Agent.objects.filter(user=user).first()
    if agent is None:
        agent = AgentFactory(
            user=user,
            organisation=organisation,
            service=service,
            job_title=job,
            category=category,
            status=status or Agent.Status.TITULAIRE,
            manager=manager,
            hire_date=hire_date,
            matricule=matricule,
        )
    return agent


def _build_organisation(spec: dict, *, agents_per_service: int, today: date) -> dict[str, Agent]:
    organisation = OrganisationFactory(slug=spec["slug"], name=spec["name"], kind=spec["kind"])
    domain = spec["domain"]
    prefix = spec["slug"][:2].upper()
    people: dict[str, Agent] = {}
    dgs = _agent(
        organisation, f"dgs@{domain}", "Isabelle", "Fontaine",
        service=_service(organisation, [next(iter(spec["services"]))]),
        job="Directrice générale des services", category="A", matricule=f"{prefix}0001",
        hire_date=today - timedelta(days=2400),
    )  # fmt: skip
    people["dgs"] = dgs
    counter = 1
    name_index = 0 if spec is COMMUNE else 7
    for direction, services in spec["services"].items():
        for service_name in services:
            service = _service(organisation, [direction, service_name])
            job, category = JOBS[service_name]
            head = None
            for rank in range(agents_per_service):
                counter += 1
                first = FIRST_NAMES[name_index % len(FIRST_NAMES)]
                last = LAST_NAMES[(name_index // len(FIRST_NAMES) + name_index) % len(LAST_NAMES)]
                name_index += 1
                if (first, last) in spec.get("named", {}).values():
                    first, last = first, LAST_NAMES[(name_index + 7) % len(LAST_NAMES)]
                first, last = spec.get("named", {}).get((service_name, rank), (first, last))
                email = f"{_ascii(first)}.{_ascii(last)}@{domain}"
                agent = _agent(
                    organisation, email, first, last,
                    service=service,
                    job=f"Responsable {service_name.lower()}" if rank == 0 else job,
                    category="A" if rank == 0 and category == "B" else ("B" if rank == 0 else category),
                    status=Agent.Status.CONTRACTUEL if rank == 3 else Agent.Status.TITULAIRE,
                    manager=head or dgs,
                    # One newcomer per service (hired 20 days ago), the others over the last years.
                    hire_date=today - timedelta(days=20 if rank == 2 else 90 + 211 * counter % 3000),
                    matricule=f"{prefix}{counter:04d}",
                )  # fmt: skip
                head = head or agent
                people[email] = agent
    elected = _agent(
        organisation, f"elu.numerique@{domain}", "Bernard", "Lemoine",
        job="Adjoint au numérique", status=Agent.Status.ELU,
    )  # fmt: skip
    people["elected"] = elected
    hr = _agent(
        organisation, f"rh@{domain}", "Nadia", "Benali",
        service=_service(organisation, _hr_path(spec)), job="Responsable des ressources humaines",
        category="A", manager=dgs, matricule=f"{prefix}0900", hire_date=today - timedelta(days=1500),
    )  # fmt: skip
    add_groups(hr, [HR_GROUP])
    people["hr"] = hr
    return people


def _hr_path(spec: dict) -> list[str]:
    for direction, services in spec["services"].items():
        if "Ressources humaines" in services:
            return [direction, "Ressources humaines"]
    raise ValueError("no HR service")


def _ascii(value: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return plain.lower().replace(" ", "-")


@transaction.atomic
def load_people(*, size: str = "normal", today: date | None = None) -> dict[str, Agent]:
    """Build the demo organisations and staff; return the notable people by key."""
    today = today or date.today()
    per_service = 2 if size == "tiny" else 3
    people = _build_organisation(COMMUNE, agents_per_service=per_service, today=today)
    epci_people = _build_organisation(EPCI, agents_per_service=per_service, today=today)
    people["epci_hr"] = epci_people["hr"]
    organisation = Organisation.objects.get(slug=COMMUNE["slug"])
    domain = COMMUNE["domain"]
    trainer = _agent(
        organisation, f"formateur@{domain}", "Marc", "Delaunay", job="Formateur numérique", category="B",
        service=_service(organisation, ["Direction des ressources", "Systèmes d'information"]), matricule="SA0901",
    )  # fmt: skip
    add_groups(trainer, [TRAINER_GROUP])
    reviewer = _agent(
        organisation, f"relecteur@{domain}", "Sylvie", "Caron", job="Conseillère formation", category="A",
        service=_service(organisation, _hr_path(COMMUNE)), matricule="SA0902",
    )  # fmt: skip
    add_groups(reviewer, [REVIEWER_GROUP])
    people["trainer"] = trainer
    people["reviewer"] = reviewer
    admin = UserFactory(email="admin@capnum.example", first_name="Alex", last_name="Admin")
    if not admin.is_superuser:
        User.objects.filter(pk=admin.pk).update(is_superuser=True, is_staff=True)
    return people


__all__ = ["DEFAULT_PASSWORD", "demo_logins", "load_people"]
