"""The positioning test seen from the agent (its introduction, sharing their detailed answers) and from HR
(reading answers an agent chose to share). The test itself is taken through the ordinary quiz views.

Privacy: HR see an agent's estimated levels (skills) but not their answers, unless the agent shares them
(`Attempt.shared_with_hr`, False by default); anything else answers 404, as if the attempt did not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from people import permissions
from people.models import Agent
from skills import rules as skill_rules
from skills.models import Competence, measured_level_label

from . import grading, services
from .models import Attempt, Question, Quiz, QuizKind
from .positioning import current_positioning_quiz
from .views import expected_answers

SECONDS_PER_QUESTION = 20  # a positioning question is short: about 48 questions in 15 minutes


def _agent(request) -> Agent:
    agent = permissions.agent_of(request.user)
    if agent is None or not agent.is_active:
        raise PermissionDenied
    return agent


def _profile_url() -> str:
    return reverse("home:skills_profile")


def level_label(level: int | None) -> str:
    return measured_level_label(level, none=_("Non évalué"))


def question_count(quiz: Quiz) -> int:
    """How many questions one attempt serves: one per (competence, level) the test covers."""
    return (
        Question.objects.filter(quiz=quiz, competence__isnull=False, level__isnull=False)
        .exclude(type=grading.ESSAY)
        .values("competence", "level")
        .distinct()
        .count()
    )


def estimated_minutes(questions: int) -> int:
    """Rounded to five minutes: 48 questions → 15 min."""
    return max(5, 5 * round(questions * SECONDS_PER_QUESTION / 60 / 5))


@login_required
def positioning(request):
    """What the test is, the last result, and the button that starts (or resumes) it."""
    agent = _agent(request)
    quiz = current_positioning_quiz()
    finished = Attempt.objects.filter(
        agent=agent, snapshot__kind=QuizKind.POSITIONING, state=Attempt.State.GRADED
    ).order_by("-submitted_at", "-pk")
    context = {"quiz": quiz, "last_attempt": finished.first(), "profile_url": _profile_url()}
    if quiz is not None:
        questions = question_count(quiz)
        current = Attempt.objects.filter(quiz=quiz, agent=agent, state=Attempt.State.IN_PROGRESS).first()
        rule = services.attempt_rule(quiz=quiz, agent_id=agent.pk)
        context.update(
            questions=questions,
            minutes=estimated_minutes(questions),
            competences=quiz.questions.filter(competence__isnull=False).values("competence").distinct().count(),
            current=current,
            resume_url=(
                f"{reverse('quizzes:attempt', args=[current.pk])}?{urlencode({'next': _profile_url()})}"
                if current
                else ""
            ),
            refused=services.refusal_message(rule) if current is None and not rule.allowed else "",
        )
    return render(request, "quizzes/positioning.html", context)


@login_required
@require_POST
def share(request, pk: int):
    """The agent shares (partager=1) or stops sharing (partager=0) the answers of a positioning test."""
    agent = _agent(request)
    shared = request.POST.get("partager") == "1"
    try:
        services.set_answers_shared(attempt_id=pk, agent_id=agent.pk, shared=shared)
    except Attempt.DoesNotExist as missing:
        raise Http404 from missing
    if shared:
        messages.success(request, _("Vos réponses détaillées à ce test sont désormais visibles par les RH."))
    else:
        messages.success(request, _("Vos réponses détaillées à ce test ne sont plus visibles par les RH."))
    return redirect("home:skills_profile")


def _estimates(attempt: Attempt, fractions: dict[int, float | None]) -> list[dict]:
    """Per competence asked about: the level the test estimated and how many questions were right."""
    answers = [
        skill_rules.Answer(slot.get("competence"), slot.get("level"), fractions.get(index))
        for index, slot in enumerate(attempt.questions)
    ]
    levels = skill_rules.positioning_levels(answers)
    names = dict(Competence.objects.filter(code__in=levels).values_list("code", "name"))
    counts: dict[str, list[int]] = {}
    for answer in answers:
        if answer.competence_code in levels:
            tally = counts.setdefault(answer.competence_code, [0, 0])
            tally[0] += (answer.fraction or 0) >= skill_rules.SUCCESS_FRACTION
            tally[1] += 1
    return [
        {
            "code": code,
            "name": names.get(code, ""),
            "level": levels[code],
            "label": level_label(levels[code]),
            "right": counts[code][0],
            "asked": counts[code][1],
        }
        for code in sorted(levels)
    ]


def _items(attempt: Attempt, responses: dict) -> list[dict]:
    """Each question served, the agent's answer and the expected one (the quiz review, read-only)."""
    items = []
    for index, slot in enumerate(attempt.questions):
        response = responses.get(index)
        answer = response.answer if response else None
        chosen = answer if isinstance(answer, list) else [answer]
        items.append(
            {
                "number": index + 1,
                "slot": slot,
                "answer": answer,
                "fraction": response.fraction if response else None,
                "expected": expected_answers(slot),
                "choices": [
                    {**choice, "chosen": choice["key"] in chosen, "right": choice["fraction"] > 0}
                    for choice in slot["choices"]
                ],
            }
        )
    return items


@login_required
def hr_review(request, pk: int):
    """HR read the answers of a positioning test that the agent chose to share (404 otherwise)."""
    organisation_id = permissions.hr_organisation_id(request)
    attempt = get_object_or_404(
        Attempt.objects.select_related("agent__user", "agent__service"),
        pk=pk,
        agent__organisation_id=organisation_id,
        snapshot__kind=QuizKind.POSITIONING,
        state=Attempt.State.GRADED,
        shared_with_hr=True,
    )
    responses = {response.slot: response for response in attempt.responses.all()}
    return render(
        request,
        "quizzes/hr_review.html",
        {
            "attempt": attempt,
            "agent": attempt.agent,
            "estimates": _estimates(attempt, {slot: item.fraction for slot, item in responses.items()}),
            "items": _items(attempt, responses),
        },
    )


@login_required
def hr_shared(request, agent_pk: int):
    """HR list the positioning tests an agent of their organisation chose to share (none: said so)."""
    organisation_id = permissions.hr_organisation_id(request)
    agent = get_object_or_404(Agent.objects.select_related("user"), pk=agent_pk, organisation_id=organisation_id)
    attempts = Attempt.objects.filter(
        agent=agent, snapshot__kind=QuizKind.POSITIONING, state=Attempt.State.GRADED, shared_with_hr=True
    ).order_by("-submitted_at")
    return render(request, "quizzes/hr_shared.html", {"agent": agent, "attempts": attempts})
