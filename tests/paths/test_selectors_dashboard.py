"""Dashboard selectors: status in the database, counts per path, roll-up through the service tree,
categories, weekly trend, drill-down filters and the manager's team."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from courses.factories import CoursePageFactory
from paths import rules, selectors, services
from paths.models import AgentAssignment, PathStep
from people.factories import AgentFactory, OrganisationFactory, ServiceFactory, UserFactory

from .dashboard_data import at, give, make_assignment, make_path

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 18)  # a Wednesday


@pytest.fixture
def town():
    return OrganisationFactory(slug="town", name="Ville")


@pytest.fixture
def tree(town):
    """Three levels: DST › Voirie › Équipe nord, DST › Espaces verts; Culture and Finances at the root."""
    dst = ServiceFactory(organisation=town, name="DST")
    voirie = ServiceFactory(parent=dst, name="Voirie")
    nord = ServiceFactory(parent=voirie, name="Équipe nord")
    verts = ServiceFactory(parent=dst, name="Espaces verts")
    culture = ServiceFactory(organisation=town, name="Culture")
    finances = ServiceFactory(organisation=town, name="Finances")
    return {"dst": dst, "voirie": voirie, "nord": nord, "verts": verts, "culture": culture, "finances": finances}


@pytest.fixture
def scene(town, tree):
    """Seven agents concerned by one path, plus rows that must not count (inactive, cancelled)."""
    path = make_path(town)
    assignment = make_assignment(path)

    def agent(service, category, name):
        return AgentFactory(organisation=town, service=service, category=category, user=UserFactory(last_name=name))

    people = {
        "a1": agent(tree["nord"], "A", "Arnaud"),
        "a2": agent(tree["nord"], "C", "Bernard"),
        "a3": agent(tree["voirie"], "B", "Colin"),
        "a4": agent(tree["verts"], "C", "David"),
        "a5": agent(tree["culture"], "", "Etienne"),
        "a6": agent(None, "C", "Fabre"),
        "a7": agent(tree["voirie"], "B", "Garnier"),
    }
    give(assignment, people["a1"], rules.COMPLETED, today=TODAY, completed_on=TODAY - timedelta(days=2))
    give(assignment, people["a2"], rules.OVERDUE, today=TODAY)
    give(assignment, people["a3"], rules.IN_PROGRESS, today=TODAY)
    give(assignment, people["a4"], rules.NOT_STARTED, today=TODAY)
    give(assignment, people["a5"], rules.COMPLETED, today=TODAY, completed_on=TODAY - timedelta(days=10))
    give(assignment, people["a6"], rules.OVERDUE, today=TODAY)
    # a7: a completed first cycle, renewed: only the open second cycle counts.
    give(assignment, people["a7"], rules.COMPLETED, today=TODAY, completed_on=TODAY - timedelta(days=400), renewed=True)
    give(assignment, people["a7"], rules.NOT_STARTED, today=TODAY, cycle=2)
    # Not counted: a deactivated agent, a cancelled row.
    gone = agent(tree["voirie"], "C", "Henry")
    gone.is_active = False
    gone.save()
    give(assignment, gone, rules.OVERDUE, today=TODAY)
    give(assignment, agent(tree["culture"], "C", "Ibert"), rules.NOT_STARTED, today=TODAY, cancelled=True)
    return {"path": path, "assignment": assignment, "people": people}


def figures(**counts):
    counts["assigned"] = sum(counts.values())
    return selectors.Figures(**counts)


def test_status_in_the_database_matches_the_rule(town):
    """The SQL status gives what rules.status_of gives, for every combination."""
    path = make_path(town)
    assignment = make_assignment(path)
    now = at(TODAY)
    cases = []
    for completed in (None, now):
        for started in (None, now):
            for due in (TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=1)):
                item = AgentAssignment.objects.create(
                    assignment=assignment,
                    agent=AgentFactory(organisation=town),
                    path=path,
                    assigned_on=TODAY - timedelta(days=30),
                    due_date=due,
                    started_at=started,
                    completed_at=completed,
                )
                expected = rules.status_of(completed_at=completed, started_at=started, due_date=due, today=TODAY)
                cases.append((item.pk, expected))
    found = dict(
        AgentAssignment.objects.annotate(status=selectors.status_expression(TODAY)).values_list("pk", "status")
    )
    assert found == dict(cases)


def test_overview_counts_each_path_of_the_organisation(town, scene):
    """One row per path with assignments: archived, empty and foreign paths are left out."""
    make_path(town, title="Sans assignation")
    archived = make_path(town, title="Archivé", archived_at=timezone.now())
    give(make_assignment(archived), AgentFactory(organisation=town), rules.NOT_STARTED, today=TODAY)
    elsewhere = make_path(OrganisationFactory(), title="Ailleurs")
    give(make_assignment(elsewhere), AgentFactory(organisation=elsewhere.organisation), rules.OVERDUE, today=TODAY)

    rows = selectors.path_overview(town.pk, TODAY)

    assert [row.title for row in rows] == ["Cybersécurité au quotidien"]
    assert rows[0].figures == figures(completed=2, in_progress=1, not_started=2, overdue=2)
    assert rows[0].figures.rate == 28


def test_overview_is_one_query(town, scene, django_assert_num_queries):
    """All paths are counted in one aggregate query."""
    other = make_path(town, title="Accueil numérique")
    give(make_assignment(other), scene["people"]["a1"], rules.OVERDUE, today=TODAY)
    with django_assert_num_queries(1):
        rows = selectors.path_overview(town.pk, TODAY)
    assert len(rows) == 2


def test_breakdown_rolls_up_through_the_service_tree(town, tree, scene):
    """A parent's figures include its sub-services at every level; empty services are left out."""
    breakdown = selectors.path_breakdown(scene["path"], town.pk, TODAY)
    rows = [(row.name, row.depth, row.figures) for row in breakdown.services]
    assert rows == [
        ("DST", 1, figures(completed=1, in_progress=1, not_started=2, overdue=1)),
        ("Voirie", 2, figures(completed=1, in_progress=1, not_started=1, overdue=1)),
        ("Équipe nord", 3, figures(completed=1, overdue=1)),
        ("Espaces verts", 2, figures(not_started=1)),
        ("Culture", 1, figures(completed=1)),
        ("Sans service", 1, figures(overdue=1)),
    ]
    assert breakdown.services[2].parent_label == "DST / Voirie / "


def test_breakdown_by_category_and_total(town, scene):
    """Categories A, B, C and none, in that order, add up to the total."""
    breakdown = selectors.path_breakdown(scene["path"], town.pk, TODAY)
    assert [(row.code, row.figures) for row in breakdown.categories] == [
        ("A", figures(completed=1)),
        ("B", figures(in_progress=1, not_started=1)),
        ("C", figures(not_started=1, overdue=2)),
        ("", figures(completed=1)),
    ]
    assert breakdown.total == figures(completed=2, in_progress=1, not_started=2, overdue=2)


def test_breakdown_query_count_does_not_grow(town, tree, scene, django_assert_num_queries):
    """Three queries, whatever the number of agents and services."""
    with django_assert_num_queries(3):
        selectors.path_breakdown(scene["path"], town.pk, TODAY)
    for number in range(5):
        service = ServiceFactory(parent=tree["finances"], name=f"Bureau {number}")
        give(scene["assignment"], AgentFactory(organisation=town, service=service), rules.OVERDUE, today=TODAY)
    with django_assert_num_queries(3):
        breakdown = selectors.path_breakdown(scene["path"], town.pk, TODAY)
    assert breakdown.total.assigned == 12


def test_trend_is_cumulative_per_week(town, scene):
    """Each week shows everything assigned and completed by its end."""
    points = selectors.completion_trend(scene["path"], town.pk, TODAY, weeks=3)
    assert [point.week for point in points] == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
    # Every current row was assigned 20 days before TODAY (week of 26 October): all count from the start.
    assert [point.assigned for point in points] == [7, 7, 7]
    # Completions on 8 November (week of 2 November) and 16 November (week of 16 November).
    assert [point.completed for point in points] == [1, 1, 2]


def test_agent_rows_filter_by_service_subtree_status_category_and_name(town, tree, scene):
    """The drill-down filters combine; a service takes its sub-services."""

    def names(**filters):
        rows = selectors.path_agent_rows(scene["path"], town.pk, TODAY, selectors.AgentFilters(**filters))
        return [row.agent.user.last_name for row in rows]

    assert names() == ["Arnaud", "Bernard", "Colin", "David", "Etienne", "Fabre", "Garnier"]
    assert names(service=tree["voirie"]) == ["Arnaud", "Bernard", "Colin", "Garnier"]
    assert names(status=rules.OVERDUE) == ["Bernard", "Fabre"]
    assert names(category=selectors.NO_CATEGORY) == ["Etienne"]
    assert names(category="C", service=tree["dst"]) == ["Bernard", "David"]
    assert names(q="garn") == ["Garnier"]
    assert names(sort="status")[:2] == ["Bernard", "Fabre"]


def test_agent_rows_carry_their_status(town, scene):
    """Each row has its status annotated, the renewed cycle replacing the completed one."""
    rows = selectors.path_agent_rows(scene["path"], town.pk, TODAY)
    status = {row.agent.user.last_name: row.status for row in rows}
    assert status["Garnier"] == rules.NOT_STARTED
    assert status["Arnaud"] == rules.COMPLETED


def test_team_rows_list_direct_and_indirect_reports_overdue_first(town):
    """A manager sees their reports and the reports' reports, people with overdue training first."""
    boss = AgentFactory(organisation=town)
    middle = AgentFactory(organisation=town, manager=boss, user=UserFactory(last_name="Aubert"))
    deep = AgentFactory(organisation=town, manager=middle, user=UserFactory(last_name="Zola"))
    idle = AgentFactory(organisation=town, manager=boss, user=UserFactory(last_name="Blanc"))
    stranger = AgentFactory(organisation=town)
    path = make_path(town)
    assignment = make_assignment(path)
    give(assignment, middle, rules.COMPLETED, today=TODAY)
    give(assignment, deep, rules.OVERDUE, today=TODAY)
    give(make_assignment(make_path(town, title="RGPD")), deep, rules.IN_PROGRESS, today=TODAY)
    give(assignment, stranger, rules.OVERDUE, today=TODAY)

    members = selectors.team_rows(boss, TODAY)

    assert [member.agent for member in members] == [deep, middle, idle]
    assert [item.status for item in members[0].assignments] == [rules.OVERDUE, rules.IN_PROGRESS]
    assert members[2].assignments == []


def test_an_assignment_made_through_the_service_is_counted(town, tree, django_capture_on_commit_callbacks):
    """create_assignment (Celery eager) reaches the service's agents, shown as not started."""
    path = make_path(town)
    PathStep.objects.create(path=path, course=CoursePageFactory(), required=True)
    AgentFactory.create_batch(2, organisation=town, service=tree["nord"])
    with django_capture_on_commit_callbacks(execute=True):
        services.create_assignment(
            organisation_id=town.pk,
            path_id=path.pk,
            targets=services.Targets(service_ids=[tree["dst"].pk]),
            due_mode="after_assignment",
            due_days=30,
        )
    today = timezone.localdate()
    (row,) = selectors.path_overview(town.pk, today)
    assert row.figures == figures(not_started=2)
    top = selectors.path_breakdown(path, town.pk, today).services[0]
    assert (top.name, top.figures.assigned) == ("DST", 2)
