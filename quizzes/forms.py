"""Forms of the quiz tools in the Wagtail admin: importing a question bank and grading open answers."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .formats import MAX_BYTES

FORMAT_CHOICES = [
    ("gift", _("GIFT (le format de Moodle)")),
    ("aiken", _("Aiken (questions à choix unique seulement)")),
]
MAX_MEGABYTES = MAX_BYTES // (1024 * 1024)
GRADE_RANGE_MESSAGE = _("La note doit être comprise entre 0 et 100 %.")
MAX_COMMENT = 5_000


class QuizImportForm(forms.Form):
    title = forms.CharField(
        label=_("Titre du quiz"),
        max_length=255,
        help_text=_("Le titre que verront les agents. Vous pourrez le changer après l'import."),
    )
    format = forms.ChoiceField(label=_("Format du fichier"), choices=FORMAT_CHOICES, initial="gift")
    file = forms.FileField(
        label=_("Fichier de questions"),
        # An empty file reaches quizzes.importing, which says so in the same words as for other problems.
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.gift,text/plain"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Un fichier texte (.txt ou .gift), en UTF-8 ou Windows-1252, de %(size)s Mo au plus."
        ) % {"size": MAX_MEGABYTES}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("Le fichier pèse %(size)s Mo : la taille maximale est de %(max)s Mo. Découpez-le en plusieurs."),
                code="too_large",
                params={"size": f"{upload.size / (1024 * 1024):.1f}".replace(".", ","), "max": MAX_MEGABYTES},
            )
        return upload


class ImportConfirmForm(forms.Form):
    """The second step: the token names the file kept aside at the first step (in the trainer's session)."""

    token = forms.UUIDField(widget=forms.HiddenInput)


class EssayGradeForm(forms.Form):
    # The range is checked in clean_grade: Django formats the messages of its own validators with "%",
    # which the "%" of "100 %" would break.
    grade = forms.DecimalField(
        label=_("Note (%)"),
        localize=True,
        help_text=_("De 0 à 100. Par exemple 75 pour une réponse correcte mais incomplète."),
        error_messages={
            "required": _("Indiquez une note entre 0 et 100 %."),
            "invalid": _("La note doit être un nombre, par exemple 75 ou 62,5."),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 6}),
    )
    comment = forms.CharField(
        label=_("Commentaire pour l'agent"),
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Facultatif. L'agent le lit avec sa correction, si les règles du quiz montrent la correction."),
    )

    def clean_grade(self) -> Decimal:
        grade = self.cleaned_data["grade"]
        if not Decimal(0) <= grade <= Decimal(100):
            raise forms.ValidationError(GRADE_RANGE_MESSAGE, code="out_of_range")
        if grade != grade.quantize(Decimal("0.01")):
            raise forms.ValidationError(_("La note a au plus deux chiffres après la virgule."), code="precision")
        return grade
