"""HR pages of paths: the path library (list, create, edit) and assignments (form → preview → confirm,
then a detail page with its progress, and a way to stop it). Thin: permission, form, service.

Scope: HR acts on its own organisation only. A non-HR user gets 403; a path or assignment of another
organisation gives 404, as if it did not exist.
"""

from __future__ import annotations

import hashlib
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from courses.models import CoursePage
from people import permissions
from people.models import Agent, Service
from progress.models import CourseCompletion

from . import rules, services
from .forms import AssignmentForm, TrainingPathForm, save_path, step_formset
from .models import AgentAssignment, Assignment, TrainingPath

PATHS_PER_PAGE = 50
RECENT_ASSIGNMENTS = 10
SHOWN_AGENTS = 10
PREVIEW_SALT = "paths.views_hr.assignment-preview"
PREVIEW_MAX_AGE = 2 * 60 * 60  # seconds: a preview left open longer is checked again


# --- scope ----------------------------------------------------------------------------------------


def _require_hr(request) -> None:
    if not permissions.is_hr(request.user):
        raise PermissionDenied


def _organisation_id(request) -> int:
    """The organisation this HR user works on (the instance administrator may choose one)."""
    return permissions.hr_organisation_id(request)


def _path_or_404(request, uuid) -> TrainingPath:
    _require_hr(request)
    return get_object_or_404(
        TrainingPath.objects.filter(
            organisation__in=permissions.hr_organisations(request.user),
            single_course=False,
            archived_at__isnull=True,
        ),
        uuid=uuid,
    )


def _assignment_or_404(request, uuid) -> Assignment:
    _require_hr(request)
    return get_object_or_404(
        Assignment.objects.filter(organisation__in=permissions.hr_organisations(request.user)).select_related(
            "path", "assigned_by"
        ),
        uuid=uuid,
    )


# --- the path library -----------------------------------------------------------------------------


@login_required
def path_list(request):
    organisation_id = _organisation_id(request)
    active = (
        Assignment.objects.filter(path=OuterRef("pk"), ended_at__isnull=True)
        .order_by()
        .values("path")
        .annotate(total=Count("pk"))
        .values("total")
    )
    paths = (
        TrainingPath.objects.filter(organisation_id=organisation_id, single_course=False, archived_at__isnull=True)
        .annotate(
            step_count=Count("steps"),
            total_minutes=Coalesce(Sum("steps__course__duration_minutes"), 0),
            active_assignments=Coalesce(Subquery(active, output_field=IntegerField()), Value(0)),
        )
        .order_by("title", "pk")
    )
    page = Paginator(paths, PATHS_PER_PAGE).get_page(request.GET.get("page"))
    recent = (
        Assignment.objects.filter(organisation_id=organisation_id)
        .select_related("path", "assigned_by")
        .order_by("-assigned_at", "-pk")[:RECENT_ASSIGNMENTS]
    )
    return render(request, "paths/hr/path_list.html", {"page": page, "recent": recent})


def _path_form_page(request, path: TrainingPath | None):
    organisation_id = path.organisation_id if path is not None else _organisation_id(request)
    if request.method == "POST":
        form = TrainingPathForm(request.POST, instance=path)
        formset = step_formset(data=request.POST, path=path)
        if form.is_valid() and formset.is_valid():
            saved = save_path(form=form, formset=formset, organisation_id=organisation_id, user_id=request.user.pk)
            messages.success(request, _("Le parcours « %(title)s » est enregistré.") % {"title": saved.title})
            if "add_steps" in request.POST:
                return redirect("paths:path_edit", uuid=saved.uuid)
            return redirect("paths:path_list")
    else:
        form = TrainingPathForm(instance=path)
        formset = step_formset(path=path)
    assigned = path is not None and path.assignments.filter(ended_at__isnull=True).exists()
    return render(
        request,
        "paths/hr/path_form.html",
        {"form": form, "formset": formset, "path": path, "assigned": assigned},
    )


@login_required
def path_create(request):
    return _path_form_page(request, None)


@login_required
def path_edit(request, uuid):
    return _path_form_page(request, _path_or_404(request, uuid))


# --- assigning: form → preview → confirm ----------------------------------------------------------


def _targets(payload: dict) -> services.Targets:
    return services.Targets(
        agent_ids=list(payload["agents"]),
        service_ids=list(payload["services"]),
        include_subservices=payload["include_subservices"],
        job_titles=list(payload["job_titles"]),
        categories=list(payload["categories"]),
        statuses=list(payload["statuses"]),
    )


def _course_preview(organisation_id: int, course: CoursePage, targets: services.Targets) -> services.Preview:
    """The preview of a single course, whose one-step path may not exist yet."""
    agents = services.target_agents(organisation_id, targets)
    completed = CourseCompletion.objects.filter(course=course, agent__in=agents).values("agent_id").distinct()
    assigned = (
        AgentAssignment.objects.filter(
            path__organisation_id=organisation_id,
            path__single_course=True,
            path__steps__course=course,
            cancelled_at__isnull=True,
            agent__in=agents,
        )
        .values("agent_id")
        .distinct()
    )
    return services.Preview(agents.count(), completed.count(), assigned.count())


def _preview_sentence(preview: services.Preview, *, course: bool) -> str:
    """ "N agents concernés, dont M ont déjà terminé ce parcours (…), K l'ont déjà reçu." """
    if not preview.concerned:
        return _("Aucun agent concerné pour l'instant.")
    parts = [
        ngettext("%(count)s agent concerné", "%(count)s agents concernés", preview.concerned)
        % {"count": intcomma(preview.concerned)}
    ]
    done = preview.already_completed
    if not done:
        parts.append(
            _("dont aucun n'a encore terminé ce cours") if course else _("dont aucun n'a encore terminé ce parcours")
        )
    elif course:
        parts.append(
            ngettext(
                "dont %(count)s a déjà terminé ce cours (les formations déjà suivies comptent)",
                "dont %(count)s ont déjà terminé ce cours (leurs formations déjà suivies comptent)",
                done,
            )
            % {"count": intcomma(done)}
        )
    else:
        parts.append(
            ngettext(
                "dont %(count)s a déjà terminé ce parcours (les formations déjà suivies comptent)",
                "dont %(count)s ont déjà terminé ce parcours (leurs formations déjà suivies comptent)",
                done,
            )
            % {"count": intcomma(done)}
        )
    received = preview.already_assigned
    if not received:
        parts.append(_("aucun ne l'a encore reçu"))
    else:
        parts.append(
            ngettext("%(count)s l'a déjà reçu", "%(count)s l'ont déjà reçu", received) % {"count": intcomma(received)}
        )
    return ", ".join(parts) + "."


def _sign(request, organisation_id: int, path, course, payload: dict) -> str:
    envelope = {
        "o": organisation_id,
        "u": request.user.pk,
        "p": path.pk if path is not None else None,
        "c": course.pk if course is not None else None,
        "d": payload,
    }
    return signing.dumps(envelope, salt=PREVIEW_SALT, compress=True)


def _unsign(request, organisation_id: int, path, course) -> dict | None:
    """The payload of a preview, if this user signed it for this path or course, not long ago."""
    try:
        envelope = signing.loads(request.POST.get("token", ""), salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.BadSignature:
        return None
    expected = {
        "o": organisation_id,
        "u": request.user.pk,
        "p": path.pk if path is not None else None,
        "c": course.pk if course is not None else None,
    }
    if not isinstance(envelope, dict) or any(envelope.get(key) != value for key, value in expected.items()):
        return None
    return envelope.get("d")


def _add_service_errors(form: AssignmentForm, errors: dict[str, list[str]]) -> None:
    """AssignmentError keys that name a field go to that field; the others (path, course, targets,
    __all__) to the top of the form."""
    for key, texts in errors.items():
        field = key if key in form.fields else None
        already = form.errors.get(field or "__all__", [])
        for text in texts:
            if text not in already:
                form.add_error(field, text)


def _create(request, organisation_id: int, path, course, payload: dict) -> Assignment:
    kwargs = {
        "organisation_id": organisation_id,
        "targets": _targets(payload),
        "due_mode": payload["due_mode"],
        "due_date": date.fromisoformat(payload["due_date"]) if payload["due_date"] else None,
        "due_days": payload["due_days"],
        "live": payload["live"],
        "assigned_by_id": request.user.pk,
    }
    if path is not None:
        return services.create_assignment(path_id=path.pk, **kwargs)
    return services.assign_course(course_id=course.pk, **kwargs)


def _assignment_flow(request, *, organisation_id: int, path: TrainingPath | None, course: CoursePage | None):
    context = {"path": path, "course": course, "subject": path.title if path is not None else course.title}

    def form_page(form, status=200):
        return render(request, "paths/hr/assignment_form.html", {**context, "form": form}, status=status)

    if request.method != "POST":
        return form_page(AssignmentForm(organisation_id=organisation_id, path=path))
    action = request.POST.get("action")
    if action in ("confirm", "edit"):
        payload = _unsign(request, organisation_id, path, course)
        if payload is None:
            messages.error(
                request,
                _("Cette vérification n'est plus valable (délai dépassé ou données modifiées) : recommencez."),
            )
            return form_page(AssignmentForm(organisation_id=organisation_id, path=path), status=400)
        values = AssignmentForm.data_from_payload(payload, organisation_id)
        if action == "edit":
            return form_page(AssignmentForm(initial=values, organisation_id=organisation_id, path=path))
        used_key = "paths:preview-used:" + hashlib.sha256(request.POST["token"].encode()).hexdigest()
        if not cache.add(used_key, True, PREVIEW_MAX_AGE):
            # A second click on "Assigner": the first one already did it.
            messages.info(request, _("Cette assignation a déjà été confirmée."))
            return redirect("paths:path_list")
        try:
            assignment = _create(request, organisation_id, path, course, payload)
        except services.AssignmentError as refused:
            cache.delete(used_key)
            form = AssignmentForm(data=values, organisation_id=organisation_id, path=path)
            form.is_valid()
            _add_service_errors(form, refused.errors)
            return form_page(form)
        except Exception:
            cache.delete(used_key)
            raise
        messages.success(
            request, _("Assignation enregistrée : les agents concernés la reçoivent dans quelques instants.")
        )
        return redirect("paths:hr_assignment", uuid=assignment.uuid)
    form = AssignmentForm(request.POST, organisation_id=organisation_id, path=path)
    if not form.is_valid():
        return form_page(form)
    payload = form.payload()
    targets = _targets(payload)
    if path is not None:
        preview = services.preview_assignment(organisation_id=organisation_id, path_id=path.pk, targets=targets)
    else:
        preview = _course_preview(organisation_id, course, targets)
    due_date = date.fromisoformat(payload["due_date"]) if payload["due_date"] else None
    return render(
        request,
        "paths/hr/assignment_preview.html",
        {
            **context,
            "preview": preview,
            "preview_sentence": _preview_sentence(preview, course=path is None),
            "targets": _describe_targets(organisation_id, targets),
            "due_rule": _due_rule(payload["due_mode"], due_date, payload["due_days"]),
            "live": payload["live"],
            "token": _sign(request, organisation_id, path, course, payload),
        },
    )


@login_required
def assignment_create(request, uuid):
    path = _path_or_404(request, uuid)
    return _assignment_flow(request, organisation_id=path.organisation_id, path=path, course=None)


@login_required
def course_assignment_create(request, course_id: int):
    organisation_id = _organisation_id(request)
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    return _assignment_flow(request, organisation_id=organisation_id, path=None, course=course)


# --- words for an assignment ----------------------------------------------------------------------


def _describe_targets(organisation_id: int, targets: services.Targets) -> list[tuple[str, str]]:
    """Who an assignment reaches, in words: [(label, text), …]."""
    lines = []
    if targets.agent_ids:
        agents = (
            Agent.objects.filter(pk__in=targets.agent_ids, organisation_id=organisation_id)
            .select_related("user")
            .order_by("user__last_name", "user__first_name", "pk")
        )
        total = len(set(targets.agent_ids))
        names = ", ".join(agent.full_name for agent in agents[:SHOWN_AGENTS])
        if total > SHOWN_AGENTS:
            names += " " + _("et %(count)s autres") % {"count": intcomma(total - SHOWN_AGENTS)}
        lines.append((_("Agents"), names))
    if targets.service_ids:
        names = ", ".join(
            Service.objects.filter(pk__in=targets.service_ids, organisation_id=organisation_id)
            .order_by("path")
            .values_list("full_name", flat=True)
        )
        if targets.include_subservices:
            names += " " + _("(y compris les sous-services)")
        else:
            names += " " + _("(sans les sous-services)")
        lines.append((_("Services"), names))
    if targets.job_titles:
        lines.append((_("Métiers"), ", ".join(targets.job_titles)))
    if targets.categories:
        labels = dict(Agent.Category.choices)
        lines.append((_("Catégories"), ", ".join(str(labels.get(value, value)) for value in targets.categories)))
    if targets.statuses:
        labels = dict(Agent.Status.choices)
        lines.append((_("Statuts"), ", ".join(str(labels.get(value, value)) for value in targets.statuses)))
    return lines


def _due_rule(mode: str, due_date: date | None, due_days: int | None) -> str:
    if mode == Assignment.DueMode.DATE and due_date is not None:
        return _("À terminer avant le %(date)s") % {"date": date_format(due_date, "j F Y")}
    days = due_days or 0
    if mode == Assignment.DueMode.AFTER_HIRE:
        return ngettext(
            "%(days)s jour après l'arrivée de l'agent (au moins %(grace)s jours après l'assignation)",
            "%(days)s jours après l'arrivée de l'agent (au moins %(grace)s jours après l'assignation)",
            days,
        ) % {"days": intcomma(days), "grace": rules.GRACE_DAYS}
    return ngettext("%(days)s jour après l'assignation", "%(days)s jours après l'assignation", days) % {
        "days": intcomma(days)
    }


# --- one assignment -------------------------------------------------------------------------------


def _status_counts(assignment: Assignment) -> list[dict]:
    """Counts by status, in the database: one row per agent (the latest cycle of recurring training)."""
    today = timezone.localdate()
    open_ = Q(completed_at__isnull=True, cancelled_at__isnull=True)
    counts = AgentAssignment.objects.filter(assignment=assignment, renewed=False).aggregate(
        **{
            rules.NOT_STARTED: Count("pk", filter=open_ & Q(due_date__gte=today, started_at__isnull=True)),
            rules.IN_PROGRESS: Count("pk", filter=open_ & Q(due_date__gte=today, started_at__isnull=False)),
            rules.COMPLETED: Count("pk", filter=Q(completed_at__isnull=False)),
            rules.OVERDUE: Count("pk", filter=open_ & Q(due_date__lt=today)),
            "cancelled": Count("pk", filter=Q(completed_at__isnull=True, cancelled_at__isnull=False)),
        }
    )
    rows = [
        {"key": rules.NOT_STARTED, "label": _("À faire"), "kind": "neutral"},
        {"key": rules.IN_PROGRESS, "label": _("En cours"), "kind": "progress"},
        {"key": rules.COMPLETED, "label": _("Terminé"), "kind": "done"},
        {"key": rules.OVERDUE, "label": _("En retard"), "kind": "late"},
    ]
    if counts["cancelled"]:
        rows.append({"key": "cancelled", "label": _("Annulé (assignation arrêtée)"), "kind": "neutral"})
    for row in rows:
        row["count"] = counts[row["key"]]
    return rows


@login_required
def assignment_detail(request, uuid):
    assignment = _assignment_or_404(request, uuid)
    pending = assignment.state == Assignment.State.PENDING
    counts = _status_counts(assignment)
    percent = assignment.processed * 100 // assignment.total if assignment.total else 0
    return render(
        request,
        "paths/hr/assignment_detail.html",
        {
            "assignment": assignment,
            "pending": pending,
            "failed": assignment.state == Assignment.State.FAILED,
            "percent": percent,
            "targets": _describe_targets(assignment.organisation_id, services.Targets.of(assignment)),
            "due_rule": _due_rule(assignment.due_mode, assignment.due_date, assignment.due_days),
            "counts": counts,
            "counts_total": sum(row["count"] for row in counts),
        },
    )


@never_cache
@login_required
def assignment_progress(request, uuid):
    assignment = _assignment_or_404(request, uuid)
    return JsonResponse({"state": assignment.state, "total": assignment.total, "processed": assignment.processed})


@login_required
@require_POST
def assignment_end(request, uuid):
    assignment = _assignment_or_404(request, uuid)
    if assignment.ended_at is not None:
        messages.info(request, _("Cette assignation était déjà arrêtée."))
    else:
        services.end_assignment(assignment_id=assignment.pk, organisation_id=assignment.organisation_id)
        messages.success(
            request,
            _(
                "L'assignation est arrêtée : les agents qui ne l'avaient pas terminée n'ont plus à la suivre. "
                "Les formations déjà terminées restent acquises."
            ),
        )
    return redirect("paths:hr_assignment", uuid=assignment.uuid)
