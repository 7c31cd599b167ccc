"""The agent's own learning: enrol, resume, mark a lesson done, heartbeat, training record.

Every view works on the signed-in agent's own records only; ids in URLs are courses and lessons, never
another agent's records, so another agent's progress is unreachable (404 for what they cannot follow).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses.models import CoursePage, LessonPage
from courses.selectors import course_outline
from people.models import Agent
from people.permissions import agent_of
from quizzes.models import Question

from . import pdf, selectors, services
from .permissions import can_follow

ACTIVITY_KINDS = {"course", "lesson", "quiz", "question"}


def _agent(request) -> Agent:
    agent = agent_of(request.user)
    if agent is None or not agent.is_active:
        raise PermissionDenied
    return agent


def _course(request, course_id: int) -> CoursePage:
    course = CoursePage.objects.live().filter(pk=course_id).first()
    if course is None or not can_follow(request.user, course):
        raise Http404
    return course


@login_required
@require_POST
def enroll(request, course_id: int):
    agent = _agent(request)
    course = _course(request, course_id)
    services.enroll(agent_id=agent.pk, course_id=course.pk)
    messages.success(request, _("Vous êtes inscrit au cours « %(title)s ».") % {"title": course.title})
    return redirect(course.url)


@login_required
def resume(request, course_id: int):
    """Open the exact lesson to continue with."""
    agent = _agent(request)
    course = _course(request, course_id)
    outline = course_outline(course)
    state = selectors.course_state(agent, course, outline.lessons)
    target = next((item for item in outline.lessons if item.pk == state.resume_lesson_id), None)
    if target is None:
        target = outline.lessons[0] if outline.lessons else None
    return redirect(target.url if target else course.url)


@login_required
@require_POST
def complete(request, lesson_id: int):
    agent = _agent(request)
    try:
        outcome = services.complete_lesson(agent_id=agent.pk, lesson_id=lesson_id)
    except services.NotFoundError as missing:
        raise Http404 from missing
    except services.ProgressRefusedError as refused:
        messages.warning(request, refused.message)
        lesson = LessonPage.objects.get(pk=lesson_id)
        return redirect(lesson.url)
    lesson = outcome.progress.lesson
    course = CoursePage.objects.get(path=lesson.path[: -LessonPage.steplen])
    if outcome.completion is not None:
        messages.success(request, _("Bravo, vous avez terminé le cours « %(title)s » !") % {"title": course.title})
        return redirect(course.url)
    messages.success(request, _("Leçon « %(title)s » terminée.") % {"title": lesson.title})
    outline = course_outline(course)
    ids = [item.pk for item in outline.lessons]
    position = ids.index(lesson.pk) if lesson.pk in ids else len(ids)
    following = outline.lessons[position + 1] if position + 1 < len(ids) else None
    return redirect(following.url if following else course.url)


@login_required
@require_POST
def heartbeat(request, lesson_id: int):
    """Visible time on a lesson, sent every 30 s by the page (and once when it is hidden)."""
    agent = _agent(request)
    try:
        seconds = float(request.POST.get("seconds", ""))
    except ValueError:
        seconds = None
    credited = services.record_heartbeat(
        agent_id=agent.pk, lesson_id=lesson_id, view_token=request.POST.get("view", ""), seconds=seconds
    )
    return JsonResponse({"credited": credited})


@login_required
def training_record(request):
    """The livret individuel de formation, as a page."""
    agent = _agent(request)
    completions = selectors.training_record(agent)
    return render(
        request,
        "progress/training_record.html",
        {
            "agent": agent,
            "completions": completions,
            "total_minutes": sum(completion.duration_minutes for completion in completions),
        },
    )


@login_required
def training_record_pdf(request):
    agent = Agent.objects.select_related("organisation", "service").get(pk=_agent(request).pk)
    record = pdf.TrainingRecord(
        agent_name=agent.full_name,
        organisation=agent.organisation.name,
        service=agent.service.name if agent.service else "",
        job_title=agent.job_title,
        issued_at=timezone.now(),
        lines=tuple(
            pdf.RecordLine(
                title=completion.course_title,
                completed_at=timezone.localtime(completion.completed_at).date(),
                minutes=completion.duration_minutes,
                competences=tuple(
                    pdf.RecordCompetence(item["code"], item["name"], item["level"]) for item in completion.competences
                ),
                score=completion.score,
            )
            for completion in selectors.training_record(agent)
        ),
    )
    filename, content_type, content = pdf.render_training_record(record)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def activity(request, kind: str, pk: int):
    """xAPI activity ids are stable URLs: they lead a signed-in visitor to the current page."""
    if kind not in ACTIVITY_KINDS:
        raise Http404
    if kind == "course":
        page = CoursePage.objects.live().filter(pk=pk).first()
    elif kind == "lesson":
        page = LessonPage.objects.live().filter(pk=pk).first()
    else:
        quiz_id = pk if kind == "quiz" else Question.objects.filter(pk=pk).values_list("quiz_id", flat=True).first()
        page = LessonPage.objects.live().filter(quiz_links__quiz_id=quiz_id).order_by("path").first()
    if page is None:
        raise Http404
    return redirect(page.url)
