"""What each agent did: enrolments, lesson progress, course completions and the learning record (xAPI).

An enrolment is one pass through a course. When recurring training makes an agent take a course again,
the old enrolment is archived (never deleted) and a new one starts, with its own lesson progress and its
own completion. A `CourseCompletion` is history: a snapshot of the title, hours and competences it
attests, kept when the course page is edited or deleted.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Enrollment(models.Model):
    class Origin(models.TextChoices):
        SELF = "self", _("Inscription libre")
        ASSIGNMENT = "assignment", _("Formation assignée")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agent = models.ForeignKey("people.Agent", on_delete=models.CASCADE, related_name="enrollments")
    course = models.ForeignKey(
        "courses.CoursePage", on_delete=models.SET_NULL, null=True, blank=True, related_name="enrollments"
    )
    course_title = models.CharField(_("cours"), max_length=255)
    origin = models.CharField(_("origine"), max_length=20, choices=Origin.choices, default=Origin.SELF)
    enrolled_at = models.DateTimeField(_("inscrit le"))
    last_activity_at = models.DateTimeField(_("dernière activité"), null=True, blank=True)
    archived_at = models.DateTimeField(
        _("archivée le"), null=True, blank=True, help_text=_("Renseigné quand une nouvelle session du cours commence.")
    )

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["-enrolled_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "course"], condition=models.Q(archived_at__isnull=True), name="enrollment_one_active"
            ),
        ]
        indexes = [models.Index(fields=["agent", "archived_at"])]

    def __str__(self):
        return f"{self.agent} — {self.course_title}"


class LessonProgress(models.Model):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.ForeignKey(
        "courses.LessonPage", on_delete=models.SET_NULL, null=True, blank=True, related_name="progress"
    )
    started_at = models.DateTimeField(_("commencée le"))
    completed_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    last_visit_at = models.DateTimeField(_("dernière visite"))
    visits = models.PositiveIntegerField(_("visites"), default=1)
    seconds_spent = models.PositiveIntegerField(_("temps passé (secondes)"), default=0)
    # The current view, for the heartbeat: time is capped per view and a beat is credited at most the
    # time elapsed since the previous one.
    view_token = models.CharField(max_length=32, blank=True, editable=False)
    view_seconds = models.PositiveIntegerField(default=0, editable=False)
    last_beat_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("progression dans une leçon")
        verbose_name_plural = _("progressions dans les leçons")
        constraints = [models.UniqueConstraint(fields=["enrollment", "lesson"], name="lesson_progress_once")]

    def __str__(self):
        return f"{self.enrollment_id} — {self.lesson_id}"


class ImmutableRecordError(Exception):
    """A completion is history: it is written once and never changed."""


class CourseCompletion(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrollment = models.OneToOneField(Enrollment, on_delete=models.CASCADE, related_name="completion")
    agent = models.ForeignKey("people.Agent", on_delete=models.CASCADE, related_name="course_completions")
    course = models.ForeignKey(
        "courses.CoursePage", on_delete=models.SET_NULL, null=True, blank=True, related_name="completions"
    )
    completed_at = models.DateTimeField(_("terminé le"))
    course_title = models.CharField(_("cours"), max_length=255)
    duration_minutes = models.PositiveIntegerField(_("durée (minutes)"))
    competences = models.JSONField(
        _("compétences"), default=list, help_text=_("Code, nom et niveau visé de chaque compétence, à cette date.")
    )
    score = models.DecimalField(_("score du quiz final (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    quiz_title = models.CharField(_("quiz final"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("cours terminé")
        verbose_name_plural = _("cours terminés")
        ordering = ["-completed_at"]
        indexes = [models.Index(fields=["agent", "completed_at"]), models.Index(fields=["course", "completed_at"])]

    def __str__(self):
        return f"{self.agent} — {self.course_title} ({self.completed_at:%d/%m/%Y})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecordError("A course completion is never changed once recorded.")
        super().save(*args, **kwargs)

    @property
    def hours(self) -> float:
        return round(self.duration_minutes / 60, 2)


class LearningEvent(models.Model):
    """One xAPI 1.0.3 statement of the learning record; its id is the statement id sent to an LRS."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agent = models.ForeignKey("people.Agent", on_delete=models.CASCADE, related_name="learning_events")
    verb = models.CharField(_("verbe"), max_length=30)
    object_id = models.CharField(_("activité"), max_length=500)
    timestamp = models.DateTimeField(_("date"))
    statement = models.JSONField(_("déclaration xAPI"))
    # Events that happen once per thing (enrolment, completion, graded attempt) carry a key, so that a
    # retried task or a duplicate signal cannot record them twice.
    key = models.CharField(max_length=120, null=True, blank=True, unique=True, editable=False)
    stored_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("envoyé au LRS le"), null=True, blank=True)
    send_failures = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("événement d'apprentissage")
        verbose_name_plural = _("événements d'apprentissage")
        ordering = ["-timestamp"]
        indexes = [
            models.Index(fields=["agent", "timestamp"]),
            models.Index(fields=["stored_at"], condition=models.Q(sent_at__isnull=True), name="event_unsent"),
        ]

    def __str__(self):
        return f"{self.verb} {self.object_id}"
