"""Forms of the skills room's HR pages: the levels expected of a job title or a service (one choice per
CRCN competence, grouped by domain), and the small GET forms that choose what to edit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django import forms
from django.forms import BoundField
from django.utils.translation import gettext_lazy as _

from people.models import Service

from .models import MAX_LEVEL, Competence, Domain, Level, target_level_label

NO_TARGET = ""
JOB_TITLE_MAX_LENGTH = 200


def level_label(level: int | None) -> str:
    """ "4 — Indépendant"; "0 — Aucune exigence" for 0; "—" for no level."""
    return target_level_label(level)


def level_choices() -> list[tuple[str, str]]:
    return [
        (NO_TARGET, _("— (aucun)")),
        ("0", _("0 — Aucune exigence")),
        *((str(value), label) for value, label in Level.choices),
    ]


def field_name(competence: Competence) -> str:
    return f"competence_{competence.pk}"


class TargetForm(forms.Form):
    """One choice per competence: no target, or a level from 0 to 8. Built from the competences given
    (with their domain), prefilled with the levels already expected."""

    def __init__(
        self,
        *args,
        competences: Iterable[Competence],
        current: Mapping[int, int] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        current = current or {}
        self.competences = list(competences)
        for competence in self.competences:
            level = current.get(competence.pk)
            self.fields[field_name(competence)] = forms.ChoiceField(
                label=f"{competence.code} {competence.name}",
                choices=level_choices(),
                required=False,
                initial=NO_TARGET if level is None else str(level),
                error_messages={
                    "invalid_choice": _("Choisissez un niveau de 0 à %(max)s, ou « aucun ».") % {"max": MAX_LEVEL}
                },
            )

    def domains(self) -> list[tuple[Domain, list[BoundField]]]:
        """The fields grouped by CRCN domain, in code order (one fieldset each)."""
        groups: dict[int, tuple[Domain, list[BoundField]]] = {}
        for competence in self.competences:
            groups.setdefault(competence.domain_id, (competence.domain, []))[1].append(self[field_name(competence)])
        return sorted(groups.values(), key=lambda group: group[0].code)

    def levels(self) -> dict[int, int | None]:
        """competence id → expected level, None for no target (after `is_valid()`)."""
        return {
            competence.pk: (
                None
                if self.cleaned_data[field_name(competence)] == NO_TARGET
                else int(self.cleaned_data[field_name(competence)])
            )
            for competence in self.competences
        }


class JobTitleChoiceForm(forms.Form):
    """Choose the job title whose levels to edit: one in use, or a new one (GET, to the edit page)."""

    metier = forms.ChoiceField(label=_("Métier existant"), required=False)
    nouveau_metier = forms.CharField(
        label=_("Ou un nouveau métier"),
        required=False,
        max_length=JOB_TITLE_MAX_LENGTH,
        help_text=_("Écrit comme dans la fiche des agents, par exemple « Agent d'accueil »."),
    )

    def __init__(self, *args, job_titles: Iterable[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metier"].choices = [("", _("— Choisir un métier —")), *((title, title) for title in job_titles)]


def service_label(service: Service) -> str:
    """The service's full name, indented by its depth in the tree (no-break spaces)."""
    return "\u00a0\u00a0" * max(service.depth - 1, 0) + (service.full_name or service.name)


class ServiceChoiceForm(forms.Form):
    """Choose the service whose levels to edit (GET, to the edit page)."""

    service = forms.ChoiceField(
        label=_("Service"),
        required=False,
        help_text=_("Ses niveaux attendus s'appliquent aussi aux services qui en dépendent."),
    )

    def __init__(self, *args, services: Iterable[Service], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [
            ("", _("— Choisir un service —")),
            *((str(service.pk), service_label(service)) for service in services),
        ]
