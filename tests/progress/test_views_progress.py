"""Progress through the web: enrol, open and complete lessons, heartbeat, resume, Mon espace, livret, xAPI ids."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import PageViewRestriction

from courses.factories import CoursePageFactory, LessonPageFactory
from people.factories import AgentFactory, UserFactory
from progress import services
from progress.models import CourseCompletion, Enrollment, LearningEvent, LessonProgress
from quizzes.factories import QuestionFactory, QuizFactory

pytestmark = pytest.mark.django_db
LOGIN = "/compte/connexion/"
QUIZ_SENTENCE = "Cette leçon sera terminée quand vous aurez réussi son quiz."
DONE_BUTTON = "J'ai terminé cette leçon"


@pytest.fixture
def agent():
    return AgentFactory(user__first_name="Camille", user__last_name="Dupré")


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent.user)
    return client


@pytest.fixture
def course():
    """Three required lessons."""
    page = CoursePageFactory(title="Cybersécurité au quotidien", duration_minutes=90)
    for number in (1, 2, 3):
        LessonPageFactory(parent=page, title=f"Leçon numéro {number}")
    return page


@pytest.fixture
def quiz():
    quiz = QuizFactory(title="Quiz final", pass_mark=50)
    QuestionFactory.create_batch(2, quiz=quiz)
    return quiz


@pytest.fixture
def quiz_lesson(course, quiz):
    return LessonPageFactory(
        parent=course,
        title="Leçon avec quiz",
        body=[{"type": "quiz", "value": {"quiz": quiz.pk, "intro": "", "required": True}}],
    )


def lessons_of(course):
    return list(course.lessons())


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def no_rows() -> bool:
    return not (
        Enrollment.objects.exists()
        or LessonProgress.objects.exists()
        or CourseCompletion.objects.exists()
        or LearningEvent.objects.exists()
    )


def complete(agent, lessons, now=None):
    for lesson in lessons:
        services.complete_lesson(agent_id=agent.pk, lesson_id=lesson.pk, now=now)


# Course page and enrolment


def test_course_page_offers_to_enrol(agent_client, course):
    """A course the agent has not joined shows the enrol button and no progress bar."""
    content = html(agent_client.get(course.url))
    assert "S'inscrire à ce cours" in content
    assert f'action="{reverse("progress:enroll", args=[course.pk])}"' in content
    assert "<progress" not in content


def test_enrolling_redirects_to_the_course_with_a_progress_bar(agent_client, agent, course):
    """POST enrol creates the enrolment and the course page then shows a progress bar and a start link."""
    response = agent_client.post(reverse("progress:enroll", args=[course.pk]))
    assert response.status_code == 302
    assert response["Location"] == course.url
    assert Enrollment.objects.filter(agent=agent, course=course).count() == 1
    content = html(agent_client.get(course.url))
    assert "S'inscrire à ce cours" not in content
    assert '<progress id="course-progress-bar" max="100" value="0">' in content
    assert f'href="{reverse("progress:resume", args=[course.pk])}"' in content


def test_course_page_offers_to_resume_after_a_lesson(agent_client, agent, course):
    """Once a lesson is done, the course page shows the progress and a "Reprendre" link."""
    complete(agent, lessons_of(course)[:1])
    content = html(agent_client.get(course.url))
    assert '<progress id="course-progress-bar" max="100" value="33">' in content
    assert "Progression : 33 %" in content
    assert f'<a class="button" href="{reverse("progress:resume", args=[course.pk])}">Reprendre</a>' in content


def test_enrol_needs_post(agent_client, course):
    """GET on the enrol URL is not allowed and enrols nobody."""
    assert agent_client.get(reverse("progress:enroll", args=[course.pk])).status_code == 405
    assert not Enrollment.objects.exists()


def test_enrolling_in_an_unpublished_course_is_404(agent_client):
    """An unpublished course cannot be enrolled in from the web."""
    draft = CoursePageFactory(publish=False)
    assert agent_client.post(reverse("progress:enroll", args=[draft.pk])).status_code == 404
    assert no_rows()


def test_completed_course_page_shows_the_date(agent_client, agent, course):
    """A completed course shows "Cours terminé" with its date and a link to review it."""
    complete(agent, lessons_of(course))
    completion = CourseCompletion.objects.get()
    content = html(agent_client.get(course.url))
    with translation.override("fr"):
        day = date_filter(timezone.localtime(completion.completed_at), "j F Y")
    assert "Cours terminé" in content
    assert f"le {day}" in content
    assert "Revoir le cours" in content


# Lesson page


def test_opening_a_lesson_enrols_and_starts_a_heartbeat(agent_client, agent, course):
    """GET on a lesson enrols the agent, records the visit and gives the page its heartbeat element."""
    lesson = lessons_of(course)[0]
    content = html(agent_client.get(lesson.url))
    progress = LessonProgress.objects.get(enrollment__agent=agent, lesson=lesson)
    assert Enrollment.objects.get(agent=agent).course_id == course.pk
    assert f'data-heartbeat="{reverse("progress:heartbeat", args=[lesson.pk])}"' in content
    assert f'data-view="{progress.view_token}"' in content
    assert DONE_BUTTON in content
    assert f'action="{reverse("progress:complete", args=[lesson.pk])}"' in content


def test_completing_a_lesson_goes_to_the_next_lesson(agent_client, agent, course):
    """POST complete marks the lesson done and redirects to the next lesson."""
    first, second, _third = lessons_of(course)
    agent_client.get(first.url)
    response = agent_client.post(reverse("progress:complete", args=[first.pk]))
    assert response.status_code == 302
    assert response["Location"] == second.url
    assert LessonProgress.objects.get(lesson=first).completed_at is not None


def test_outline_ticks_the_completed_lessons(agent_client, agent, course):
    """After completing a lesson, the outline of the next one ticks it as "terminée"."""
    first, second, third = lessons_of(course)
    agent_client.post(reverse("progress:complete", args=[first.pk]))
    content = html(agent_client.get(second.url))
    tick = '<span class="tick" aria-hidden="true">✓</span>'
    assert f'<li class="done"><a href="{first.url}">{first.title}</a>{tick}' in content
    assert "(terminée)" in content
    assert f'<li><a href="{third.url}">' in content


def test_a_completed_lesson_shows_its_badge_instead_of_the_button(agent_client, agent, course):
    """A lesson already done shows "Leçon terminée" and no "done" button."""
    first = lessons_of(course)[0]
    complete(agent, [first])
    content = html(agent_client.get(first.url))
    assert "Leçon terminée" in content
    assert DONE_BUTTON not in content


def test_completing_the_last_lesson_completes_the_course(agent_client, agent, course):
    """POST complete on the last required lesson records the completion and returns to the course page."""
    first, second, third = lessons_of(course)
    complete(agent, [first, second])
    response = agent_client.post(reverse("progress:complete", args=[third.pk]))
    assert response["Location"] == course.url
    assert CourseCompletion.objects.filter(agent=agent, course=course).count() == 1


def test_lesson_with_a_required_quiz_shows_the_quiz_sentence_and_no_button(agent_client, quiz_lesson):
    """A lesson decided by its quiz explains it and offers no "done" button."""
    content = html(agent_client.get(quiz_lesson.url))
    assert QUIZ_SENTENCE in content
    assert DONE_BUTTON not in content


def test_completing_a_quiz_lesson_by_post_is_refused(agent_client, quiz_lesson):
    """POST complete on a quiz lesson goes back to the lesson and records no completion."""
    response = agent_client.post(reverse("progress:complete", args=[quiz_lesson.pk]))
    assert response.status_code == 302
    assert response["Location"] == quiz_lesson.url
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()


def test_completing_an_unknown_lesson_is_404(agent_client):
    """POST complete on a lesson id that does not exist is 404 and records nothing."""
    assert agent_client.post(reverse("progress:complete", args=[999_999])).status_code == 404
    assert no_rows()


def test_completing_an_unpublished_lesson_is_404(agent_client, course):
    """POST complete on an unpublished lesson is 404 and records nothing."""
    draft = LessonPageFactory(parent=course, publish=False)
    assert agent_client.post(reverse("progress:complete", args=[draft.pk])).status_code == 404
    assert no_rows()


def test_complete_needs_post(agent_client, course):
    """GET on the complete URL is not allowed and records nothing."""
    lesson = lessons_of(course)[0]
    assert agent_client.get(reverse("progress:complete", args=[lesson.pk])).status_code == 405
    assert no_rows()


def test_opening_a_lesson_restricted_to_another_group_records_nothing(agent_client, course):
    """A lesson the agent may not view (restricted to a group they lack) is not recorded as visited."""
    lesson = lessons_of(course)[0]
    restriction = PageViewRestriction.objects.create(page=lesson, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(Group.objects.create(name="Groupe fermé"))
    response = agent_client.get(lesson.url)
    assert response.status_code != 200
    assert no_rows()


# Heartbeat


def open_view(client, lesson, seconds_ago=60) -> LessonProgress:
    """Open the lesson through the web and pretend the view began `seconds_ago`."""
    assert client.get(lesson.url).status_code == 200
    earlier = timezone.now() - timedelta(seconds=seconds_ago)
    LessonProgress.objects.filter(lesson=lesson).update(last_visit_at=earlier, last_beat_at=earlier)
    return LessonProgress.objects.get(lesson=lesson)


def test_heartbeat_returns_the_credited_seconds(agent_client, course):
    """POST heartbeat with the view token answers {"credited": n} and adds the time."""
    lesson = lessons_of(course)[0]
    view = open_view(agent_client, lesson)
    response = agent_client.post(
        reverse("progress:heartbeat", args=[lesson.pk]), {"seconds": "30", "view": view.view_token}
    )
    assert response.status_code == 200
    assert response.json() == {"credited": 30}
    assert LessonProgress.objects.get(lesson=lesson).seconds_spent == 30


@pytest.mark.parametrize("seconds", ["abc", "", "-30", "nan", "1e400"])
def test_heartbeat_with_absurd_seconds_is_clamped(agent_client, course, seconds):
    """Non-numbers, negatives, NaN and infinity never credit more than one beat."""
    lesson = lessons_of(course)[0]
    view = open_view(agent_client, lesson, seconds_ago=3600)
    response = agent_client.post(
        reverse("progress:heartbeat", args=[lesson.pk]), {"seconds": seconds, "view": view.view_token}
    )
    assert response.status_code == 200
    assert response.json()["credited"] in (0, 90)
    assert response.json()["credited"] == (90 if seconds == "1e400" else 0)


def test_heartbeat_with_a_wrong_token_credits_nothing(agent_client, course):
    """A heartbeat with an unknown view token answers {"credited": 0}."""
    lesson = lessons_of(course)[0]
    open_view(agent_client, lesson)
    response = agent_client.post(reverse("progress:heartbeat", args=[lesson.pk]), {"seconds": "30", "view": "x"})
    assert response.json() == {"credited": 0}


def test_heartbeat_get_is_not_allowed(agent_client, course):
    """GET on the heartbeat URL is 405."""
    lesson = lessons_of(course)[0]
    assert agent_client.get(reverse("progress:heartbeat", args=[lesson.pk])).status_code == 405


def test_heartbeat_of_an_anonymous_visitor_goes_to_login(client, course):
    """An anonymous heartbeat is redirected to the login page."""
    lesson = lessons_of(course)[0]
    response = client.post(reverse("progress:heartbeat", args=[lesson.pk]), {"seconds": "30", "view": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_heartbeat_of_another_agent_credits_nothing(client, agent, course):
    """Another agent posting the agent's view token is credited nothing."""
    lesson = lessons_of(course)[0]
    client.force_login(agent.user)
    view = open_view(client, lesson)
    client.force_login(AgentFactory().user)
    response = client.post(reverse("progress:heartbeat", args=[lesson.pk]), {"seconds": "30", "view": view.view_token})
    assert response.json() == {"credited": 0}
    assert LessonProgress.objects.get(pk=view.pk).seconds_spent == 0


# Resume


def test_resume_opens_the_last_visited_unfinished_lesson(agent_client, agent, course):
    """Resume redirects to the lesson last opened when it is not finished."""
    first, second, third = lessons_of(course)
    start = timezone.now() - timedelta(hours=3)
    services.complete_lesson(agent_id=agent.pk, lesson_id=first.pk, now=start)
    services.open_lesson(agent_id=agent.pk, lesson_id=third.pk, now=start + timedelta(hours=1))
    services.open_lesson(agent_id=agent.pk, lesson_id=second.pk, now=start + timedelta(minutes=30))
    response = agent_client.get(reverse("progress:resume", args=[course.pk]))
    assert response.status_code == 302
    assert response["Location"] == third.url


def test_resume_after_a_finished_lesson_opens_the_next_unfinished_one(agent_client, agent, course):
    """When the lesson last opened is done, resume goes to the next unfinished lesson."""
    first, second, _third = lessons_of(course)
    complete(agent, [first])
    assert agent_client.get(reverse("progress:resume", args=[course.pk]))["Location"] == second.url


def test_resume_a_course_not_started_opens_the_first_lesson(agent_client, course):
    """Resuming a course never opened starts with its first lesson."""
    response = agent_client.get(reverse("progress:resume", args=[course.pk]))
    assert response["Location"] == lessons_of(course)[0].url


def test_resume_an_unpublished_course_is_404(agent_client):
    """Resume of an unpublished course is 404."""
    draft = CoursePageFactory(publish=False)
    assert agent_client.get(reverse("progress:resume", args=[draft.pk])).status_code == 404


# Mon espace


def test_mon_espace_lists_a_course_in_progress_with_resume(agent_client, agent, course):
    """A course in progress appears with its progress, next step and a "Reprendre" link to resume."""
    first, second, _third = lessons_of(course)
    complete(agent, [first])
    content = html(agent_client.get(reverse("home:dashboard")))
    assert f'<h3><a href="{course.url}">Cybersécurité au quotidien</a></h3>' in content
    assert "1 leçon(s) sur 3 terminée(s)" in content
    assert f"Prochaine étape : {second.title}" in content
    assert f'<a class="button" href="{reverse("progress:resume", args=[course.pk])}">Reprendre' in content


def test_mon_espace_lists_a_completed_course_with_its_date(agent_client, agent, course):
    """A completed course appears among the completed ones with its date, not among those in progress."""
    complete(agent, lessons_of(course))
    completion = CourseCompletion.objects.get()
    content = html(agent_client.get(reverse("home:dashboard")))
    with translation.override("fr"):
        day = date_filter(timezone.localtime(completion.completed_at), "j F Y")
    assert f'<th scope="row"><a href="{course.url}">Cybersécurité au quotidien</a></th>' in content
    assert f"<td>{day}</td>" in content
    assert reverse("progress:resume", args=[course.pk]) not in content
    assert "Aucun cours en cours." in content


def test_mon_espace_never_shows_another_agents_courses(client, agent, course):
    """Agent B sees none of agent A's courses in progress or completed."""
    other = CoursePageFactory(title="Tableur pour débuter")
    LessonPageFactory(parent=other)
    complete(agent, lessons_of(course)[:1])
    complete(agent, lessons_of(other))
    client.force_login(AgentFactory().user)
    content = html(client.get(reverse("home:dashboard")))
    assert "Aucun cours en cours." in content
    assert "Vous n'avez pas encore terminé de cours." in content
    assert reverse("progress:resume", args=[course.pk]) not in content
    assert '<th scope="row">' not in content


def test_mon_espace_of_a_user_without_agent_profile_shows_no_courses(client, course):
    """An account without agent profile gets Mon espace without any learning sections."""
    client.force_login(UserFactory())
    content = html(client.get(reverse("home:dashboard")))
    assert "rattachée à aucune collectivité" in content
    assert "Mes cours en cours" not in content


# Accounts without agent profile


@pytest.mark.parametrize("name", ["enroll", "complete", "heartbeat"])
def test_user_without_agent_profile_is_forbidden(client, course, name):
    """Enrol, complete and heartbeat answer 403 to an account without agent profile; nothing recorded."""
    client.force_login(UserFactory())
    target = course.pk if name == "enroll" else lessons_of(course)[0].pk
    response = client.post(reverse(f"progress:{name}", args=[target]), {"seconds": "30", "view": "x"})
    assert response.status_code == 403
    assert no_rows()


def test_inactive_agent_is_forbidden(client, course):
    """An agent who left (inactive profile) cannot enrol."""
    agent = AgentFactory(is_active=False)
    client.force_login(agent.user)
    assert client.post(reverse("progress:enroll", args=[course.pk])).status_code == 403
    assert no_rows()


# Livret


def test_livret_lists_the_completions(agent_client, agent, course):
    """The livret lists each completed course with its duration and competences."""
    complete(agent, lessons_of(course))
    content = html(agent_client.get(reverse("progress:training_record")))
    assert "Cybersécurité au quotidien" in content
    assert "1 formation terminée" in content
    assert "4.1 Sécuriser l&#x27;environnement numérique (niveau 2)" in content
    assert f'href="{reverse("progress:training_record_pdf")}"' in content


def test_livret_of_another_agent_never_shows(client, agent, course):
    """Another agent's livret shows none of the agent's completions."""
    complete(agent, lessons_of(course))
    client.force_login(AgentFactory().user)
    content = html(client.get(reverse("progress:training_record")))
    assert "Cybersécurité au quotidien" not in content
    assert "Aucune formation terminée pour l'instant." in content


def test_livret_pdf_is_downloaded_as_an_attachment(agent_client, agent, course):
    """The PDF livret is served as application/pdf, as an attachment named after the agent and the date."""
    complete(agent, lessons_of(course))
    response = agent_client.get(reverse("progress:training_record_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="livret-formation-camille-dupre-{today}.pdf"'
    assert response.content.startswith(b"%PDF")


def test_livret_needs_login(client):
    """The livret and its PDF send anonymous visitors to the login page."""
    for name in ("training_record", "training_record_pdf"):
        response = client.get(reverse(f"progress:{name}"))
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)


# xAPI activity ids


def test_course_activity_redirects_to_the_course(agent_client, course):
    """The xAPI id of a course leads to the course page."""
    response = agent_client.get(reverse("progress:activity", args=["course", course.pk]))
    assert response.status_code == 302
    assert response["Location"] == course.url


def test_lesson_activity_redirects_to_the_lesson(agent_client, course):
    """The xAPI id of a lesson leads to the lesson page."""
    lesson = lessons_of(course)[1]
    assert agent_client.get(reverse("progress:activity", args=["lesson", lesson.pk]))["Location"] == lesson.url


def test_quiz_and_question_activities_redirect_to_the_lesson_holding_the_quiz(agent_client, quiz, quiz_lesson):
    """The xAPI ids of a quiz and of one of its questions lead to the lesson holding the quiz."""
    question = quiz.questions.first()
    assert agent_client.get(reverse("progress:activity", args=["quiz", quiz.pk]))["Location"] == quiz_lesson.url
    assert agent_client.get(reverse("progress:activity", args=["question", question.pk]))["Location"] == quiz_lesson.url


def test_unknown_activity_kind_is_404(agent_client, course):
    """An activity kind that progress never records is 404."""
    assert agent_client.get(reverse("progress:activity", args=["video", course.pk])).status_code == 404


def test_unknown_activity_is_404(agent_client, course):
    """An unknown or unpublished page id is 404."""
    draft = CoursePageFactory(publish=False)
    assert agent_client.get(reverse("progress:activity", args=["course", 999_999])).status_code == 404
    assert agent_client.get(reverse("progress:activity", args=["course", draft.pk])).status_code == 404
