"""The CRCN data migration: 5 domains, 16 competences with official codes, re-runnable without damage."""

import importlib

import pytest
from django.apps import apps

from skills.models import Competence, Domain

pytestmark = pytest.mark.django_db

OFFICIAL_CODES = [
    "1.1", "1.2", "1.3",
    "2.1", "2.2", "2.3", "2.4",
    "3.1", "3.2", "3.3", "3.4",
    "4.1", "4.2", "4.3",
    "5.1", "5.2",
]  # fmt: skip
DIGCOMP_CODES = {"1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6"} | {
    f"{area}.{number}" for area in (3, 4, 5) for number in (1, 2, 3, 4)
}


def load_crcn():
    """Call the migration's function again, as `migrate` would on a database that already has the rows."""
    migration = importlib.import_module("skills.migrations.0002_load_crcn")
    migration.load(apps, None)


def test_five_domains_with_their_french_names():
    """The five CRCN domains are loaded under codes 1 to 5 with their French names."""
    assert dict(Domain.objects.values_list("code", "name")) == {
        "1": "Informations et données",
        "2": "Communication et collaboration",
        "3": "Création de contenus",
        "4": "Protection et sécurité",
        "5": "Environnement numérique",
    }


def test_sixteen_competences_with_the_official_codes():
    """Exactly the sixteen official competence codes 1.1 … 5.2 are loaded, in order."""
    assert list(Competence.objects.order_by("code").values_list("code", flat=True)) == OFFICIAL_CODES


def test_each_competence_belongs_to_the_domain_of_its_code():
    """Competence 4.1 hangs off domain 4, 2.4 off domain 2, and so on for all sixteen."""
    pairs = Competence.objects.values_list("code", "domain__code")
    assert all(code.split(".")[0] == domain for code, domain in pairs)
    assert len(pairs) == 16


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("1.1", "Mener une recherche et une veille d'information"),
        ("2.4", "S'insérer dans le monde numérique"),
        ("3.4", "Programmer"),
        ("4.1", "Sécuriser l'environnement numérique"),
        ("4.2", "Protéger les données personnelles et la vie privée"),
        ("5.2", "Construire un environnement numérique"),
    ],
)
def test_competence_has_its_official_french_name(code, name):
    """A competence carries its official French name, accents and apostrophe included."""
    assert Competence.objects.get(code=code).name == name


def test_every_competence_has_a_digcomp_code_and_a_description():
    """Each competence names an existing DigComp 2.2 competence and has a description."""
    for competence in Competence.objects.all():
        assert competence.digcomp_code in DIGCOMP_CODES, competence.code
        assert competence.description.strip(), competence.code


def test_digcomp_mapping_of_known_competences():
    """The mapping follows the published correspondence (2.3 → 2.4, 2.4 → 2.6, 1.2 → 1.3)."""
    mapping = dict(Competence.objects.values_list("code", "digcomp_code"))
    assert (mapping["2.3"], mapping["2.4"], mapping["1.2"], mapping["4.1"]) == ("2.4", "2.6", "1.3", "4.1")


def test_running_the_migration_again_duplicates_nothing():
    """Calling the migration's function a second time adds no domain and no competence."""
    load_crcn()
    assert (Domain.objects.count(), Competence.objects.count()) == (5, 16)


def test_running_the_migration_again_keeps_a_name_edited_in_the_admin():
    """A competence and a domain renamed in the admin keep their new names after a re-run."""
    Competence.objects.filter(code="4.1").update(name="Sécuriser son poste de travail")
    Domain.objects.filter(code="4").update(name="Sécurité")
    load_crcn()
    assert Competence.objects.get(code="4.1").name == "Sécuriser son poste de travail"
    assert Domain.objects.get(code="4").name == "Sécurité"


def test_running_the_migration_again_restores_a_deleted_competence():
    """A competence missing from the table is created again by a re-run, in its domain."""
    Competence.objects.filter(code="5.2").delete()
    load_crcn()
    restored = Competence.objects.get(code="5.2")
    assert (restored.domain.code, restored.name) == ("5", "Construire un environnement numérique")
