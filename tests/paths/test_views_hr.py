"""HR pages of paths: the path library, assigning (form → preview → confirm), an assignment's detail,
progress and end — each scoped to HR's own organisation."""

from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from courses.factories import CoursePageFactory, LessonPageFactory
from paths import services
from paths.models import AgentAssignment, Assignment, PathStep, TrainingPath
from people.factories import AgentFactory, HRAgentFactory, OrganisationFactory, ServiceFactory, UserFactory
from progress.services import complete_lesson

pytestmark = pytest.mark.django_db


# --- set-up ---------------------------------------------------------------------------------------


@pytest.fixture
def town():
    return OrganisationFactory(slug="town", name="Ville")


@pytest.fixture
def other_town():
    return OrganisationFactory(slug="other", name="Autre ville")


@pytest.fixture
def hr(town, client):
    officer = HRAgentFactory(organisation=town)
    client.force_login(officer.user)
    return officer


@pytest.fixture
def courses():
    """Two published courses of one lesson each (45 and 90 minutes)."""
    first = CoursePageFactory(title="Cybersécurité", duration_minutes=45)
    second = CoursePageFactory(title="Messagerie", duration_minutes=90)
    for course in (first, second):
        LessonPageFactory(parent=course)
    return first, second


@pytest.fixture
def path(town, courses):
    path = TrainingPath.objects.create(organisation=town, title="Bien démarrer")
    for position, course in enumerate(courses, start=1):
        PathStep.objects.create(path=path, course=course, position=position, required=True)
    return path


@pytest.fixture
def voirie(town):
    direction = ServiceFactory(organisation=town, name="Services techniques")
    return ServiceFactory(parent=direction, name="Voirie")


def step_data(steps, **fields) -> dict:
    """POST data of the path form: steps as (course, required, position) and the path's fields."""
    data = {
        "title": "Accueil numérique",
        "description": "",
        "audience": "",
        "validity_months": "",
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for index, (course, required, position) in enumerate(steps):
        data[f"steps-{index}-course"] = str(course.pk) if course else ""
        data[f"steps-{index}-position"] = str(position) if position else ""
        if required:
            data[f"steps-{index}-required"] = "on"
    data.update(fields)
    return data


def assign_data(**fields) -> dict:
    data = {"due_mode": "after_assignment", "due_days": "30", "include_subservices": "on", "live": "on"}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def complete_course(agent, course):
    for lesson in course.get_children().live().specific():
        complete_lesson(agent_id=agent.pk, lesson_id=lesson.pk)


def preview(client, path, **fields):
    return client.post(reverse("paths:assignment_create", args=[path.uuid]), assign_data(**fields))


def confirm(client, url, token, callbacks):
    with callbacks(execute=True):
        return client.post(url, {"token": token, "action": "confirm"})


def page_text(response) -> str:
    return unescape(response.content.decode())


def form_errors(response) -> list[str]:
    form = response.context["form"]
    return [str(message) for messages in form.errors.values() for message in messages]


def create_assignment(town, path, hr, callbacks, **targets):
    with callbacks(execute=True):
        return services.create_assignment(
            organisation_id=town.pk,
            path_id=path.pk,
            targets=services.Targets(**targets),
            due_mode="after_assignment",
            due_days=30,
            assigned_by_id=hr.user_id,
        )


# --- the path library -----------------------------------------------------------------------------


def test_create_path_with_ordered_steps(client, hr, town, courses):
    """Creating a path saves it for HR's organisation with its steps in the chosen order."""
    first, second = courses
    data = step_data([(first, True, 2), (second, False, 1), (None, True, None)], validity_months="12")
    response = client.post(reverse("paths:path_create"), data)
    assert response.status_code == 302
    path = TrainingPath.objects.get(title="Accueil numérique")
    assert (path.organisation, path.created_by, path.validity_months) == (town, hr.user, 12)
    steps = list(path.steps.order_by("position").values_list("course_id", "required", "position"))
    assert steps == [(second.pk, False, 1), (first.pk, True, 2)]


def test_create_refuses_a_path_without_step(client, hr):
    """A path with no course chosen is refused."""
    response = client.post(reverse("paths:path_create"), step_data([(None, True, None)]))
    assert response.status_code == 200
    assert "Ajoutez au moins une étape : choisissez un cours." in page_text(response)
    assert not TrainingPath.objects.exists()


def test_create_refuses_a_path_without_required_step(client, hr, courses):
    """A path whose steps are all optional is refused with a clear message."""
    response = client.post(reverse("paths:path_create"), step_data([(courses[0], False, 1)]))
    assert "Un parcours doit avoir au moins une étape obligatoire." in page_text(response)
    assert not TrainingPath.objects.exists()


def test_create_refuses_the_same_course_twice(client, hr, courses):
    """A course chosen in two steps is refused."""
    response = client.post(reverse("paths:path_create"), step_data([(courses[0], True, 1), (courses[0], True, 2)]))
    assert "Un même cours ne peut figurer qu'une fois dans le parcours." in page_text(response)
    assert not TrainingPath.objects.exists()


@pytest.mark.parametrize("months", ["0", "121"])
def test_create_refuses_validity_out_of_range(client, hr, courses, months):
    """A validity outside 1–120 months is refused."""
    response = client.post(reverse("paths:path_create"), step_data([(courses[0], True, 1)], validity_months=months))
    assert "La validité doit être comprise entre 1 et 120 mois." in form_errors(response)
    assert not TrainingPath.objects.exists()


def test_create_refuses_an_unpublished_course(client, hr):
    """Only published courses of the catalogue can be chosen."""
    draft = CoursePageFactory(publish=False)
    response = client.post(reverse("paths:path_create"), step_data([(draft, True, 1)]))
    assert response.status_code == 200
    assert not TrainingPath.objects.exists()


def test_edit_removes_and_reorders_steps(client, hr, path, courses):
    """Editing keeps, renumbers and removes steps in one save."""
    first, second = courses
    data = step_data([(first, True, 2), (second, True, 1)], title="Bien démarrer")
    data.update({"steps-INITIAL_FORMS": "2", "steps-0-DELETE": "on"})
    response = client.post(reverse("paths:path_edit", args=[path.uuid]), data)
    assert response.status_code == 302
    assert list(path.steps.values_list("course_id", "position")) == [(second.pk, 1)]


def test_edit_removes_a_step_whose_course_was_unpublished(client, hr, path, courses):
    """A step whose course was unpublished since can be removed; keeping it is refused."""
    first, second = courses
    Page.objects.filter(pk=second.pk).update(live=False)
    data = step_data([(first, True, 1), (second, True, 2)], title="Bien démarrer")
    data["steps-INITIAL_FORMS"] = "2"
    kept = client.post(reverse("paths:path_edit", args=[path.uuid]), data)
    assert kept.context["formset"].forms[1].errors["course"] == [
        "Ce cours n'est pas publié : retirez cette étape ou publiez le cours."
    ]
    data["steps-1-DELETE"] = "on"
    assert client.post(reverse("paths:path_edit", args=[path.uuid]), data).status_code == 302
    assert list(path.steps.values_list("course_id", flat=True)) == [first.pk]


def test_edit_refuses_removing_the_last_required_step(client, hr, path, courses):
    """Removing the only required step is refused even when the removed step had an error."""
    first, second = courses
    Page.objects.filter(pk=second.pk).update(live=False)
    data = step_data([(first, False, 1), (second, True, 2)], title="Bien démarrer")
    data.update({"steps-INITIAL_FORMS": "2", "steps-1-DELETE": "on"})
    response = client.post(reverse("paths:path_edit", args=[path.uuid]), data)
    assert response.context["formset"].non_form_errors() == ["Un parcours doit avoir au moins une étape obligatoire."]
    assert path.steps.count() == 2


def test_list_shows_steps_hours_validity_and_active_assignments(
    client, hr, town, path, django_capture_on_commit_callbacks
):
    """The list gives each path's steps, estimated hours and active assignments, not single courses."""
    path.validity_months = 24
    path.save()
    create_assignment(town, path, hr, django_capture_on_commit_callbacks, categories=["A"])
    ended = create_assignment(town, path, hr, django_capture_on_commit_callbacks, categories=["B"])
    services.end_assignment(assignment_id=ended.pk, organisation_id=town.pk)
    TrainingPath.objects.create(organisation=town, title="Un cours seul", single_course=True)
    TrainingPath.objects.create(organisation=town, title="Ancien", archived_at=timezone.now())
    response = client.get(reverse("paths:path_list"))
    [listed] = response.context["page"]
    assert (listed.step_count, listed.total_minutes, listed.active_assignments) == (2, 135, 1)
    assert "2 h 15" in page_text(response)
    assert "24 mois" in page_text(response)


def test_hr_opens_the_forms(client, hr, path, courses):
    """HR opens the path and assignment forms of its organisation."""
    urls = [
        reverse("paths:path_create"),
        reverse("paths:path_edit", args=[path.uuid]),
        reverse("paths:assignment_create", args=[path.uuid]),
        reverse("paths:course_assignment_create", args=[courses[0].pk]),
    ]
    assert [client.get(url).status_code for url in urls] == [200, 200, 200, 200]


def test_navigation_offers_paths_to_hr(client, hr):
    """HR finds "Parcours" in the main navigation, after "Agents"."""
    labels = [str(label) for _url, label in client.get(reverse("paths:path_list")).context["nav_items"]]
    assert labels.index("Parcours") == labels.index("Agents") + 1
    assert "Attestations" in labels


# --- assigning: preview and confirmation ----------------------------------------------------------


@pytest.fixture
def road_crew(town, voirie, courses):
    """Three agents of the technical services (one in the direction itself), one of whom already
    completed both courses; and one agent elsewhere."""
    direction = voirie.get_parent()
    crew = [AgentFactory(organisation=town, service=voirie), AgentFactory(organisation=town, service=voirie)]
    crew.append(AgentFactory(organisation=town, service=direction, hire_date=timezone.localdate()))
    for course in courses:
        complete_course(crew[1], course)
    AgentFactory(organisation=town)
    return crew


def test_preview_counts_concerned_and_already_completed(client, hr, path, voirie, road_crew):
    """Assigning a direction with its sub-services previews 3 agents, 1 of whom already completed it."""
    response = preview(client, path, services=[voirie.get_parent().pk])
    assert response.status_code == 200
    assert response.context["preview"] == services.Preview(concerned=3, already_completed=1, already_assigned=0)
    text = page_text(response)
    assert (
        "3 agents concernés, dont 1 a déjà terminé ce parcours (les formations déjà suivies comptent), "
        "aucun ne l'a encore reçu." in text
    )


def test_confirm_creates_the_assignment_with_relative_due_dates(
    client, hr, path, voirie, road_crew, django_capture_on_commit_callbacks
):
    """Confirming the preview creates the assignment and one row per agent due 30 days later."""
    url = reverse("paths:assignment_create", args=[path.uuid])
    token = preview(client, path, services=[voirie.get_parent().pk]).context["token"]
    response = confirm(client, url, token, django_capture_on_commit_callbacks)
    assignment = Assignment.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("paths:hr_assignment", args=[assignment.uuid])
    assert (assignment.state, assignment.assigned_by, assignment.due_days, assignment.live) == (
        Assignment.State.READY,
        hr.user,
        30,
        True,
    )
    rows = {item.agent_id: item for item in AgentAssignment.objects.filter(assignment=assignment)}
    assert set(rows) == {agent.pk for agent in road_crew}
    assert {item.due_date for item in rows.values()} == {timezone.localdate() + timedelta(days=30)}
    assert rows[road_crew[1].pk].completed_at is not None
    assert rows[road_crew[0].pk].completed_at is None


def test_preview_counts_agents_who_already_received_the_path(
    client, hr, town, path, voirie, road_crew, django_capture_on_commit_callbacks
):
    """Agents reached by an earlier assignment of the path are counted as having received it."""
    create_assignment(town, path, hr, django_capture_on_commit_callbacks, agent_ids=[road_crew[0].pk])
    response = preview(client, path, services=[voirie.pk])
    assert response.context["preview"] == services.Preview(concerned=2, already_completed=1, already_assigned=1)


def test_edit_from_preview_refills_the_form(client, hr, path, voirie, road_crew):
    """ "Modifier" on the preview gives the form back with the same choices."""
    url = reverse("paths:assignment_create", args=[path.uuid])
    token = preview(client, path, services=[voirie.pk], agents=road_crew[2].matricule).context["token"]
    response = client.post(url, {"token": token, "action": "edit"})
    form = response.context["form"]
    assert form.initial["services"] == [voirie.pk]
    assert form.initial["agents"] == road_crew[2].matricule
    assert form.initial["due_days"] == "30"


def test_agents_are_found_by_matricule_or_email(client, hr, town, path):
    """Agents typed as matricules or e-mail addresses, in any separator, are targeted."""
    first, second = AgentFactory(organisation=town), AgentFactory(organisation=town)
    response = preview(client, path, agents=f"{first.matricule};\n {second.user.email.upper()}")
    assert response.context["preview"].concerned == 2


def test_tampered_token_is_refused(client, hr, path, voirie, road_crew, django_capture_on_commit_callbacks):
    """A confirmation whose signed data was altered creates nothing."""
    url = reverse("paths:assignment_create", args=[path.uuid])
    token = preview(client, path, services=[voirie.pk]).context["token"]
    response = confirm(client, url, token[:-2] + "xx", django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert not Assignment.objects.exists()


def test_refusal_at_confirmation_is_shown_on_the_form(
    client, hr, path, courses, voirie, road_crew, django_capture_on_commit_callbacks
):
    """A course unpublished between preview and confirmation: the service's refusal is shown on the form."""
    url = reverse("paths:assignment_create", args=[path.uuid])
    token = preview(client, path, services=[voirie.pk]).context["token"]
    Page.objects.filter(pk=courses[1].pk).update(live=False)
    response = confirm(client, url, token, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Une étape du parcours est un cours non publié : retirez-la ou publiez le cours."
    ]
    assert not Assignment.objects.exists()


def test_course_assignment_creates_a_single_course_path(
    client, hr, courses, voirie, road_crew, django_capture_on_commit_callbacks
):
    """A course assigned on its own previews, confirms and stays out of the path library."""
    url = reverse("paths:course_assignment_create", args=[courses[0].pk])
    response = client.post(url, assign_data(services=[voirie.pk]))
    assert response.context["preview"] == services.Preview(concerned=2, already_completed=1, already_assigned=0)
    confirm(client, url, response.context["token"], django_capture_on_commit_callbacks)
    assignment = Assignment.objects.select_related("path").get()
    assert assignment.path.single_course
    assert AgentAssignment.objects.filter(assignment=assignment).count() == 2
    assert list(client.get(reverse("paths:path_list")).context["page"]) == []


def test_second_confirmation_creates_nothing_more(
    client, hr, path, voirie, road_crew, django_capture_on_commit_callbacks
):
    """A double click on "Assigner le parcours" creates one assignment, not two."""
    url = reverse("paths:assignment_create", args=[path.uuid])
    token = preview(client, path, services=[voirie.pk]).context["token"]
    confirm(client, url, token, django_capture_on_commit_callbacks)
    response = confirm(client, url, token, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert Assignment.objects.count() == 1


def test_course_assignment_assigns_the_chosen_course_when_titles_repeat(
    client, hr, town, voirie, road_crew, django_capture_on_commit_callbacks
):
    """Two courses with the same title, each assigned on its own: each assignment is for its own course."""
    first = CoursePageFactory(title="Sensibilisation RGPD")
    second = CoursePageFactory(title="Sensibilisation RGPD")
    for course in (first, second):
        url = reverse("paths:course_assignment_create", args=[course.pk])
        token = client.post(url, assign_data(services=[voirie.pk])).context["token"]
        confirm(client, url, token, django_capture_on_commit_callbacks)
    latest = Assignment.objects.order_by("-pk").select_related("path").first()
    assert list(latest.path.steps.values_list("course_id", flat=True)) == [second.pk]


# --- assigning: bad input -------------------------------------------------------------------------


def test_refuses_a_due_date_in_the_past(client, hr, path, voirie):
    """A fixed due date in the past is refused at the due date field."""
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = preview(client, path, services=[voirie.pk], due_mode="date", due_date=yesterday, due_days=None)
    assert response.context["form"].errors["due_date"] == ["La date d'échéance doit être dans le futur."]
    assert "token" not in response.context


def test_refuses_an_empty_target(client, hr, path):
    """An assignment with nobody targeted is refused."""
    response = preview(client, path)
    assert response.context["form"].non_field_errors() == [
        "Choisissez au moins un agent, un service, un métier, une catégorie ou un statut."
    ]


@pytest.mark.parametrize("days", ["0", "10000"])
def test_refuses_a_relative_delay_out_of_range(client, hr, path, voirie, days):
    """A delay of 0 or 10 000 days is refused."""
    response = preview(client, path, services=[voirie.pk], due_days=days)
    assert response.context["form"].errors["due_days"] == ["Le délai doit être compris entre 1 et 730 jours."]


def test_refuses_a_service_of_another_organisation(client, hr, path, other_town):
    """A service of another organisation cannot be targeted."""
    theirs = ServiceFactory(organisation=other_town)
    response = preview(client, path, services=[theirs.pk])
    assert response.context["form"].errors["services"] == [
        "Un des services choisis n'appartient pas à votre organisation."
    ]


def test_refuses_an_agent_of_another_organisation(client, hr, path, other_town):
    """An agent of another organisation is not found, and said so."""
    theirs = AgentFactory(organisation=other_town, user=UserFactory(email="ailleurs@example.org"))
    response = preview(client, path, agents=theirs.user.email)
    assert response.context["form"].errors["agents"] == [
        "Aucun agent de votre organisation ne correspond à : ailleurs@example.org."
    ]


def test_refuses_a_deactivated_agent(client, hr, town, path):
    """A deactivated agent typed in the list is refused by name of what was typed."""
    gone = AgentFactory(organisation=town, is_active=False)
    response = preview(client, path, agents=gone.matricule)
    assert response.context["form"].errors["agents"] == [f"Ces agents sont désactivés : {gone.matricule}."]


def test_refuses_a_path_without_required_step(client, hr, town, courses, voirie):
    """A path whose steps are all optional cannot be assigned."""
    optional = TrainingPath.objects.create(organisation=town, title="Facultatif")
    PathStep.objects.create(path=optional, course=courses[0], required=False)
    response = preview(client, optional, services=[voirie.pk])
    assert response.context["form"].non_field_errors() == [
        "Ce parcours n'a aucune étape obligatoire : ajoutez-en une avant de l'assigner."
    ]


def test_refuses_a_path_with_an_unpublished_course(client, hr, path, voirie):
    """A path with a step whose course is unpublished cannot be assigned."""
    draft = CoursePageFactory(publish=False)
    PathStep.objects.create(path=path, course=draft, position=3, required=False)
    response = preview(client, path, services=[voirie.pk])
    assert response.context["form"].non_field_errors() == [
        "Une étape du parcours est un cours non publié : retirez-la ou publiez le cours."
    ]


# --- scope ----------------------------------------------------------------------------------------


@pytest.fixture
def assignment(town, path, voirie, road_crew, django_capture_on_commit_callbacks):
    hr_a = HRAgentFactory(organisation=town)
    return create_assignment(town, path, hr_a, django_capture_on_commit_callbacks, service_ids=[voirie.pk])


@pytest.fixture
def other_hr(client, other_town):
    officer = HRAgentFactory(organisation=other_town)
    client.force_login(officer.user)
    return officer


@pytest.mark.parametrize(
    ("name", "method", "target"),
    [
        ("paths:path_edit", "get", "path"),
        ("paths:path_edit", "post", "path"),
        ("paths:assignment_create", "get", "path"),
        ("paths:assignment_create", "post", "path"),
        ("paths:hr_assignment", "get", "assignment"),
        ("paths:assignment_progress", "get", "assignment"),
        ("paths:assignment_end", "post", "assignment"),
    ],
)
def test_hr_of_another_organisation_gets_404(client, path, assignment, other_hr, name, method, target):
    """HR of another organisation cannot open or act on this organisation's paths and assignments."""
    obj = path if target == "path" else assignment
    response = getattr(client, method)(reverse(name, args=[obj.uuid]), assign_data(categories=["C"]))
    assert response.status_code == 404
    assignment.refresh_from_db()
    assert assignment.ended_at is None
    assert Assignment.objects.count() == 1


def test_hr_of_another_organisation_does_not_list_these_paths(client, path, other_hr):
    """Another organisation's list shows none of this organisation's paths or assignments."""
    response = client.get(reverse("paths:path_list"))
    assert list(response.context["page"]) == []
    assert list(response.context["recent"]) == []


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("paths:path_list", None),
        ("paths:path_create", None),
        ("paths:path_edit", "path"),
        ("paths:assignment_create", "path"),
        ("paths:course_assignment_create", "course"),
        ("paths:hr_assignment", "assignment"),
        ("paths:assignment_progress", "assignment"),
    ],
)
def test_agent_without_hr_role_gets_403(client, town, path, courses, assignment, name, target):
    """An agent who is not HR is refused every HR page of paths."""
    client.force_login(AgentFactory(organisation=town).user)
    args = {"path": [path.uuid], "assignment": [assignment.uuid], "course": [courses[0].pk], None: []}[target]
    assert client.get(reverse(name, args=args)).status_code == 403


# --- one assignment -------------------------------------------------------------------------------


def test_progress_answers_json(client, hr, assignment):
    """The progress of an assignment is readable as JSON by HR of its organisation."""
    response = client.get(reverse("paths:assignment_progress", args=[assignment.uuid]))
    assert response.json() == {"state": "ready", "total": 2, "processed": 2}


def test_detail_counts_agents_by_status(client, hr, assignment, road_crew):
    """The detail counts agents not started, in progress, completed and overdue."""
    extra = AgentFactory(organisation=hr.organisation)
    services.apply_assignment(assignment_id=assignment.pk, agent_ids=None)
    AgentAssignment.objects.create(
        assignment=assignment,
        agent=extra,
        path=assignment.path,
        assigned_on=timezone.localdate() - timedelta(days=40),
        due_date=timezone.localdate() - timedelta(days=10),
    )
    AgentAssignment.objects.filter(agent=road_crew[0]).update(started_at=timezone.now())
    response = client.get(reverse("paths:hr_assignment", args=[assignment.uuid]))
    counts = {row["key"]: row["count"] for row in response.context["counts"]}
    assert counts == {"not_started": 0, "in_progress": 1, "completed": 1, "overdue": 1}
    assert response.context["counts_total"] == 3


def test_detail_shows_progress_and_refreshes_while_pending(client, hr, assignment):
    """While an assignment is being created, its page says how far it is and refreshes itself."""
    Assignment.objects.filter(pk=assignment.pk).update(state="pending", total=10000, processed=3200)
    text = page_text(client.get(reverse("paths:hr_assignment", args=[assignment.uuid])))
    assert '<meta http-equiv="refresh" content="3">' in text
    assert "Assignation en cours : 3\xa0200 agents sur 10\xa0000" in text
    assert 'role="status" id="assignment-progress-text"' in text


def test_detail_does_not_refresh_once_ready(client, hr, assignment):
    """A finished assignment's page does not refresh itself and offers to stop it."""
    text = page_text(client.get(reverse("paths:hr_assignment", args=[assignment.uuid])))
    assert "http-equiv" not in text
    assert reverse("paths:assignment_end", args=[assignment.uuid]) in text


def test_end_stops_the_rule_and_cancels_open_agent_assignments(client, hr, assignment, road_crew):
    """Stopping an assignment ends the rule and cancels what is not completed; completions stay."""
    response = client.post(reverse("paths:assignment_end", args=[assignment.uuid]))
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.ended_at is not None
    assert not assignment.live
    open_item = AgentAssignment.objects.get(assignment=assignment, agent=road_crew[0])
    done_item = AgentAssignment.objects.get(assignment=assignment, agent=road_crew[1])
    assert open_item.cancelled_at is not None
    assert done_item.cancelled_at is None
    assert done_item.completed_at is not None


def test_end_needs_post(client, hr, assignment):
    """Opening the stop address with GET changes nothing."""
    assert client.get(reverse("paths:assignment_end", args=[assignment.uuid])).status_code == 405
    assignment.refresh_from_db()
    assert assignment.ended_at is None
