"""The service heatmap and its drill-down: roll-up over the service tree, which target applies, how
unassessed agents and the mean level are counted; the drill-down paged by the database gives the same
rows as the reference computed row by row in Python."""

import pytest
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.test.utils import CaptureQueriesContext

from people.factories import AgentFactory, OrganisationFactory, ServiceFactory, UserFactory
from people.models import Agent
from skills import selectors
from skills.factories import CompetenceLevelFactory, TargetFactory, competence
from skills.models import CompetenceLevel

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    return OrganisationFactory(slug="town", name="Ville")


@pytest.fixture
def tree(town):
    """Direction générale → Accueil, Voirie; Culture at the top too."""
    direction = ServiceFactory(organisation=town, name="Direction générale")
    return {
        "direction": direction,
        "accueil": ServiceFactory(parent=direction, name="Accueil"),
        "voirie": ServiceFactory(parent=direction, name="Voirie"),
        "culture": ServiceFactory(organisation=town, name="Culture"),
    }


def agent(town, service, job_title="Agent d'accueil", **levels):
    """An active agent with levels given as code=level ("c1_1=4" for competence 1.1)."""
    found = AgentFactory(organisation=town, service=service, job_title=job_title)
    for key, level in levels.items():
        CompetenceLevelFactory(agent=found, competence=competence(key[1:].replace("_", ".")), level=level)
    return found


def cell(heatmap, label, code="1.1"):
    """The figures of one row (by label; "" for the direct row at the top) on one competence."""
    index = [item.code for item in heatmap.competences].index(code)
    (row,) = [row for row in heatmap.rows if row.label == label]
    return row.cells[index]


def test_rows_are_the_top_services_with_sixteen_competences(town, tree):
    """At the top, one row per root service of the organisation, in tree order, over the 16 competences."""
    heatmap = selectors.service_heatmap(organisation_id=town.pk)
    assert [row.label for row in heatmap.rows] == ["Direction générale", "Culture"]
    assert len(heatmap.competences) == 16
    assert heatmap.rows[0].has_children is True
    assert heatmap.rows[1].has_children is False


def test_child_service_agents_are_counted_in_the_parent_row(town, tree):
    """Agents of Accueil and Voirie count in the Direction générale row, with their levels."""
    agent(town, tree["accueil"], c1_1=2)
    agent(town, tree["voirie"], c1_1=4)
    agent(town, tree["culture"], c1_1=6)
    heatmap = selectors.service_heatmap(organisation_id=town.pk)
    direction = cell(heatmap, "Direction générale")
    assert heatmap.rows[0].agents == 2
    assert (direction.agents, direction.assessed, direction.mean_level) == (2, 2, 3.0)
    assert heatmap.total.agents == 3
    assert heatmap.total.cells[0].mean_level == 4.0


def test_drilling_down_shows_children_and_the_agents_attached_directly(town, tree):
    """Under a service: one row per child, plus a "direct" row for the agents of the service itself."""
    agent(town, tree["accueil"], c1_1=2)
    agent(town, tree["direction"], c1_1=5)
    agent(town, tree["culture"], c1_1=8)
    heatmap = selectors.service_heatmap(organisation_id=town.pk, parent=tree["direction"])
    assert [(row.label, row.direct, row.agents) for row in heatmap.rows] == [
        ("Accueil", False, 1),
        ("Voirie", False, 0),
        ("Direction générale", True, 1),
    ]
    assert heatmap.total.agents == 2
    assert heatmap.total.cells[0].mean_level == 3.5


def test_ancestors_of_a_deep_service_are_listed(town, tree):
    """A service two levels down knows its ancestors, for the breadcrumb."""
    guichet = ServiceFactory(parent=tree["accueil"], name="Guichet")
    heatmap = selectors.service_heatmap(organisation_id=town.pk, parent=guichet)
    assert [service.name for service in heatmap.ancestors] == ["Direction générale", "Accueil"]


def test_a_service_target_applies_to_its_sub_services(town, tree):
    """A target set on Direction générale concerns an agent of Accueil below it."""
    TargetFactory(organisation=town, service=tree["direction"], job_title="", competence=competence("1.1"), level=3)
    agent(town, tree["accueil"], c1_1=2)
    agent(town, tree["culture"], c1_1=1)
    heatmap = selectors.service_heatmap(organisation_id=town.pk)
    direction = cell(heatmap, "Direction générale")
    assert (direction.with_target, direction.below_target, direction.share_below) == (1, 1, 1.0)
    culture = cell(heatmap, "Culture")
    assert (culture.with_target, culture.share_below) == (0, None)


def test_the_highest_of_job_and_service_targets_applies(town, tree):
    """Job target 5 and service target 3: an agent at level 4 is below target (5 applies)."""
    TargetFactory(organisation=town, job_title="Agent d'accueil", competence=competence("1.1"), level=5)
    TargetFactory(organisation=town, service=tree["direction"], job_title="", competence=competence("1.1"), level=3)
    agent(town, tree["accueil"], c1_1=4)
    agent(town, tree["accueil"], job_title="Jardinier", c1_1=4)
    heatmap = selectors.service_heatmap(organisation_id=town.pk)
    direction = cell(heatmap, "Direction générale")
    assert (direction.with_target, direction.below_target) == (2, 1)
    targets = {
        item.job_title: item.target
        for item in selectors.cell_agents(organisation_id=town.pk, competence=competence("1.1"))
    }
    assert targets == {"Agent d'accueil": 5, "Jardinier": 3}


def test_unassessed_agents_count_as_below_target(town, tree):
    """An agent with no level on a competence with a target counts as below it."""
    TargetFactory(organisation=town, service=tree["direction"], job_title="", competence=competence("1.1"), level=2)
    agent(town, tree["accueil"], c1_1=3)
    agent(town, tree["voirie"])
    figures = cell(selectors.service_heatmap(organisation_id=town.pk), "Direction générale")
    assert (figures.agents, figures.assessed, figures.with_target, figures.below_target) == (2, 1, 2, 1)
    assert figures.share_below == 0.5


def test_the_mean_level_is_over_assessed_agents_only(town, tree):
    """Two agents, one at level 4 and one not assessed: the mean is 4, not 2."""
    agent(town, tree["accueil"], c1_1=4)
    agent(town, tree["accueil"])
    figures = cell(selectors.service_heatmap(organisation_id=town.pk), "Direction générale")
    assert (figures.agents, figures.assessed, figures.mean_level) == (2, 1, 4.0)
    nobody = cell(selectors.service_heatmap(organisation_id=town.pk), "Direction générale", code="5.2")
    assert nobody.mean_level is None


def test_inactive_agents_and_other_organisations_are_left_out(town, tree):
    """Deactivated agents and agents of another organisation count nowhere."""
    agent(town, tree["accueil"], c1_1=4)
    gone = agent(town, tree["accueil"], c1_1=1)
    gone.is_active = False
    gone.save()
    elsewhere = OrganisationFactory(slug="elsewhere")
    agent(elsewhere, ServiceFactory(organisation=elsewhere, name="Accueil"), c1_1=1)
    heatmap = selectors.service_heatmap(organisation_id=town.pk)
    assert heatmap.total.agents == 1
    assert heatmap.total.cells[0].mean_level == 4.0


def test_agents_without_service_form_a_direct_row_at_the_top(town, tree):
    """At the top, agents with no service are shown in their own row (direct, no service)."""
    agent(town, None, c1_1=2)
    heatmap = selectors.service_heatmap(organisation_id=town.pk)
    (row,) = [row for row in heatmap.rows if row.direct]
    assert (row.service, row.agents) == (None, 1)


def test_cell_agents_lists_the_sub_tree_only(town, tree):
    """The drill-down of Direction générale lists its agents and those below it, not Culture's."""
    first = agent(town, tree["accueil"], c1_1=4)
    second = agent(town, tree["direction"])
    agent(town, tree["culture"], c1_1=4)
    found = selectors.cell_agents(organisation_id=town.pk, competence=competence("1.1"), service=tree["direction"])
    assert {item.agent_id for item in found} == {first.pk, second.pk}
    assert sorted(item.level for item in found if item.level is not None) == [4]


# --- the drill-down, fast: same rows as before, one page at a time --------------------------------


def before(*, organisation_id, competence, service=None, below_only=False):
    """`cell_agents` as it was before the drill-down was paged in the database (a subquery per agent,
    every row read and filtered in Python): the reference the new selectors must match."""
    book = selectors.target_book(organisation_id)
    agents = Agent.objects.filter(organisation_id=organisation_id, is_active=True)
    if service is not None:
        agents = agents.filter(service__path__startswith=service.path)
    level = CompetenceLevel.objects.filter(agent=OuterRef("pk"), competence=competence).values("level")[:1]
    rows = agents.annotate(level=Subquery(level)).values_list(
        "pk",
        "user__last_name",
        "user__first_name",
        "user__email",
        "service__full_name",
        "service_id",
        "job_title",
        "level",
    )
    found = []
    for pk, last, first, email, service_name, service_id, job, agent_level in rows.order_by(
        "user__last_name", "user__first_name", "pk"
    ):
        target = book.for_group(service_id, job).get(competence.pk)
        item = selectors.CellAgent(pk, f"{first} {last}".strip() or email, service_name or "", job, agent_level, target)
        if not below_only or item.below_target:
            found.append(item)
    return found


# (last name, first name, service key, job title, level on 1.1 or None)
MIXED_AGENTS = [
    ("Martin", "Anne", "accueil", "Agent d'accueil", 4),
    ("Martin", "Anne", "voirie", "Jardinier", None),
    ("Martin", "Bruno", "guichet", "Agent d'accueil", 6),
    ("Abadie", "Zoé", "guichet", "Jardinier", 5),
    ("", "", "culture", "Agent d'accueil", 5),
    ("Bernard", "Léo", "culture", "Jardinier", 1),
    ("Bernard", "Léa", "culture", "Jardinier", 2),
    ("Petit", "Jean", None, "Agent d'accueil", 4),
    ("Petit", "Jeanne", None, "Jardinier", None),
    ("Roux", "Paul", "direction", " Agent d'accueil ", 3),
    ("Roux", "Pauline", "direction", "Archiviste", 3),
    ("Roux", "Pierre", "voirie", "Archiviste", 0),
    ("Durand", "Alice", "accueil", "Archiviste", 8),
    ("Durand", "Éric", "voirie", "", None),
]


@pytest.fixture
def mixed(town, tree):
    """Job and service targets on 1.1 (5 for Agent d'accueil, 0 for Jardinier, 3 on Direction générale,
    6 on Guichet below Accueil, 2 on Culture), agents of every kind, an inactive one and a stranger."""
    services = {**tree, "guichet": ServiceFactory(parent=tree["accueil"], name="Guichet"), None: None}
    on = competence("1.1")
    TargetFactory(organisation=town, job_title="Agent d'accueil", competence=on, level=5)
    TargetFactory(organisation=town, job_title="Jardinier", competence=on, level=0)
    TargetFactory(organisation=town, job_title="Archiviste", competence=competence("2.2"), level=7)
    for key, level in (("direction", 3), ("guichet", 6), ("culture", 2)):
        TargetFactory(organisation=town, service=services[key], job_title="", competence=on, level=level)
    for number, (last, first, key, job, level) in enumerate(MIXED_AGENTS):
        user = UserFactory(last_name=last, first_name=first, email=f"mixed{number:02d}@example.org")
        member = AgentFactory(organisation=town, service=services[key], job_title=job, user=user)
        if level is not None:
            CompetenceLevelFactory(agent=member, competence=on, level=level)
    gone = agent(town, tree["accueil"], job_title="Agent d'accueil", c1_1=1)
    gone.is_active = False
    gone.save()
    elsewhere = OrganisationFactory(slug="elsewhere")
    agent(elsewhere, ServiceFactory(organisation=elsewhere, name="Accueil"), job_title="Agent d'accueil", c1_1=1)
    return services


SCOPES = [None, "direction", "accueil", "guichet", "culture", "voirie"]


def pages(found) -> list:
    """Every row of a CellPage's paginator, page after page."""
    paginator = found.page.paginator
    return [item for number in paginator.page_range for item in paginator.page(number)]


@pytest.mark.parametrize("below_only", [False, True])
@pytest.mark.parametrize("key", SCOPES)
def test_cell_agents_give_the_same_rows_as_before(town, mixed, key, below_only):
    """Every scope, with or without the below-target filter: the same agents, levels, targets and order."""
    scope = {"organisation_id": town.pk, "competence": competence("1.1"), "service": mixed[key]}
    expected = before(**scope, below_only=below_only)
    assert expected, "the scene must list someone in every scope"
    assert selectors.cell_agents(**scope, below_only=below_only) == expected


@pytest.mark.parametrize("key", SCOPES)
def test_below_target_agent_ids_are_those_below_in_name_order(town, mixed, key):
    """The ids below target are those the reference lists below target, in the same order."""
    scope = {"organisation_id": town.pk, "competence": competence("1.1"), "service": mixed[key]}
    expected = [item.agent_id for item in before(**scope, below_only=True)]
    assert selectors.below_target_agent_ids(**scope) == expected


@pytest.mark.parametrize("key", SCOPES)
def test_cell_page_counts_agents_assessed_and_below(town, mixed, key):
    """The counts of a cell are those of its rows: agents, assessed agents, agents below target."""
    scope = {"organisation_id": town.pk, "competence": competence("1.1"), "service": mixed[key]}
    rows = before(**scope)
    found = selectors.cell_page(**scope)
    expected = (len(rows), sum(item.level is not None for item in rows), sum(item.below_target for item in rows))
    assert (found.counts.agents, found.counts.assessed, found.counts.below) == expected


@pytest.mark.parametrize("below_only", [False, True])
@pytest.mark.parametrize("key", [None, "direction"])
def test_cell_page_pages_follow_the_name_order(town, mixed, key, below_only):
    """Pages of three, read one after the other, give the reference rows in the reference order."""
    scope = {"organisation_id": town.pk, "competence": competence("1.1"), "service": mixed[key]}
    expected = before(**scope, below_only=below_only)
    found = selectors.cell_page(**scope, below_only=below_only, per_page=3)
    assert found.page.paginator.count == len(expected)
    assert found.page.number == 1
    assert pages(found) == expected


def test_cell_page_whole_organisation_sorts_ties_by_id_and_names_the_nameless_by_email(town, mixed):
    """Two Anne Martin follow their ids; an agent without a name shows their e-mail and comes first."""
    found = selectors.cell_page(organisation_id=town.pk, competence=competence("1.1"), per_page=50)
    names = [item.name for item in found.page]
    assert names[0] == "mixed04@example.org"
    martins = [item for item in found.page if item.name == "Anne Martin"]
    assert [item.agent_id for item in martins] == sorted(item.agent_id for item in martins)
    assert len(martins) == 2


def test_cell_page_gives_the_last_page_for_a_number_too_high_and_the_first_for_garbage(town, mixed):
    """Like Paginator.get_page: page 99 is the last page (the last two of 14 agents), "abc" the first."""
    scope = {"organisation_id": town.pk, "competence": competence("1.1")}
    last = selectors.cell_page(**scope, page_number=99, per_page=4)
    assert last.page.number == last.page.paginator.num_pages == 4
    assert list(last.page) == before(**scope)[12:]
    assert selectors.cell_page(**scope, page_number="abc", per_page=4).page.number == 1


def test_cell_page_below_only_without_targets_is_empty(town, tree):
    """No target on the competence: nobody is below, the filtered list is one empty page."""
    agent(town, tree["accueil"], c1_1=2)
    agent(town, tree["culture"])
    found = selectors.cell_page(organisation_id=town.pk, competence=competence("1.1"), below_only=True)
    assert (found.counts.agents, found.counts.assessed, found.counts.below) == (2, 1, 0)
    assert (found.page.number, list(found.page), found.page.has_other_pages()) == (1, [], False)
    assert selectors.below_target_agent_ids(organisation_id=town.pk, competence=competence("1.1")) == []


def populate(town, services: int, agents: int, first: int = 0) -> None:
    """`services` top services (numbered from `first`) each with a sub-service and a target on 4.1, and
    `agents` agents spread over them, with levels and job targets."""
    leaves = []
    for number in range(first, first + services):
        top = ServiceFactory(organisation=town, name=f"Direction {number}")
        leaves.append(ServiceFactory(parent=top, name=f"Bureau {number}"))
        TargetFactory(organisation=town, service=top, job_title="", competence=competence("4.1"), level=number % 5 + 2)
    for number in range(agents):
        member = AgentFactory(organisation=town, service=leaves[number % services], job_title=f"Métier {number % 4}")
        if number % 3:
            CompetenceLevelFactory(agent=member, competence=competence("4.1"), level=number % 9)


@pytest.mark.parametrize("below_only", [False, True])
def test_cell_page_query_count_does_not_grow_with_agents(town, below_only):
    """5 agents in 2 services or 40 agents in 8 services: four queries each time (targets, counts, page)."""
    on = competence("4.1")
    TargetFactory(organisation=town, job_title="Métier 1", competence=on, level=6)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            found = selectors.cell_page(organisation_id=town.pk, competence=on, below_only=below_only, per_page=3)
            assert len(found.page) == 3
        return len(captured)

    populate(town, services=2, agents=5)
    small = queries()
    populate(town, services=6, agents=35, first=2)
    assert queries() == small == 4
