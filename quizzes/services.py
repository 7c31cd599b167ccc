"""Operations on attempts: start, save answers, submit. Each is one transaction; grading happens on the
server from the attempt's snapshot, never from what the browser says is right."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from skills import rules as skill_rules
from skills.services import record_quiz_result

from . import grading
from .models import Attempt, Quiz, QuizKind, Response, ResponseChoice
from .signals import attempt_graded, attempt_started

MAX_TEXT_ANSWER = 20_000
MAX_SHORT_ANSWER = 1_000
CHOICE_TYPES = {grading.SINGLE_CHOICE, grading.MULTIPLE_CHOICE, grading.TRUE_FALSE}


class AttemptRefusedError(Exception):
    """A new attempt may not start now; `message` says why in French."""

    def __init__(self, message: str, next_allowed_at: datetime | None = None):
        super().__init__(message)
        self.message = message
        self.next_allowed_at = next_allowed_at


class InvalidAnswerError(ValueError):
    """An answer that does not fit its question (unknown choice, wrong type, too long)."""


# --- snapshot -------------------------------------------------------------------------------------


def _choice_snapshot(block) -> dict:
    value = block.value
    weight = value.get("weight")
    return {
        "key": block.id,
        "text": value.get("text", ""),
        "fraction": float(Decimal(str(weight)) / 100) if weight is not None else 0.0,
        "feedback": value.get("feedback", ""),
        "match": value.get("match", ""),
        "value": value.get("value"),
        "tolerance": value.get("tolerance") or 0.0,
        "low": value.get("low"),
        "high": value.get("high"),
    }


def question_snapshot(question, rng: random.Random, shuffle_choices: bool) -> dict:
    """Everything needed to show, grade and review one question, frozen at the start of an attempt."""
    choices = [_choice_snapshot(block) for block in question.answers]
    order = [choice["key"] for choice in choices]
    options: list[str] = []
    if question.type == grading.ORDERING:
        while len(order) > 1 and order == [choice["key"] for choice in choices]:
            rng.shuffle(order)
    elif shuffle_choices and question.type in (grading.SINGLE_CHOICE, grading.MULTIPLE_CHOICE):
        rng.shuffle(order)
    if question.type == grading.MATCHING:
        options = sorted({choice["match"] for choice in choices})
        rng.shuffle(options)
    return {
        "question_id": question.pk,
        "type": question.type,
        "name": question.name,
        "text": question.text,
        "mark": str(question.mark if question.type != grading.DESCRIPTION else Decimal(0)),
        "general_feedback": question.general_feedback,
        "case_sensitive": question.case_sensitive,
        "accent_sensitive": question.accent_sensitive,
        "competence": question.competence.code if question.competence_id else None,
        "level": question.level,
        "choices": choices,
        "order": order,
        "options": options,
    }


def question_spec(slot: dict) -> grading.QuestionSpec:
    return grading.QuestionSpec(
        type=slot["type"],
        choices=tuple(
            grading.ChoiceSpec(
                key=choice["key"],
                text=choice["text"],
                fraction=choice["fraction"],
                match=choice["match"],
                value=choice["value"],
                tolerance=choice["tolerance"],
                low=choice["low"],
                high=choice["high"],
            )
            for choice in slot["choices"]
        ),
        case_sensitive=slot["case_sensitive"],
        accent_sensitive=slot["accent_sensitive"],
    )


# --- answers --------------------------------------------------------------------------------------


def clean_answer(slot: dict, raw):
    """Check an answer against the question it answers; raise InvalidAnswerError for anything else."""
    kind = slot["type"]
    keys = {choice["key"] for choice in slot["choices"]}
    if raw in (None, "", []):
        return None
    if kind in (grading.SINGLE_CHOICE, grading.TRUE_FALSE):
        if not isinstance(raw, str) or raw not in keys:
            raise InvalidAnswerError(_("Cette réponse n'appartient pas à la question."))
        return raw
    if kind == grading.MULTIPLE_CHOICE:
        if not isinstance(raw, list) or not all(isinstance(key, str) and key in keys for key in raw):
            raise InvalidAnswerError(_("Ces réponses n'appartiennent pas à la question."))
        return sorted(set(raw))
    if kind in (grading.SHORT_ANSWER, grading.NUMERICAL, grading.ESSAY):
        limit = MAX_TEXT_ANSWER if kind == grading.ESSAY else MAX_SHORT_ANSWER
        if not isinstance(raw, str) or len(raw) > limit:
            raise InvalidAnswerError(_("Réponse trop longue ou illisible."))
        return raw.strip() or None
    if kind == grading.MATCHING:
        options = set(slot["options"])
        if not isinstance(raw, dict) or not all(
            key in keys and isinstance(value, str) and (value in options or value == "") for key, value in raw.items()
        ):
            raise InvalidAnswerError(_("Cette association n'appartient pas à la question."))
        return {key: value for key, value in raw.items() if value}
    if kind == grading.ORDERING:
        if not isinstance(raw, list) or sorted(raw) != sorted(keys):
            raise InvalidAnswerError(_("Cet ordre ne reprend pas les éléments de la question."))
        return list(raw)
    return None


def _chosen_keys(slot: dict, answer) -> list[str]:
    if slot["type"] in (grading.SINGLE_CHOICE, grading.TRUE_FALSE) and answer:
        return [answer]
    if slot["type"] == grading.MULTIPLE_CHOICE and answer:
        return list(answer)
    return []


# --- services -------------------------------------------------------------------------------------


def _finished_times(quiz_id: int, agent_id: int) -> list[datetime]:
    return list(
        Attempt.objects.filter(quiz_id=quiz_id, agent_id=agent_id)
        .exclude(state=Attempt.State.IN_PROGRESS)
        .order_by("submitted_at")
        .values_list("submitted_at", flat=True)
    )


def attempt_rule(*, quiz: Quiz, agent_id: int, now: datetime | None = None) -> grading.AttemptRule:
    return grading.may_start_attempt(
        now=now or timezone.now(),
        finished_at=_finished_times(quiz.pk, agent_id),
        attempts_allowed=quiz.attempts_allowed,
        delay=timedelta(minutes=quiz.delay_minutes) if quiz.delay_minutes else None,
    )


def refusal_message(rule: grading.AttemptRule) -> str:
    if rule.reason == "limit":
        return _("Vous avez utilisé toutes les tentatives autorisées pour ce quiz.")
    when = timezone.localtime(rule.next_allowed_at)
    return _("Vous pourrez faire une nouvelle tentative à partir du %(date)s.") % {
        "date": date_format(when, _("j F Y à H \\h i"))
    }


def start_attempt(*, quiz_id: int, agent_id: int, now: datetime | None = None, seed: int | None = None) -> Attempt:
    """Resume the attempt in progress, or start a new one if the rules allow it."""
    now = now or timezone.now()
    with transaction.atomic():
        quiz = Quiz.objects.select_for_update().get(pk=quiz_id)
        current = Attempt.objects.filter(quiz=quiz, agent_id=agent_id, state=Attempt.State.IN_PROGRESS).first()
        if current is not None:
            if current.deadline and now > current.deadline:
                submit_attempt(attempt_id=current.pk, agent_id=agent_id, now=now)
            else:
                return current
        rule = attempt_rule(quiz=quiz, agent_id=agent_id, now=now)
        if not rule.allowed:
            raise AttemptRefusedError(refusal_message(rule), rule.next_allowed_at)
        questions = list(quiz.questions.select_related("competence").order_by("sort_order", "pk"))
        rng = random.Random(seed)  # noqa: S311 - drawing questions, not a secret
        if quiz.is_positioning:
            questions = positioning_draw(questions, rng)
        elif quiz.questions_per_attempt and quiz.questions_per_attempt < len(questions):
            questions = sorted(rng.sample(questions, quiz.questions_per_attempt), key=questions.index)
        if quiz.shuffle_questions and not quiz.is_positioning:
            rng.shuffle(questions)
        number = Attempt.objects.filter(quiz=quiz, agent_id=agent_id).count() + 1
        try:
            with transaction.atomic():
                attempt = Attempt.objects.create(
                    quiz=quiz,
                    quiz_title=quiz.title,
                    agent_id=agent_id,
                    number=number,
                    started_at=now,
                    deadline=now + timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None,
                    snapshot={
                        "kind": quiz.kind,
                        "pass_mark": str(quiz.pass_mark),
                        "feedback_policy": quiz.feedback_policy,
                        "instructions": quiz.instructions,
                        "questions": [question_snapshot(q, rng, quiz.shuffle_choices) for q in questions],
                    },
                )
            values = {"attempt_id": attempt.pk, "agent_id": agent_id, "quiz_id": quiz.pk}
            transaction.on_commit(lambda: attempt_started.send(sender=Attempt, **values))
            return attempt
        except IntegrityError:
            # Another tab started it at the same moment: resume that one.
            return Attempt.objects.get(quiz=quiz, agent_id=agent_id, state=Attempt.State.IN_PROGRESS)


def positioning_draw(questions: list, rng: random.Random) -> list:
    """One question drawn at random for each (competence, level) the test covers, ordered by competence
    then from the easiest level up, so that the agent meets each competence as one short sequence."""
    cells: dict[tuple[str, int], list] = {}
    for question in questions:
        if question.competence_id and question.level is not None and question.type != grading.ESSAY:
            cells.setdefault((question.competence.code, question.level), []).append(question)
    return [rng.choice(cells[key]) for key in sorted(cells)]


def _attempt_for(attempt_id: int, agent_id: int) -> Attempt:
    """The agent's own attempt, locked; another agent's attempt does not exist for them."""
    return Attempt.objects.select_for_update().get(pk=attempt_id, agent_id=agent_id)


def _store(attempt: Attempt, answers: dict, now: datetime) -> None:
    """Check then save answers with a fixed number of queries, whatever their number."""
    slots = attempt.questions
    cleaned = {}
    for raw_slot, raw in answers.items():
        try:
            slot_index = int(raw_slot)
        except (TypeError, ValueError) as exc:
            raise InvalidAnswerError(_("Cette question n'appartient pas à la tentative.")) from exc
        if not 0 <= slot_index < len(slots):
            raise InvalidAnswerError(_("Cette question n'appartient pas à la tentative."))
        cleaned[slot_index] = clean_answer(slots[slot_index], raw)
    if not cleaned:
        return
    existing = {response.slot: response for response in attempt.responses.filter(slot__in=cleaned)}
    new = []
    for slot_index, answer in cleaned.items():
        response = existing.get(slot_index)
        if response is None:
            new.append(Response(attempt=attempt, slot=slot_index, answer=answer, saved_at=now))
        else:
            response.answer, response.saved_at = answer, now
    Response.objects.bulk_update(existing.values(), ["answer", "saved_at"])
    Response.objects.bulk_create(new)
    ResponseChoice.objects.filter(response__in=list(existing.values())).delete()
    responses = {**existing, **{response.slot: response for response in new}}  # bulk_create set the pks
    ResponseChoice.objects.bulk_create(
        ResponseChoice(response=responses[index], question_id=slots[index]["question_id"], choice_key=key)
        for index, answer in cleaned.items()
        for key in _chosen_keys(slots[index], answer)
    )


def save_answers(*, attempt_id: int, agent_id: int, answers: dict, now: datetime | None = None) -> Attempt:
    """Save answers as the agent goes (autosave); nothing is saved after the deadline."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _attempt_for(attempt_id, agent_id)
        if attempt.state != Attempt.State.IN_PROGRESS or (attempt.deadline and now > attempt.deadline):
            return attempt
        _store(attempt, answers, now)
    return attempt


def submit_attempt(
    *, attempt_id: int, agent_id: int, answers: dict | None = None, now: datetime | None = None
) -> Attempt:
    """Grade the attempt once. Submitting again (double click, retry, second tab) changes nothing.

    After the deadline, the answers sent with the submission are ignored: the attempt is graded on what
    was saved in time, as of the deadline.
    """
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _attempt_for(attempt_id, agent_id)
        if attempt.state != Attempt.State.IN_PROGRESS:
            return attempt
        late = bool(attempt.deadline and now > attempt.deadline)
        if answers and not late:
            _store(attempt, answers, now)
        saved = {response.slot: response for response in attempt.responses.all()}
        graded, unanswered = [], []
        for index, slot in enumerate(attempt.questions):
            response = saved.get(index)
            fraction = grading.grade(question_spec(slot), response.answer if response else None)
            if response is None:
                unanswered.append(Response(attempt=attempt, slot=index, answer=None, saved_at=now, fraction=fraction))
            else:
                response.fraction = fraction
            graded.append(grading.GradedQuestion(Decimal(slot["mark"]), fraction))
        by_fraction: dict[float | None, list[int]] = {}
        for response in saved.values():
            by_fraction.setdefault(response.fraction, []).append(response.pk)
        for fraction, pks in by_fraction.items():  # a few distinct grades: cheaper than bulk_update's CASE
            Response.objects.filter(pk__in=pks).update(fraction=fraction)
        Response.objects.bulk_create(unanswered)
        attempt.submitted_at = grading.effective_submission_time(submitted_at=now, deadline=attempt.deadline)
        attempt.submitted_late = late
        _set_result(attempt, graded, now)
        attempt.save()
        if attempt.state == Attempt.State.GRADED:
            _announce(attempt)
    return attempt


def _set_result(attempt: Attempt, graded: list[grading.GradedQuestion], now: datetime) -> None:
    score = grading.attempt_score(graded)
    if score is None:
        attempt.state = Attempt.State.AWAITING_GRADING
        return
    attempt.state = Attempt.State.GRADED
    attempt.score = score
    positioning = attempt.snapshot.get("kind") == QuizKind.POSITIONING
    # A positioning test is neither passed nor failed: it estimates levels.
    attempt.passed = None if positioning else grading.is_passed(score, Decimal(attempt.snapshot["pass_mark"]))
    attempt.graded_at = now


def _record_competences(attempt: Attempt) -> None:
    """Competence evidence from a graded attempt (skills sits to the left: quizzes feeds it)."""
    fractions = dict(attempt.responses.values_list("slot", "fraction"))
    answers = [
        skill_rules.Answer(slot.get("competence"), slot.get("level"), fractions.get(index))
        for index, slot in enumerate(attempt.questions)
    ]
    record_quiz_result(
        agent_id=attempt.agent_id,
        attempt_id=attempt.pk,
        positioning=attempt.snapshot.get("kind") == QuizKind.POSITIONING,
        passed=attempt.passed,
        answers=answers,
        label=attempt.quiz_title,
        observed_at=attempt.submitted_at or attempt.graded_at,
    )


def _announce(attempt: Attempt) -> None:
    _record_competences(attempt)
    values = {
        "attempt_id": attempt.pk,
        "agent_id": attempt.agent_id,
        "quiz_id": attempt.quiz_id,
        "score": attempt.score,
        "passed": attempt.passed,
    }
    transaction.on_commit(lambda: attempt_graded.send(sender=Attempt, **values))


def grade_essay(*, attempt_id: int, slot: int, fraction: float, comment: str = "", now=None) -> Attempt:
    """A trainer grades an open answer; the attempt is graded once no answer waits any more."""
    if not 0 <= fraction <= 1:
        raise InvalidAnswerError(_("La note doit être comprise entre 0 et 100 %."))
    now = now or timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt_id)
        if attempt.state != Attempt.State.AWAITING_GRADING:
            return attempt
        if not 0 <= slot < len(attempt.questions) or attempt.questions[slot]["type"] != grading.ESSAY:
            raise InvalidAnswerError(_("Seules les réponses libres se corrigent à la main."))
        response = attempt.responses.get(slot=slot)
        response.fraction = fraction
        response.grader_comment = comment
        response.save(update_fields=["fraction", "grader_comment"])
        by_slot = {item.slot: item.fraction for item in attempt.responses.all()}
        graded = [
            grading.GradedQuestion(Decimal(question["mark"]), by_slot.get(index))
            for index, question in enumerate(attempt.questions)
        ]
        _set_result(attempt, graded, now)
        attempt.save()
        if attempt.state == Attempt.State.GRADED:
            _announce(attempt)
    return attempt


@dataclass(frozen=True)
class QuizResult:
    """An agent's standing on a quiz across attempts (Moodle's grading method)."""

    grade: Decimal | None
    passed: bool
    attempts: int


def quiz_result(*, quiz: Quiz, agent_id: int) -> QuizResult:
    scores = list(
        Attempt.objects.filter(quiz=quiz, agent_id=agent_id, state=Attempt.State.GRADED)
        .order_by("submitted_at")
        .values_list("score", flat=True)
    )
    final = grading.final_grade(scores, quiz.grading_method)
    return QuizResult(final, grading.is_passed(final, quiz.pass_mark), len(scores))


def set_answers_shared(*, attempt_id: int, agent_id: int, shared: bool) -> Attempt:
    """The agent shares (or stops sharing) the detailed answers of one of their finished positioning tests
    with HR. Another agent's attempt, an attempt in progress or an ordinary quiz does not exist here
    (Attempt.DoesNotExist)."""
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update()
            .exclude(state=Attempt.State.IN_PROGRESS)
            .get(pk=attempt_id, agent_id=agent_id, snapshot__kind=QuizKind.POSITIONING)
        )
        if attempt.shared_with_hr != shared:
            attempt.shared_with_hr = shared
            attempt.save(update_fields=["shared_with_hr"])
    return attempt
