"""HR forms of paths: a training path with its steps, and an assignment (targets and due date).

The assignment form checks what HR can correct before the preview; `services.create_assignment` checks
again on confirmation (its `AssignmentError` is mapped back onto these fields by the view).
"""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from courses.models import CoursePage
from people.models import Agent, Service

from .models import MAX_RELATIVE_DAYS, MAX_VALIDITY_MONTHS, Assignment, PathStep, TrainingPath

MAX_IDENTIFIERS = 5000
MAX_STEPS = 50
SHOWN_UNKNOWN = 10
IDENTIFIER_SEPARATORS = re.compile(r"[\s,;]+")

NO_STEP = _("Ajoutez au moins une étape : choisissez un cours.")
NO_REQUIRED_STEP = _("Un parcours doit avoir au moins une étape obligatoire.")
PATH_NOT_ASSIGNABLE = _("Ce parcours n'a aucune étape obligatoire : ajoutez-en une avant de l'assigner.")
UNPUBLISHED_STEP = _("Une étape du parcours est un cours non publié : retirez-la ou publiez le cours.")
EMPTY_TARGETS = _("Choisissez au moins un agent, un service, un métier, une catégorie ou un statut.")


# --- training path --------------------------------------------------------------------------------


class TrainingPathForm(forms.ModelForm):
    validity_months = forms.IntegerField(
        label=_("Validité (mois)"),
        required=False,
        min_value=1,
        max_value=MAX_VALIDITY_MONTHS,
        help_text=_(
            "Pour une formation à renouveler, par exemple 12 pour chaque année. Laissez vide si elle reste acquise."
        ),
        error_messages={"invalid": _("Indiquez un nombre de mois, par exemple 12.")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    class Meta:
        model = TrainingPath
        fields = ["title", "description", "audience", "enforce_order", "validity_months"]
        labels = {"title": _("Titre du parcours"), "audience": _("Public visé")}
        help_texts = {
            "description": _("Ce que les agents y apprennent, en deux ou trois phrases."),
            "audience": _("Par exemple : agents d'accueil, nouveaux arrivants, élus."),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        error_messages = {"title": {"required": _("Indiquez le titre du parcours.")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        out_of_range = gettext("La validité doit être comprise entre 1 et %(max)s mois.") % {"max": MAX_VALIDITY_MONTHS}
        self.fields["validity_months"].error_messages.update(min_value=out_of_range, max_value=out_of_range)


def duration_label(minutes: int) -> str:
    """UI.md durations: 45 → "45 min", 90 → "1 h 30", 120 → "2 h"."""
    if minutes < 60:
        return _("%(minutes)s min") % {"minutes": minutes}
    hours, rest = divmod(minutes, 60)
    if rest == 0:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(hours)s h %(minutes)02d") % {"hours": hours, "minutes": rest}


def course_choices(extra_ids: set[int] | frozenset[int] = frozenset()) -> list[tuple[str, str]]:
    """Live courses of the catalogue, plus courses already in the path (flagged when unpublished)."""
    courses = CoursePage.objects.filter(live=True) | CoursePage.objects.filter(pk__in=extra_ids)
    choices = [("", _("— Choisir un cours —"))]
    for pk, title, minutes, live in courses.order_by("title", "pk").values_list(
        "pk", "title", "duration_minutes", "live"
    ):
        label = f"{title} ({duration_label(minutes)})"
        if not live:
            label = f"{label} — {_('non publié')}"
        choices.append((str(pk), label))
    return choices


class StepForm(forms.Form):
    course = forms.TypedChoiceField(
        label=_("Cours"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("Choisissez un cours publié du catalogue.")},
    )
    required = forms.BooleanField(label=_("Étape obligatoire"), required=False, initial=True)
    position = forms.IntegerField(
        label=_("Ordre"),
        required=False,
        min_value=1,
        max_value=99,
        help_text=_("1 pour la première étape ; laissez vide pour la mettre à la fin."),
        error_messages={
            "min_value": _("L'ordre est un nombre entre 1 et 99."),
            "max_value": _("L'ordre est un nombre entre 1 et 99."),
            "invalid": _("L'ordre est un nombre entre 1 et 99."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, course_choices=(), live_ids=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].choices = course_choices
        self.live_ids = live_ids

    def clean_course(self):
        course_id = self.cleaned_data["course"]
        if course_id is not None and course_id not in self.live_ids:
            raise forms.ValidationError(_("Ce cours n'est pas publié : retirez cette étape ou publiez le cours."))
        return course_id


class BaseStepFormSet(forms.BaseFormSet):
    """Ordered steps; a form left without a course (or marked "Retirer") is not a step."""

    def clean(self):
        if any(form.errors for form in self.forms if not self._removed(form)):
            return
        steps = self.steps()
        if not steps:
            raise forms.ValidationError(NO_STEP)
        seen: dict[int, forms.Form] = {}
        duplicate = False
        for form in self.forms:
            if self._is_step(form):
                course_id = form.cleaned_data["course"]
                if course_id in seen:
                    form.add_error("course", _("Ce cours figure déjà dans une autre étape."))
                    duplicate = True
                seen[course_id] = form
        if duplicate:
            raise forms.ValidationError(_("Un même cours ne peut figurer qu'une fois dans le parcours."))
        if not any(step["required"] for step in steps):
            raise forms.ValidationError(NO_REQUIRED_STEP)

    def _removed(self, form) -> bool:
        return self.can_delete and self._should_delete_form(form)

    def _is_step(self, form) -> bool:
        data = getattr(form, "cleaned_data", None) or {}
        return bool(data.get("course")) and not self._removed(form)

    def steps(self) -> list[dict]:
        """The chosen steps in order: by "Ordre", then as they appear on the page; numbered from 1."""
        indexed = [(index, form.cleaned_data) for index, form in enumerate(self.forms) if self._is_step(form)]
        indexed.sort(key=lambda item: (item[1].get("position") or 1000, item[0]))
        return [
            {"course_id": data["course"], "required": bool(data.get("required")), "position": number}
            for number, (_index, data) in enumerate(indexed, start=1)
        ]


StepFormSet = forms.formset_factory(
    StepForm,
    formset=BaseStepFormSet,
    extra=3,
    can_delete=True,
    max_num=MAX_STEPS,
    validate_max=True,
)


def step_formset(*, data=None, path: TrainingPath | None = None) -> BaseStepFormSet:
    initial = []
    existing: set[int] = set()
    if path is not None and path.pk:
        for step in path.steps.order_by("position", "pk"):
            initial.append({"course": step.course_id, "required": step.required, "position": len(initial) + 1})
            existing.add(step.course_id)
    choices = course_choices(existing)
    live_ids = frozenset(CoursePage.objects.filter(live=True).values_list("pk", flat=True))
    formset = StepFormSet(
        data=data,
        initial=initial,
        prefix="steps",
        form_kwargs={"course_choices": choices, "live_ids": live_ids},
    )
    for form in formset.forms:
        form.fields["DELETE"].label = _("Retirer cette étape")
    return formset


def save_path(
    *, form: TrainingPathForm, formset: BaseStepFormSet, organisation_id: int, user_id: int | None
) -> TrainingPath:
    """The path and its steps, in one transaction (steps kept, renumbered, added or removed)."""
    steps = formset.steps()
    with transaction.atomic():
        path = form.save(commit=False)
        if path.pk is None:
            path.organisation_id = organisation_id
            path.created_by_id = user_id
        path.save()
        current = {step.course_id: step for step in PathStep.objects.select_for_update().filter(path=path)}
        wanted = {step["course_id"] for step in steps}
        PathStep.objects.filter(path=path).exclude(course_id__in=wanted).delete()
        for step in steps:
            known = current.get(step["course_id"])
            if known is None:
                PathStep.objects.create(
                    path=path, course_id=step["course_id"], position=step["position"], required=step["required"]
                )
            elif (known.position, known.required) != (step["position"], step["required"]):
                known.position, known.required = step["position"], step["required"]
                known.save(update_fields=["position", "required"])
    return path


# --- assignment -----------------------------------------------------------------------------------


def path_errors(path: TrainingPath) -> list[str]:
    """Why a path cannot be assigned yet (no required step, a step not published); empty if it can."""
    steps = list(path.steps.select_related("course"))
    errors = []
    if not any(step.required for step in steps):
        errors.append(PATH_NOT_ASSIGNABLE)
    if any(not step.course.live for step in steps):
        errors.append(UNPUBLISHED_STEP)
    return errors


def check_due(form: forms.Form, cleaned: dict) -> None:
    """The due-date fields of an assignment form (`due_mode`, `due_date`, `due_days`) agree."""
    mode = cleaned.get("due_mode")
    if mode == Assignment.DueMode.DATE:
        due_date = cleaned.get("due_date")
        if due_date is None and "due_date" not in form.errors:
            form.add_error("due_date", _("Indiquez la date d'échéance."))
        elif due_date is not None and due_date <= timezone.localdate():
            form.add_error("due_date", _("La date d'échéance doit être dans le futur."))
    elif mode and cleaned.get("due_days") is None and "due_days" not in form.errors:
        form.add_error("due_days", _("Indiquez le délai en jours, entre 1 et %(max)s.") % {"max": MAX_RELATIVE_DAYS})


class AssignmentForm(forms.Form):
    agents = forms.CharField(
        label=_("Agents (matricules ou adresses e-mail)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_(
            "Un par ligne, ou séparés par des virgules ou des points-virgules. "
            "Vous pouvez coller une colonne d'un tableur."
        ),
    )
    services = forms.ModelMultipleChoiceField(
        label=_("Services"),
        queryset=Service.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Un des services choisis n'appartient pas à votre organisation.")},
    )
    include_subservices = forms.BooleanField(label=_("Y compris les sous-services"), required=False, initial=True)
    job_titles = forms.MultipleChoiceField(
        label=_("Métiers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Ce métier n'existe pas dans votre organisation.")},
    )
    categories = forms.MultipleChoiceField(
        label=_("Catégories"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(value, label) for value, label in Agent.Category.choices if value],
    )
    statuses = forms.MultipleChoiceField(
        label=_("Statuts"), required=False, widget=forms.CheckboxSelectMultiple, choices=Agent.Status.choices
    )
    due_mode = forms.ChoiceField(
        label=_("Échéance"),
        choices=Assignment.DueMode.choices,
        initial=Assignment.DueMode.AFTER_ASSIGNMENT,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez comment l'échéance est calculée.")},
    )
    due_date = forms.DateField(
        label=_("Date d'échéance"),
        required=False,
        help_text=_("Pour une échéance à date fixe. Par exemple : 28/11/2026."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Indiquez une date valide, par exemple 28/11/2026.")},
    )
    due_days = forms.IntegerField(
        label=_("Délai (jours)"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": _("Indiquez un nombre de jours, par exemple 30.")},
    )
    live = forms.BooleanField(
        label=_("Règle permanente"),
        required=False,
        initial=True,
        help_text=_("Les agents qui rejoignent plus tard un service ou un métier ciblé reçoivent aussi le parcours."),
    )

    def __init__(self, *args, organisation_id: int, path: TrainingPath | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id = organisation_id
        self.path = path
        self.fields["due_days"].help_text = gettext(
            "Pour une échéance « N jours après » : entre 1 et %(max)s jours."
        ) % {"max": MAX_RELATIVE_DAYS}
        self.fields["services"].queryset = Service.objects.filter(organisation_id=organisation_id).order_by("path")
        self.fields["services"].label_from_instance = lambda service: service.full_name
        titles = (
            Agent.objects.filter(organisation_id=organisation_id, is_active=True)
            .exclude(job_title="")
            .values_list("job_title", flat=True)
            .distinct()
            .order_by("job_title")
        )
        self.fields["job_titles"].choices = [(title, title) for title in titles]

    def clean_agents(self) -> list[int]:
        """Matricules or e-mail addresses → ids of active agents of the organisation."""
        words = [word for word in IDENTIFIER_SEPARATORS.split(self.cleaned_data["agents"]) if word]
        if len(words) > MAX_IDENTIFIERS:
            raise forms.ValidationError(
                _("Indiquez au plus %(max)s agents ; pour plus, choisissez plutôt des services ou des métiers.")
                % {"max": MAX_IDENTIFIERS}
            )
        if not words:
            return []
        emails = {word.lower() for word in words if "@" in word}
        matricules = {word for word in words if "@" not in word}
        found = Agent.objects.filter(organisation_id=self.organisation_id).filter(
            Q(user__email__in=emails) | Q(matricule__in=matricules)
        )
        by_word: dict[str, tuple[int, bool]] = {}
        for pk, email, matricule, active in found.values_list("pk", "user__email", "matricule", "is_active"):
            by_word[email] = (pk, active)
            if matricule:
                by_word[matricule] = (pk, active)
        unknown, inactive, ids = [], [], []
        for word in words:
            hit = by_word.get(word.lower() if "@" in word else word)
            if hit is None:
                unknown.append(word)
            elif not hit[1]:
                inactive.append(word)
            elif hit[0] not in ids:
                ids.append(hit[0])
        errors = []
        if unknown:
            errors.append(
                _("Aucun agent de votre organisation ne correspond à : %(list)s.") % {"list": _shown(unknown)}
            )
        if inactive:
            errors.append(_("Ces agents sont désactivés : %(list)s.") % {"list": _shown(inactive)})
        if errors:
            raise forms.ValidationError(errors)
        return ids

    def clean_due_days(self):
        days = self.cleaned_data["due_days"]
        if days is not None and not 1 <= days <= MAX_RELATIVE_DAYS:
            raise forms.ValidationError(
                _("Le délai doit être compris entre 1 et %(max)s jours.") % {"max": MAX_RELATIVE_DAYS}
            )
        return days

    def clean(self):
        cleaned = super().clean()
        if self.path is not None:
            for error in path_errors(self.path):
                self.add_error(None, error)
        target_fields = ("agents", "services", "job_titles", "categories", "statuses")
        if all(name not in self.errors for name in target_fields) and not any(
            cleaned.get(name) for name in target_fields
        ):
            self.add_error(None, EMPTY_TARGETS)
        check_due(self, cleaned)
        return cleaned

    # The same data as plain values: carried (signed) from the preview to the confirmation.

    def payload(self) -> dict:
        data = self.cleaned_data
        dated = data["due_mode"] == Assignment.DueMode.DATE
        return {
            "agents": data["agents"],
            "services": [service.pk for service in data["services"]],
            "include_subservices": bool(data["include_subservices"]),
            "job_titles": list(data["job_titles"]),
            "categories": list(data["categories"]),
            "statuses": list(data["statuses"]),
            "due_mode": data["due_mode"],
            "due_date": data["due_date"].isoformat() if dated and data["due_date"] else None,
            "due_days": None if dated else data["due_days"],
            "live": bool(data["live"]),
        }

    @staticmethod
    def data_from_payload(payload: dict, organisation_id: int) -> dict:
        """Form values (for `initial` or `data`) back from a payload."""
        agents = Agent.objects.filter(pk__in=payload["agents"], organisation_id=organisation_id)
        return {
            "agents": "\n".join(
                matricule or email
                for matricule, email in agents.order_by("user__last_name", "pk").values_list("matricule", "user__email")
            ),
            "services": list(payload["services"]),
            "include_subservices": payload["include_subservices"],
            "job_titles": list(payload["job_titles"]),
            "categories": list(payload["categories"]),
            "statuses": list(payload["statuses"]),
            "due_mode": payload["due_mode"],
            "due_date": date.fromisoformat(payload["due_date"]).isoformat() if payload["due_date"] else "",
            "due_days": "" if payload["due_days"] is None else str(payload["due_days"]),
            "live": payload["live"],
        }


def _shown(words: list[str]) -> str:
    shown = ", ".join(words[:SHOWN_UNKNOWN])
    if len(words) > SHOWN_UNKNOWN:
        shown += " " + str(_("et %(count)s autres") % {"count": len(words) - SHOWN_UNKNOWN})
    return shown
