"""Assessment: quizzes, their questions, and agents' attempts.

A graded attempt is history: it keeps a snapshot of the questions and answers it served (texts,
weights, feedback), so editing or deleting the quiz later never changes a past score or review.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable

from skills.models import LEVEL_VALIDATORS

from . import grading
from .blocks import AnswersBlock

PERCENT_VALIDATORS = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class QuestionType(models.TextChoices):
    SINGLE_CHOICE = grading.SINGLE_CHOICE, _("Choix unique")
    MULTIPLE_CHOICE = grading.MULTIPLE_CHOICE, _("Choix multiple")
    TRUE_FALSE = grading.TRUE_FALSE, _("Vrai ou faux")
    SHORT_ANSWER = grading.SHORT_ANSWER, _("Réponse courte")
    NUMERICAL = grading.NUMERICAL, _("Numérique")
    MATCHING = grading.MATCHING, _("Appariement")
    ORDERING = grading.ORDERING, _("Remise en ordre")
    ESSAY = grading.ESSAY, _("Réponse libre (corrigée par un formateur)")
    DESCRIPTION = grading.DESCRIPTION, _("Texte seul (sans réponse)")


# The answer blocks each question type uses.
ANSWER_BLOCKS = {
    grading.SINGLE_CHOICE: "answer",
    grading.MULTIPLE_CHOICE: "answer",
    grading.TRUE_FALSE: "answer",
    grading.SHORT_ANSWER: "answer",
    grading.NUMERICAL: "number",
    grading.MATCHING: "pair",
    grading.ORDERING: "item",
}


class GradingMethod(models.TextChoices):
    HIGHEST = grading.HIGHEST, _("Meilleure tentative")
    LAST = grading.LAST, _("Dernière tentative")
    FIRST = grading.FIRST, _("Première tentative")
    AVERAGE = grading.AVERAGE, _("Moyenne des tentatives")


class FeedbackPolicy(models.TextChoices):
    AFTER_EACH_ATTEMPT = "after_each", _("Après chaque tentative")
    ONCE_PASSED = "once_passed", _("Une fois le quiz réussi")
    NEVER = "never", _("Jamais")


class QuizKind(models.TextChoices):
    STANDARD = "standard", _("Quiz")
    POSITIONING = "positioning", _("Test de positionnement")


class Quiz(ClusterableModel):
    title = models.CharField(_("titre"), max_length=255)
    kind = models.CharField(
        _("type de quiz"),
        max_length=20,
        choices=QuizKind.choices,
        default=QuizKind.STANDARD,
        help_text=_(
            "Un test de positionnement tire une question par compétence et par niveau, n'a ni note de "
            "réussite ni échec, et estime le niveau de l'agent sur chaque compétence interrogée."
        ),
    )
    instructions = RichTextField(_("consignes"), blank=True, features=["bold", "italic", "link", "ul", "ol"])
    category = models.CharField(
        _("catégorie"), max_length=255, blank=True, help_text=_("Catégorie de la banque de questions (GIFT).")
    )
    pass_mark = models.DecimalField(
        _("seuil de réussite (%)"), max_digits=5, decimal_places=2, default=Decimal(80), validators=PERCENT_VALIDATORS
    )
    attempts_allowed = models.PositiveSmallIntegerField(
        _("tentatives autorisées"), default=0, help_text=_("0 : illimité.")
    )
    delay_minutes = models.PositiveIntegerField(
        _("délai entre deux tentatives (minutes)"), default=0, validators=[MaxValueValidator(60 * 24 * 365)]
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("durée limite (minutes)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    questions_per_attempt = models.PositiveSmallIntegerField(
        _("questions tirées par tentative"),
        default=0,
        help_text=_("0 : toutes les questions. Sinon, autant de questions tirées au hasard parmi celles du quiz."),
    )
    shuffle_questions = models.BooleanField(_("mélanger les questions"), default=False)
    shuffle_choices = models.BooleanField(_("mélanger les réponses"), default=True)
    grading_method = models.CharField(
        _("note retenue"), max_length=20, choices=GradingMethod.choices, default=GradingMethod.HIGHEST
    )
    feedback_policy = models.CharField(
        _("correction détaillée"),
        max_length=20,
        choices=FeedbackPolicy.choices,
        default=FeedbackPolicy.AFTER_EACH_ATTEMPT,
    )
    competences = ParentalManyToManyField("skills.Competence", verbose_name=_("compétences évaluées"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    panels = [
        FieldPanel("title"),
        FieldPanel("kind"),
        FieldPanel("instructions"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("pass_mark"), FieldPanel("grading_method")]),
                FieldRowPanel([FieldPanel("attempts_allowed"), FieldPanel("delay_minutes")]),
                FieldRowPanel([FieldPanel("time_limit_minutes"), FieldPanel("questions_per_attempt")]),
                FieldRowPanel([FieldPanel("shuffle_questions"), FieldPanel("shuffle_choices")]),
                FieldPanel("feedback_policy"),
            ],
            heading=_("Règles"),
        ),
        FieldPanel("competences"),
        FieldPanel("category"),
        InlinePanel("questions", label=_("Questions")),
    ]

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quiz")
        ordering = ["title"]

    def __str__(self):
        return self.title

    @property
    def is_positioning(self) -> bool:
        return self.kind == QuizKind.POSITIONING

    def clean(self):
        if self.is_positioning and self.questions_per_attempt:
            raise ValidationError(
                {"questions_per_attempt": _("Un test de positionnement tire lui-même une question par niveau.")}
            )


class Question(ClusterableModel, Orderable):
    quiz = ParentalKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    type = models.CharField(_("type"), max_length=20, choices=QuestionType.choices)
    name = models.CharField(_("titre court"), max_length=255, blank=True)
    text = RichTextField(_("énoncé"), features=["bold", "italic", "link", "ul", "ol"])
    answers = StreamField(AnswersBlock(), verbose_name=_("réponses"), blank=True)
    general_feedback = models.TextField(_("retour général"), blank=True)
    mark = models.DecimalField(
        _("points"), max_digits=6, decimal_places=2, default=Decimal(1), validators=[MinValueValidator(Decimal(0))]
    )
    case_sensitive = models.BooleanField(_("respecter les majuscules"), default=False)
    accent_sensitive = models.BooleanField(_("respecter les accents"), default=False)
    competence = models.ForeignKey(
        "skills.Competence",
        verbose_name=_("compétence"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
    )
    level = models.PositiveSmallIntegerField(_("niveau"), null=True, blank=True, validators=LEVEL_VALIDATORS)

    panels = [
        FieldRowPanel([FieldPanel("type"), FieldPanel("mark")]),
        FieldPanel("name"),
        FieldPanel("text"),
        FieldPanel("answers"),
        FieldPanel("general_feedback"),
        FieldRowPanel([FieldPanel("case_sensitive"), FieldPanel("accent_sensitive")]),
        FieldRowPanel([FieldPanel("competence"), FieldPanel("level")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return self.name or self.text[:80]

    def clean(self):
        errors = question_errors(self.type, [(block.block_type, block.value) for block in self.answers])
        if errors:
            raise ValidationError({"answers": errors})


def question_errors(kind: str, answers: list[tuple[str, dict]]) -> list[str]:
    """What a question of this type lacks, in French; empty when it can be served and graded."""
    expected = ANSWER_BLOCKS.get(kind)
    if expected is None:
        return [_("Ce type de question n'a pas de réponses.")] if answers else []
    errors = []
    if any(block_type != expected for block_type, _value in answers):
        errors.append(_("Ce type de question n'accepte que des blocs « %(block)s ».") % {"block": expected})
    weights = [Decimal(str(value.get("weight", 0))) for block_type, value in answers if "weight" in value]
    if kind in (grading.SINGLE_CHOICE, grading.TRUE_FALSE) and (len(answers) < 2 or max(weights, default=0) < 100):
        errors.append(_("Il faut au moins deux réponses, dont une à 100 %."))
    if kind == grading.MULTIPLE_CHOICE and sum(w for w in weights if w > 0) < 99:
        errors.append(_("Les poids positifs doivent faire 100 % au total."))
    if kind in (grading.SHORT_ANSWER, grading.NUMERICAL) and max(weights, default=0) < 100:
        errors.append(_("Il faut au moins une réponse acceptée à 100 %."))
    if kind == grading.MATCHING and len(answers) < 2:
        errors.append(_("Il faut au moins deux paires."))
    if kind == grading.ORDERING and len(answers) < 2:
        errors.append(_("Il faut au moins deux éléments à ordonner."))
    return errors


class Attempt(models.Model):
    """One agent's attempt at a quiz. Its snapshot holds what was served, so the review never changes."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", _("En cours")
        AWAITING_GRADING = "awaiting_grading", _("En attente de correction")
        GRADED = "graded", _("Corrigée")

    quiz = models.ForeignKey(Quiz, on_delete=models.SET_NULL, null=True, related_name="attempts")
    quiz_title = models.CharField(_("quiz"), max_length=255)
    agent = models.ForeignKey("people.Agent", on_delete=models.CASCADE, related_name="quiz_attempts")
    number = models.PositiveSmallIntegerField(_("tentative n°"))
    state = models.CharField(_("état"), max_length=20, choices=State.choices, default=State.IN_PROGRESS)
    started_at = models.DateTimeField(_("commencée le"))
    deadline = models.DateTimeField(_("à rendre avant"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("rendue le"), null=True, blank=True)
    submitted_late = models.BooleanField(_("rendue après l'heure limite"), default=False)
    graded_at = models.DateTimeField(_("corrigée le"), null=True, blank=True)
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("réussie"), null=True, blank=True)
    shared_with_hr = models.BooleanField(
        _("réponses partagées avec les RH"),
        default=False,
        help_text=_(
            "Les réponses détaillées d'un test de positionnement restent privées, sauf si l'agent les partage."
        ),
    )
    snapshot = models.JSONField(_("questions servies"), default=dict, editable=False)

    class Meta:
        verbose_name = _("tentative")
        verbose_name_plural = _("tentatives")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "agent", "number"], name="attempt_number_once"),
            models.UniqueConstraint(
                fields=["quiz", "agent"], condition=models.Q(state="in_progress"), name="attempt_one_in_progress"
            ),
        ]
        indexes = [models.Index(fields=["agent", "quiz", "state"])]

    def __str__(self):
        return f"{self.quiz_title} — {self.agent} — {self.number}"

    @property
    def questions(self) -> list[dict]:
        return self.snapshot.get("questions", [])


class Response(models.Model):
    """The answer to one question served in an attempt (slot = its place in the snapshot)."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    slot = models.PositiveSmallIntegerField()
    answer = models.JSONField(null=True, blank=True)
    fraction = models.FloatField(null=True, blank=True)
    saved_at = models.DateTimeField()
    grader_comment = models.TextField(_("commentaire du correcteur"), blank=True)

    class Meta:
        verbose_name = _("réponse")
        verbose_name_plural = _("réponses")
        constraints = [models.UniqueConstraint(fields=["attempt", "slot"], name="response_once_per_slot")]

    def __str__(self):
        return f"{self.attempt_id}/{self.slot}"


class ResponseChoice(models.Model):
    """A choice ticked in a response, one row each, so that statistics count choices in the database."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="choices")
    question_id = models.BigIntegerField(db_index=True)
    choice_key = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "choice_key"], name="response_choice_once")]

    def __str__(self):
        return self.choice_key
