"""Course content authored in Wagtail: the catalogue, its courses and their lessons."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail import blocks
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from quizzes.models import Quiz
from skills.models import LEVEL_VALIDATORS

from .blocks import LessonStreamBlock
from .search import plain_text


class Level(models.TextChoices):
    DECOUVERTE = "decouverte", _("Découverte")
    INTERMEDIAIRE = "intermediaire", _("Intermédiaire")
    AVANCE = "avance", _("Avancé")


class Audience(models.Model):
    """Who a course is written for: all agents, managers, elected officials, HR, technical staff…"""

    code = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("nom"), max_length=100)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("public visé")
        verbose_name_plural = _("publics visés")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class SignedInPageMixin:
    """Course content is for signed-in users: anonymous visitors go to the login page and come back."""

    def serve(self, request, *args, **kwargs):
        if not request.user.is_authenticated and not getattr(request, "is_preview", False):
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        return super().serve(request, *args, **kwargs)


class CatalogPage(SignedInPageMixin, Page):
    """The catalogue: one per site, parent of every course."""

    intro = models.CharField(_("introduction"), max_length=300, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["courses.CoursePage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("catalogue")

    def serve(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().serve(request, *args, **kwargs)
        from .views import catalogue

        return catalogue(request, self)


class CourseTag(TaggedItemBase):
    content_object = ParentalKey("courses.CoursePage", related_name="tagged_items", on_delete=models.CASCADE)


class CoursePageForm(WagtailAdminPageForm):
    """Publishing (or submitting for review) checks what a draft may still lack."""

    def clean(self):
        cleaned = super().clean()
        if getattr(self, "is_deferred_validation", False):
            return cleaned
        page = self.instance
        if cleaned.get("cover_image") and not (cleaned.get("cover_alt") or "").strip():
            self.add_error("cover_alt", _("Décrivez l'image de couverture : le texte alternatif est obligatoire."))
        if not page.pk or not LessonPage.objects.child_of(page).exists():
            self.add_error(
                None,
                _("Un cours sans leçon ne peut pas être publié : enregistrez-le en brouillon et ajoutez ses leçons."),
            )
        return cleaned


class CoursePage(SignedInPageMixin, Page):
    summary = models.CharField(
        _("résumé"), max_length=240, help_text=_("Une ou deux phrases, affichées sur la carte du catalogue.")
    )
    description = RichTextField(_("description"), features=["bold", "italic", "link", "ul", "ol"], blank=True)
    objectives = StreamField(
        [("objective", blocks.CharBlock(label=_("Objectif"), max_length=300))],
        verbose_name=_("objectifs pédagogiques"),
        blank=True,
        help_text=_("Ce que l'agent saura faire à la fin du cours, une phrase par objectif."),
    )
    duration_minutes = models.PositiveIntegerField(
        _("durée estimée (minutes)"), default=30, help_text=_("Lecture, exercices et quiz compris.")
    )
    level = models.CharField(_("niveau"), max_length=20, choices=Level.choices, default=Level.DECOUVERTE)
    audiences = ParentalManyToManyField(Audience, verbose_name=_("publics visés"), blank=True)
    tags = ClusterTaggableManager(through=CourseTag, blank=True, verbose_name=_("mots-clés"))
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image de couverture"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cover_alt = models.CharField(
        _("texte alternatif de la couverture"),
        max_length=300,
        blank=True,
        help_text=_("Obligatoire avec une image : ce qu'elle montre, en une phrase."),
    )
    prerequisites = ParentalManyToManyField(
        "self", verbose_name=_("prérequis"), blank=True, symmetrical=False, related_name="required_by"
    )
    certificate_on_completion = models.BooleanField(_("attestation à la fin du cours"), default=True)

    search_fields = [
        *Page.search_fields,
        index.SearchField("search_text"),
        index.FilterField("level"),
        index.FilterField("duration_minutes"),
    ]
    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("description"),
        FieldPanel("objectives"),
        MultiFieldPanel(
            [FieldPanel("level"), FieldPanel("duration_minutes"), FieldPanel("audiences"), FieldPanel("tags")],
            heading=_("Repères"),
        ),
        InlinePanel("competences", label=_("Compétences travaillées (CRCN)"), min_num=1),
        MultiFieldPanel([FieldPanel("cover_image"), FieldPanel("cover_alt")], heading=_("Couverture")),
        FieldPanel("prerequisites"),
        FieldPanel("certificate_on_completion"),
    ]
    base_form_class = CoursePageForm
    parent_page_types = ["courses.CatalogPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("cours")
        verbose_name_plural = _("cours")

    @property
    def search_text(self) -> str:
        """Title, summary, description, objectives and tags without accents, for accent-blind search."""
        parts = [self.title, self.summary, self.description]
        parts += [str(block.value) for block in self.objectives]
        parts += [tag.name for tag in self.tags.all()]
        return plain_text(" ".join(parts))

    def lessons(self):
        return LessonPage.objects.live().child_of(self).specific().order_by("path")

    def get_context(self, request, *args, **kwargs):
        from .selectors import course_outline

        context = super().get_context(request, *args, **kwargs)
        context["outline"] = course_outline(self)
        context["competences"] = self.competences.select_related("competence").order_by("sort_order")
        return context


class CourseCompetence(Orderable):
    course = ParentalKey(CoursePage, related_name="competences", on_delete=models.CASCADE)
    competence = models.ForeignKey(
        "skills.Competence", on_delete=models.PROTECT, related_name="course_links", verbose_name=_("compétence")
    )
    target_level = models.PositiveSmallIntegerField(
        _("niveau visé"), validators=LEVEL_VALIDATORS, default=2, help_text=_("De 1 (novice) à 8 (expert).")
    )

    panels = [FieldPanel("competence"), FieldPanel("target_level")]

    class Meta(Orderable.Meta):
        verbose_name = _("compétence travaillée")
        constraints = [models.UniqueConstraint(fields=["course", "competence"], name="course_competence_once")]

    def __str__(self):
        return f"{self.competence.code} (niveau {self.target_level})"


class LessonPage(SignedInPageMixin, Page):
    body = StreamField(LessonStreamBlock(), verbose_name=_("contenu"))
    minutes = models.PositiveSmallIntegerField(_("durée estimée (minutes)"), default=10)
    completion_required = models.BooleanField(
        _("obligatoire pour terminer le cours"),
        default=True,
        help_text=_("Décochez pour une leçon d'approfondissement facultative."),
    )

    search_fields = [*Page.search_fields, index.SearchField("search_text")]
    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("minutes"), FieldPanel("completion_required")], heading=_("Repères")),
        FieldPanel("body"),
    ]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("leçon")
        verbose_name_plural = _("leçons")

    @property
    def search_text(self) -> str:
        return plain_text(self.title + " " + " ".join(_block_text(block) for block in self.body))

    def save(self, *args, **kwargs):
        result = super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "body" in update_fields:
            sync_lesson_quizzes(self)
        return result

    def quiz_blocks(self) -> dict[int, bool]:
        """The quizzes this lesson's body holds, each with whether it must be passed."""
        return quiz_blocks(self.body.raw_data if hasattr(self.body, "raw_data") else self.body)

    def get_context(self, request, *args, **kwargs):
        from .selectors import course_outline

        context = super().get_context(request, *args, **kwargs)
        course = self.get_parent().specific
        outline = course_outline(course)
        position = next((index for index, item in enumerate(outline.lessons) if item.pk == self.pk), None)
        context.update(
            course=course,
            outline=outline,
            position=(position + 1) if position is not None else None,
            previous_lesson=outline.lessons[position - 1] if position else None,
            next_lesson=outline.lessons[position + 1]
            if position is not None and position + 1 < len(outline.lessons)
            else None,
        )
        return context


def _block_text(block) -> str:
    return _value_text(block.value)


def _value_text(value) -> str:
    """Every word a block value holds: rich text sources, nested structures and lists."""
    if value is None:
        return ""
    if hasattr(value, "source"):
        return value.source
    if isinstance(value, str):
        return value
    if hasattr(value, "items"):
        return " ".join(_value_text(item) for item in value.values())
    if isinstance(value, list | tuple) or hasattr(value, "__iter__"):
        return " ".join(_value_text(item) for item in value)
    return ""


class LessonQuiz(models.Model):
    """Which quizzes a lesson holds, kept in step with its body on every save: progress finds the lessons
    a passed quiz completes, and the quizzes a course requires, with one indexed query."""

    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="quiz_links")
    quiz = models.ForeignKey("quizzes.Quiz", on_delete=models.CASCADE, related_name="lesson_links")
    required = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("quiz d'une leçon")
        verbose_name_plural = _("quiz des leçons")
        constraints = [models.UniqueConstraint(fields=["lesson", "quiz"], name="lesson_quiz_once")]

    def __str__(self):
        return f"{self.lesson_id} → {self.quiz_id}"


def quiz_blocks(raw_blocks) -> dict[int, bool]:
    """Quiz ids found in raw StreamField data, with `required` (a quiz twice is required if either is)."""
    found: dict[int, bool] = {}
    for block in raw_blocks or []:
        if not isinstance(block, dict) or block.get("type") != "quiz":
            continue
        value = block.get("value") or {}
        quiz_id = value.get("quiz")
        if isinstance(quiz_id, int):
            found[quiz_id] = found.get(quiz_id, False) or bool(value.get("required", True))
    return found


def sync_lesson_quizzes(lesson: LessonPage) -> None:
    wanted = lesson.quiz_blocks()
    existing = set(Quiz.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    LessonQuiz.objects.filter(lesson=lesson).exclude(quiz_id__in=existing).delete()
    current = {link.quiz_id: link for link in LessonQuiz.objects.filter(lesson=lesson)}
    for quiz_id in existing:
        link = current.get(quiz_id)
        if link is None:
            LessonQuiz.objects.create(lesson=lesson, quiz_id=quiz_id, required=wanted[quiz_id])
        elif link.required != wanted[quiz_id]:
            link.required = wanted[quiz_id]
            link.save(update_fields=["required"])
