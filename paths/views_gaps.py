"""HR: one click from a competence gap (a cell of the skills heatmap) to an assignment, with a preview.

`/rh/competences/assigner/?competence=<id>&service=<id>` shows the gap — the active agents below their
target on one competence, in a service sub-tree or the whole organisation — with the courses that train
it (`recommendations.for_gap`) and the organisation's paths holding them. HR picks one and a due date,
sees a preview, then confirms. The pieces of the normal assignment flow are reused from `views_hr`: the
signed token, the course preview, the preview sentence, the due rule and the mapping of service errors.

The assignment names its agents one by one (`Targets(agent_ids=…)`): a snapshot of who is below target
when HR confirms, not a live rule. The token carries the gap, the choice and the due date, never the
agents (they may be ten thousand): they are computed again on confirmation.
"""

from __future__ import annotations

import copy
import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from courses.models import CoursePage
from people import permissions
from people.models import Service
from skills import rules as skill_rules
from skills import selectors as skill_selectors
from skills.models import Competence, measured_level_label

from . import recommendations, services, views_hr
from .forms import AssignmentForm, check_due, duration_label, path_errors
from .models import MAX_RELATIVE_DAYS, Assignment, TrainingPath

COURSE, PATH = "course", "path"
PAYLOAD_KIND = "competence-gap"  # marks our payloads inside views_hr's signed envelope


# --- the gap --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GapFigures:
    """The agents below target on one competence right now, and what the page says about them."""

    agents: list[skill_selectors.CellAgent]  # sorted by name

    @property
    def count(self) -> int:
        return len(self.agents)

    @property
    def unassessed(self) -> int:
        return sum(1 for agent in self.agents if agent.level is None)

    @property
    def lowest_level(self) -> int:
        """The lowest level concerned (not assessed counts as 0)."""
        return min((agent.level or 0 for agent in self.agents), default=0)

    @property
    def highest_target(self) -> int:
        return max((agent.target or 0 for agent in self.agents), default=0)

    @property
    def common_target(self) -> int | None:
        """The target most of them share (the higher one on a tie)."""
        counts = Counter(agent.target for agent in self.agents if agent.target)
        if not counts:
            return None
        return max(counts.items(), key=lambda item: (item[1], item[0]))[0]


def _level_label(level: int | None) -> str:
    return measured_level_label(level)


def _query_id(request, name: str) -> int | None:
    """An id from the query string: None when absent, 404 when not a number."""
    value = request.GET.get(name, "")
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    return int(value)


@dataclass(frozen=True)
class Scope:
    organisation_id: int
    competence: Competence
    service: Service | None


def _scope(request) -> Scope:
    """HR's organisation (403 for anyone else), the competence and the service (404 if unknown or of
    another organisation)."""
    organisation_id = permissions.hr_organisation_id(request)
    competence_id = _query_id(request, "competence")
    if competence_id is None:
        raise Http404
    competence = get_object_or_404(Competence.objects.select_related("domain"), pk=competence_id)
    service_id = _query_id(request, "service")
    service = None
    if service_id is not None:
        service = get_object_or_404(Service, pk=service_id, organisation_id=organisation_id)
    return Scope(organisation_id, competence, service)


# --- what can be assigned -------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    courses: list[recommendations.CourseOption]
    paths: list[recommendations.PathOption]

    def choices(self, competence_code: str) -> list[tuple[str, str]]:
        titles = {course.course_id: course.title for course in self.courses}
        choices = [
            (
                f"{COURSE}-{course.course_id}",
                gettext("%(title)s — jusqu'au niveau %(level)s, %(duration)s")
                % {
                    "title": course.title,
                    "level": course.levels.get(competence_code, 0),
                    "duration": duration_label(course.minutes),
                },
            )
            for course in self.courses
        ]
        for option in self.paths:
            contained = ", ".join(
                f"« {titles[pk]} »" for pk in sorted(option.course_ids, key=lambda pk: titles[pk].casefold())
            )
            choices.append(
                (
                    f"{PATH}-{option.path.pk}",
                    gettext("Parcours : %(title)s — contient %(courses)s")
                    % {"title": option.path.title, "courses": contained},
                )
            )
        return choices


def _options(organisation_id: int, competence: Competence, figures: GapFigures) -> Options:
    """The courses that lead from the lowest level concerned towards the highest target, and the
    organisation's paths holding any of them."""
    if not figures.count:
        return Options([], [])
    gap = skill_rules.Gap(competence.code, figures.lowest_level, figures.highest_target)
    courses = recommendations.for_gap(
        competence_code=competence.code, level=figures.lowest_level, target=figures.highest_target
    )
    paths = recommendations.paths_for(organisation_id, [recommendations.Recommendation(gap, tuple(courses))])
    return Options(courses, paths)


def _split(choice: str) -> tuple[str, int]:
    kind, _sep, pk = choice.partition("-")
    return kind, int(pk)


class GapAssignmentForm(forms.Form):
    """The training to assign and its due date (the due fields and messages of `AssignmentForm`)."""

    choice = forms.ChoiceField(
        label=_("Formation à assigner"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choisissez un cours ou un parcours."),
            "invalid_choice": _("Cette formation n'est plus proposée : choisissez-en une dans la liste."),
        },
    )
    due_mode = copy.deepcopy(AssignmentForm.base_fields["due_mode"])
    due_date = copy.deepcopy(AssignmentForm.base_fields["due_date"])
    due_days = copy.deepcopy(AssignmentForm.base_fields["due_days"])

    clean_due_days = AssignmentForm.clean_due_days

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = choices
        if choices and "choice" not in self.initial:
            self.initial["choice"] = choices[0][0]
        self.fields["due_days"].help_text = gettext(
            "Pour une échéance « N jours après » : entre 1 et %(max)s jours."
        ) % {"max": MAX_RELATIVE_DAYS}

    def clean(self):
        cleaned = super().clean()
        choice = cleaned.get("choice")
        if choice:
            kind, pk = _split(choice)
            if kind == PATH:
                for error in path_errors(TrainingPath.objects.get(pk=pk))[:1]:
                    self.add_error("choice", error)
        check_due(self, cleaned)
        return cleaned

    def payload(self, competence: Competence, service: Service | None) -> dict:
        data = self.cleaned_data
        dated = data["due_mode"] == Assignment.DueMode.DATE
        return {
            "kind": PAYLOAD_KIND,
            "competence": competence.pk,
            "service": service.pk if service is not None else None,
            "choice": data["choice"],
            "due_mode": data["due_mode"],
            "due_date": data["due_date"].isoformat() if dated and data["due_date"] else None,
            "due_days": None if dated else data["due_days"],
        }

    @staticmethod
    def data_from_payload(payload: dict) -> dict:
        return {
            "choice": payload["choice"],
            "due_mode": payload["due_mode"],
            "due_date": payload["due_date"] or "",
            "due_days": "" if payload["due_days"] is None else str(payload["due_days"]),
        }


def _payload(request, scope: Scope) -> dict | None:
    """The payload of a preview of this gap, signed for this user not long ago (None otherwise)."""
    payload = views_hr._unsign(request, scope.organisation_id, None, None)
    if not isinstance(payload, dict) or payload.get("kind") != PAYLOAD_KIND:
        return None
    if payload.get("competence") != scope.competence.pk:
        return None
    if payload.get("service") != (scope.service.pk if scope.service is not None else None):
        return None
    return payload


# --- the page -------------------------------------------------------------------------------------


def _gap(scope: Scope) -> tuple[GapFigures, Options]:
    """Who is below target now (three queries) and what could be assigned to them."""
    figures = GapFigures(
        skill_selectors.cell_agents(
            organisation_id=scope.organisation_id, competence=scope.competence, service=scope.service, below_only=True
        )
    )
    return figures, _options(scope.organisation_id, scope.competence, figures)


def _form_page(
    request,
    scope: Scope,
    *,
    form: GapAssignmentForm | None = None,
    status: int = 200,
    gap: tuple[GapFigures, Options] | None = None,
) -> HttpResponse:
    figures, options = gap or _gap(scope)
    assignable = bool(figures.count and options.courses)
    if form is None and assignable:
        form = GapAssignmentForm(choices=options.choices(scope.competence.code))
    return render(
        request,
        "paths/hr/gap_assign.html",
        {
            "competence": scope.competence,
            "service": scope.service,
            "figures": figures,
            "common_target": _level_label(figures.common_target),
            "lowest_level": _level_label(figures.lowest_level),
            "form": form if assignable else None,
        },
        status=status,
    )


def _subject(kind: str, pk: int, organisation_id: int) -> CoursePage | TrainingPath:
    if kind == COURSE:
        return get_object_or_404(CoursePage.objects.live(), pk=pk)
    return get_object_or_404(TrainingPath, pk=pk, organisation_id=organisation_id)


@login_required
def gap_assign(request) -> HttpResponse:
    scope = _scope(request)
    action = request.POST.get("action") if request.method == "POST" else None
    if action in ("confirm", "edit"):
        payload = _payload(request, scope)
        if payload is None:
            messages.error(
                request,
                gettext("Cette vérification n'est plus valable (délai dépassé ou données modifiées) : recommencez."),
            )
            return _form_page(request, scope, status=400)
        if action == "confirm":
            return _confirm(request, scope, payload)
        gap = _gap(scope)
        form = GapAssignmentForm(
            initial=GapAssignmentForm.data_from_payload(payload), choices=gap[1].choices(scope.competence.code)
        )
        return _form_page(request, scope, form=form, gap=gap)
    gap = figures, options = _gap(scope)
    if request.method != "POST" or not figures.count or not options.courses:
        return _form_page(request, scope, gap=gap)
    form = GapAssignmentForm(request.POST, choices=options.choices(scope.competence.code))
    if not form.is_valid():
        return _form_page(request, scope, form=form, gap=gap)
    return _preview(request, scope, figures, form.payload(scope.competence, scope.service))


def _preview(request, scope: Scope, figures: GapFigures, payload: dict) -> HttpResponse:
    kind, pk = _split(payload["choice"])
    subject = _subject(kind, pk, scope.organisation_id)
    targets = services.Targets(agent_ids=[agent.agent_id for agent in figures.agents])
    if kind == COURSE:
        preview = views_hr._course_preview(scope.organisation_id, subject, targets)
    else:
        preview = services.preview_assignment(organisation_id=scope.organisation_id, path_id=pk, targets=targets)
    due_date = date.fromisoformat(payload["due_date"]) if payload["due_date"] else None
    shown = figures.agents[: views_hr.SHOWN_AGENTS]
    return render(
        request,
        "paths/hr/gap_preview.html",
        {
            "competence": scope.competence,
            "service": scope.service,
            "subject": subject.title,
            "is_course": kind == COURSE,
            "preview": preview,
            "preview_sentence": views_hr._preview_sentence(preview, course=kind == COURSE),
            "shown_agents": shown,
            "more_agents": figures.count - len(shown),
            "due_rule": views_hr._due_rule(payload["due_mode"], due_date, payload["due_days"]),
            "token": views_hr._sign(request, scope.organisation_id, None, None, payload),
        },
    )


def _confirm(request, scope: Scope, payload: dict) -> HttpResponse:
    """Assign to the agents below target now (computed again), then show the assignment's progress."""
    agent_ids = skill_selectors.below_target_agent_ids(
        organisation_id=scope.organisation_id, competence=scope.competence, service=scope.service
    )
    if not agent_ids:
        messages.info(request, gettext("Plus aucun agent n'est sous le niveau attendu : rien n'a été assigné."))
        return _form_page(request, scope)
    used_key = "paths:preview-used:" + hashlib.sha256(request.POST["token"].encode()).hexdigest()
    if not cache.add(used_key, True, views_hr.PREVIEW_MAX_AGE):
        # A second click on "Confirmer": the first one already did it.
        messages.info(request, gettext("Cette assignation a déjà été confirmée."))
        return _form_page(request, scope)
    kind, pk = _split(payload["choice"])
    kwargs = {
        "organisation_id": scope.organisation_id,
        "targets": services.Targets(agent_ids=agent_ids),
        "due_mode": payload["due_mode"],
        "due_date": date.fromisoformat(payload["due_date"]) if payload["due_date"] else None,
        "due_days": payload["due_days"],
        "live": False,
        "assigned_by_id": request.user.pk,
    }
    try:
        if kind == COURSE:
            assignment = services.assign_course(course_id=pk, **kwargs)
        else:
            assignment = services.create_assignment(path_id=pk, **kwargs)
    except services.AssignmentError as refused:
        cache.delete(used_key)
        gap = _gap(scope)
        form = GapAssignmentForm(
            data=GapAssignmentForm.data_from_payload(payload), choices=gap[1].choices(scope.competence.code)
        )
        form.is_valid()
        views_hr._add_service_errors(form, refused.errors)
        return _form_page(request, scope, form=form, gap=gap)
    except Exception:
        cache.delete(used_key)
        raise
    messages.success(
        request, gettext("Assignation enregistrée : les agents concernés la reçoivent dans quelques instants.")
    )
    return redirect("paths:hr_assignment", uuid=assignment.uuid)
