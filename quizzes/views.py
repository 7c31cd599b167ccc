"""Taking a quiz: start, answer (with autosave), submit, read the correction. Thin views over services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from people.permissions import agent_of

from . import grading, services
from .models import Attempt, FeedbackPolicy, Quiz


def _agent_id(request) -> int:
    agent = agent_of(request.user)
    if agent is None or not agent.is_active:
        raise PermissionDenied
    return agent.pk


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home:dashboard")


def _with_next(url: str, request) -> str:
    return f"{url}?{urlencode({'next': _safe_next(request)})}"


def _own_attempt(request, pk: int) -> Attempt:
    return get_object_or_404(Attempt, pk=pk, agent_id=_agent_id(request))


def answers_from_post(slots: list[dict], data) -> dict:
    """The answers of a submitted form, by slot, in the shapes the services check."""
    answers = {}
    for index, slot in enumerate(slots):
        name = f"q-{index}"
        kind = slot["type"]
        if kind == grading.MULTIPLE_CHOICE:
            if name in data or f"{name}-present" in data:
                answers[index] = data.getlist(name)
        elif kind == grading.MATCHING:
            pairs = {c["key"]: data.get(f"{name}-{c['key']}", "") for c in slot["choices"] if c["text"]}
            if any(pairs.values()):
                answers[index] = pairs
        elif kind == grading.ORDERING:
            positions = {c["key"]: data.get(f"{name}-{c['key']}", "") for c in slot["choices"]}
            if all(value.isdigit() for value in positions.values()):
                answers[index] = [key for key, _position in sorted(positions.items(), key=lambda item: int(item[1]))]
        elif kind != grading.DESCRIPTION and name in data:
            answers[index] = data.get(name, "")
    return answers


@login_required
@require_POST
def start(request, quiz_id: int):
    quiz = get_object_or_404(Quiz, pk=quiz_id)
    try:
        attempt = services.start_attempt(quiz_id=quiz.pk, agent_id=_agent_id(request))
    except services.AttemptRefusedError as refused:
        messages.warning(request, refused.message)
        return redirect(_safe_next(request))
    return redirect(_with_next(reverse("quizzes:attempt", args=[attempt.pk]), request))


@login_required
def attempt_page(request, pk: int):
    attempt = _own_attempt(request, pk)
    if attempt.state != Attempt.State.IN_PROGRESS:
        return redirect(_with_next(reverse("quizzes:review", args=[attempt.pk]), request))
    saved = {response.slot: response.answer for response in attempt.responses.all()}
    return render(
        request,
        "quizzes/attempt.html",
        {
            "attempt": attempt,
            "questions": public_questions(attempt, saved),
            "next": _safe_next(request),
        },
    )


def public_questions(attempt: Attempt, saved: dict) -> list[dict]:
    """What the browser may see before submission: texts and choices in served order, never weights."""
    questions = []
    for index, slot in enumerate(attempt.questions):
        by_key = {choice["key"]: choice for choice in slot["choices"]}
        answer = saved.get(index)
        choices = [
            {
                "key": key,
                "text": by_key[key]["text"],
                "checked": answer == key or (isinstance(answer, list) and key in answer),
                "position": (answer.index(key) + 1) if isinstance(answer, list) and key in answer else position,
                "selected": answer.get(key, "") if isinstance(answer, dict) else "",
            }
            for position, key in enumerate(slot["order"], start=1)
            if slot["type"] != grading.MATCHING or by_key[key]["text"]
        ]
        questions.append(
            {
                "slot": index,
                "number": index + 1,
                "type": slot["type"],
                "text": slot["text"],
                "choices": choices,
                "options": slot["options"],
                "value": answer if isinstance(answer, str) else "",
                "count": len(choices),
            }
        )
    return questions


@login_required
@require_POST
def save(request, pk: int):
    """Autosave (fetch, JSON) or "Enregistrer" button (form)."""
    attempt = _own_attempt(request, pk)
    try:
        services.save_answers(
            attempt_id=attempt.pk, agent_id=attempt.agent_id, answers=answers_from_post(attempt.questions, request.POST)
        )
    except services.InvalidAnswerError as error:
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"saved": False, "error": str(error)}, status=400)
        messages.error(request, str(error))
        return redirect(_with_next(reverse("quizzes:attempt", args=[attempt.pk]), request))
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"saved": True})
    messages.success(request, _("Vos réponses sont enregistrées. Vous pouvez reprendre plus tard."))
    return redirect(_with_next(reverse("quizzes:attempt", args=[attempt.pk]), request))


@login_required
@require_POST
def submit(request, pk: int):
    attempt = _own_attempt(request, pk)
    try:
        attempt = services.submit_attempt(
            attempt_id=attempt.pk, agent_id=attempt.agent_id, answers=answers_from_post(attempt.questions, request.POST)
        )
    except services.InvalidAnswerError as error:
        messages.error(request, str(error))
        return redirect(_with_next(reverse("quizzes:attempt", args=[attempt.pk]), request))
    if attempt.submitted_late:
        messages.warning(
            request,
            _("Le temps était écoulé : la tentative est corrigée avec les réponses enregistrées avant l'heure limite."),
        )
    return redirect(_with_next(reverse("quizzes:review", args=[attempt.pk]), request))


def expected_answers(slot: dict) -> str:
    """The fully right answers of a short or numerical question, readable: "3" or "48 – 96"."""
    texts = []
    for choice in slot["choices"]:
        if choice["fraction"] < 1:
            continue
        if slot["type"] == grading.NUMERICAL:
            if choice["low"] is not None and choice["high"] is not None:
                texts.append(f"{floatformat(choice['low'], '-3')} – {floatformat(choice['high'], '-3')}")
            elif choice["value"] is not None:
                texts.append(str(floatformat(choice["value"], "-3")))
        else:
            texts.append(choice["text"])
    return _(" ou ").join(texts)


@login_required
def review(request, pk: int):
    attempt = _own_attempt(request, pk)
    if attempt.state == Attempt.State.IN_PROGRESS:
        raise Http404
    policy = attempt.snapshot.get("feedback_policy")
    show_feedback = policy == FeedbackPolicy.AFTER_EACH_ATTEMPT or (
        policy == FeedbackPolicy.ONCE_PASSED
        and Attempt.objects.filter(
            agent_id=attempt.agent_id, quiz_id=attempt.quiz_id, passed=True, quiz__isnull=False
        ).exists()
    )
    responses = {response.slot: response for response in attempt.responses.all()}
    items = []
    for index, slot in enumerate(attempt.questions):
        response = responses.get(index)
        answer = response.answer if response else None
        chosen = answer if isinstance(answer, list) else [answer]
        matched = grading.matching_choice(services.question_spec(slot), answer)
        items.append(
            {
                "number": index + 1,
                "slot": slot,
                "answer": answer,
                "matched_feedback": next(
                    (c["feedback"] for c in slot["choices"] if matched and c["key"] == matched.key), ""
                ),
                "expected": expected_answers(slot),
                "fraction": response.fraction if response else None,
                "choices": [
                    {**choice, "chosen": choice["key"] in chosen, "right": choice["fraction"] > 0}
                    for choice in slot["choices"]
                ],
                "comment": response.grader_comment if response else "",
            }
        )
    quiz = attempt.quiz
    rule = services.attempt_rule(quiz=quiz, agent_id=attempt.agent_id) if quiz else None
    return render(
        request,
        "quizzes/review.html",
        {
            "attempt": attempt,
            "items": items,
            "show_feedback": show_feedback,
            "next": _safe_next(request),
            "can_retry": bool(rule and rule.allowed),
            "retry_message": services.refusal_message(rule) if rule and not rule.allowed else "",
        },
    )
