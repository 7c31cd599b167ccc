"""What HR asks for: training paths, their assignment to people, and each agent's status.

- `TrainingPath`: ordered steps (courses), required or optional, optional validity (recurring training).
- `Assignment`: a path given by HR to a mix of agents, services, job titles, categories and statuses,
  with an absolute or relative due date; "live" assignments also reach agents who join a target later.
- `AgentAssignment`: one agent's copy of an assignment for one cycle, with its own due date and status.
  Recurring training opens a new cycle when the previous completion expires.
- `PathCompletion`: history, with a snapshot of what was completed.
- `NotificationLog`: one row per (agent assignment, kind, day) sent — the database refuses a second one,
  so two beat processes or a retried task cannot send the same reminder twice. The row is the claim;
  `delivered_at` says the e-mail went out (a claim left undelivered by a dead worker is sent again).
"""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_RELATIVE_DAYS = 730
MAX_VALIDITY_MONTHS = 120


class TrainingPath(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey("people.Organisation", on_delete=models.CASCADE, related_name="training_paths")
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(_("public visé"), max_length=200, blank=True)
    enforce_order = models.BooleanField(
        _("suivre les étapes dans l'ordre"),
        default=False,
        help_text=_("Une étape s'ouvre quand la précédente est terminée."),
    )
    validity_months = models.PositiveSmallIntegerField(
        _("validité (mois)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_VALIDITY_MONTHS)],
        help_text=_("Formation à renouveler : le parcours est assigné à nouveau quand la validité expire."),
    )
    single_course = models.BooleanField(default=False, editable=False, help_text="A course assigned on its own.")
    created_by = models.ForeignKey("people.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(_("archivé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("parcours")
        verbose_name_plural = _("parcours")
        ordering = ["title"]

    def __str__(self):
        return self.title


class PathStep(models.Model):
    path = models.ForeignKey(TrainingPath, on_delete=models.CASCADE, related_name="steps")
    course = models.ForeignKey("courses.CoursePage", on_delete=models.CASCADE, related_name="path_steps")
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    required = models.BooleanField(_("obligatoire"), default=True)

    class Meta:
        verbose_name = _("étape")
        verbose_name_plural = _("étapes")
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["path", "course"], name="path_step_course_once")]

    def __str__(self):
        return f"{self.path} — {self.course_id}"


class Assignment(models.Model):
    class DueMode(models.TextChoices):
        DATE = "date", _("À une date fixe")
        AFTER_ASSIGNMENT = "after_assignment", _("N jours après l'assignation")
        AFTER_HIRE = "after_hire", _("N jours après l'arrivée de l'agent")

    class State(models.TextChoices):
        PENDING = "pending", _("En cours de création")
        READY = "ready", _("Assignée")
        FAILED = "failed", _("Échec")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey("people.Organisation", on_delete=models.CASCADE, related_name="assignments")
    path = models.ForeignKey(TrainingPath, on_delete=models.PROTECT, related_name="assignments")
    # Targets (any mix; an agent matching any of them is concerned).
    agents = models.ManyToManyField("people.Agent", blank=True, related_name="+", verbose_name=_("agents"))
    services = models.ManyToManyField("people.Service", blank=True, related_name="+", verbose_name=_("services"))
    include_subservices = models.BooleanField(_("y compris les sous-services"), default=True)
    job_titles = models.JSONField(_("métiers"), default=list, blank=True)
    categories = models.JSONField(_("catégories"), default=list, blank=True)
    statuses = models.JSONField(_("statuts"), default=list, blank=True)
    # Due date.
    due_mode = models.CharField(_("échéance"), max_length=20, choices=DueMode.choices, default=DueMode.AFTER_ASSIGNMENT)
    due_date = models.DateField(_("date d'échéance"), null=True, blank=True)
    due_days = models.PositiveSmallIntegerField(
        _("délai (jours)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RELATIVE_DAYS)],
    )
    live = models.BooleanField(
        _("règle permanente"),
        default=True,
        help_text=_("Les agents qui rejoignent plus tard un service ou un métier ciblé reçoivent aussi le parcours."),
    )
    assigned_by = models.ForeignKey("people.User", on_delete=models.SET_NULL, null=True, related_name="+")
    assigned_at = models.DateTimeField(_("assignée le"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    ended_at = models.DateTimeField(_("arrêtée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignation")
        verbose_name_plural = _("assignations")
        ordering = ["-assigned_at"]

    def __str__(self):
        return f"{self.path} ({self.assigned_at:%d/%m/%Y})"


class AgentAssignment(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="agent_assignments")
    agent = models.ForeignKey("people.Agent", on_delete=models.CASCADE, related_name="path_assignments")
    path = models.ForeignKey(TrainingPath, on_delete=models.CASCADE, related_name="+")
    cycle = models.PositiveSmallIntegerField(default=1)
    assigned_on = models.DateField(_("assigné le"))
    due_date = models.DateField(_("à terminer avant le"))
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    completed_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    expires_on = models.DateField(_("à renouveler le"), null=True, blank=True)
    renewed = models.BooleanField(default=False, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("assignation d'un agent")
        verbose_name_plural = _("assignations des agents")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "agent", "cycle"], name="agent_assignment_once_per_cycle")
        ]
        indexes = [
            models.Index(fields=["agent", "completed_at"]),
            models.Index(fields=["path", "due_date"]),
            models.Index(fields=["assignment", "completed_at"]),
            models.Index(
                fields=["path", "agent"],
                condition=models.Q(cancelled_at__isnull=True, renewed=False),
                name="agent_assignment_current",
            ),
        ]

    def __str__(self):
        return f"{self.agent_id} — {self.path_id} ({self.cycle})"


class PathCompletion(models.Model):
    agent_assignment = models.OneToOneField(AgentAssignment, on_delete=models.CASCADE, related_name="completion")
    agent = models.ForeignKey("people.Agent", on_delete=models.CASCADE, related_name="path_completions")
    path = models.ForeignKey(TrainingPath, on_delete=models.SET_NULL, null=True, related_name="completions")
    completed_at = models.DateTimeField(_("terminé le"))
    path_title = models.CharField(_("parcours"), max_length=200)
    duration_minutes = models.PositiveIntegerField(_("durée (minutes)"))
    courses = models.JSONField(_("cours"), default=list)
    competences = models.JSONField(_("compétences"), default=list)

    class Meta:
        verbose_name = _("parcours terminé")
        verbose_name_plural = _("parcours terminés")
        ordering = ["-completed_at"]

    def __str__(self):
        return f"{self.agent_id} — {self.path_title}"


class NotificationLog(models.Model):
    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Assignation")
        REMINDER_7 = "reminder_7", _("Rappel à 7 jours")
        REMINDER_1 = "reminder_1", _("Rappel la veille")
        OVERDUE = "overdue", _("Retard")
        ESCALATION_MANAGER = "escalation_manager", _("Alerte au responsable")
        ESCALATION_HR = "escalation_hr", _("Alerte aux RH")
        MANUAL = "manual", _("Relance du responsable")

    agent_assignment = models.ForeignKey(AgentAssignment, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    day = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)  # when the send was claimed
    delivered_at = models.DateTimeField(null=True, blank=True)  # when the e-mail went out

    class Meta:
        verbose_name = _("envoi de notification")
        verbose_name_plural = _("envois de notifications")
        constraints = [
            models.UniqueConstraint(fields=["agent_assignment", "kind", "day"], name="notification_once_per_day"),
            # Every automatic notice exists once per agent assignment, whatever the day (two runs
            # overlapping midnight cannot both send it); only a manager's reminder repeats, once a day.
            models.UniqueConstraint(
                fields=["agent_assignment", "kind"], condition=~models.Q(kind="manual"), name="notification_once"
            ),
        ]
        indexes = [
            models.Index(fields=["agent_assignment", "kind"]),
            # The few claims still waiting for their e-mail, for the sweep that sends them again.
            models.Index(
                fields=["sent_at"], condition=models.Q(delivered_at__isnull=True), name="notification_undelivered"
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.day}"


class DigestLog(models.Model):
    """The weekly digest of a manager's team, once per (manager, ISO week)."""

    manager = models.ForeignKey("people.Agent", on_delete=models.CASCADE, related_name="+")
    week = models.CharField(max_length=8)  # 2026-W48
    sent_at = models.DateTimeField(auto_now_add=True)  # when the send was claimed
    delivered_at = models.DateTimeField(null=True, blank=True)  # when the e-mail went out

    class Meta:
        constraints = [models.UniqueConstraint(fields=["manager", "week"], name="digest_once_per_week")]

    def __str__(self):
        return f"{self.manager_id} {self.week}"


class ReminderSettings(models.Model):
    """Per organisation: when to escalate overdue training."""

    organisation = models.OneToOneField(
        "people.Organisation", on_delete=models.CASCADE, related_name="reminder_settings"
    )
    escalate_to_manager_after = models.PositiveSmallIntegerField(
        _("alerter le responsable après (jours de retard)"), default=7, validators=[MinValueValidator(1)]
    )
    escalate_to_hr_after = models.PositiveSmallIntegerField(
        _("alerter les RH après (jours de retard)"), default=21, validators=[MinValueValidator(1)]
    )
    holidays_subdivision = models.CharField(
        _("jours fériés locaux"),
        max_length=10,
        blank=True,
        help_text=_("Code de la subdivision pour les jours fériés locaux, ex. 57, 67 ou 68 pour l'Alsace-Moselle."),
    )

    class Meta:
        verbose_name = _("réglages des rappels")
        verbose_name_plural = _("réglages des rappels")

    def __str__(self):
        return str(self.organisation_id)


class ExportFile(models.Model):
    """A spreadsheet of HR figures (XLSX or ODS) built by a Celery task, downloadable when ready.

    CSV exports are streamed directly and leave no row; the rows here are the files kept on storage.
    """

    class Kind(models.TextChoices):
        STATUS = "status", _("Avancement des parcours par agent")
        HOURS = "hours", _("Heures de formation par agent")
        SOCIAL = "social", _("Chiffres du rapport social unique")

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel (.xlsx)")
        ODS = "ods", _("OpenDocument (.ods)")
        CSV = "csv", _("CSV")

    class Status(models.TextChoices):
        PENDING = "pending", _("En préparation")
        READY = "ready", _("Prêt")
        FAILED = "failed", _("Échec")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey("people.Organisation", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey("people.User", on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(_("export"), max_length=10, choices=Kind.choices)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    parameters = models.JSONField(_("paramètres"), default=dict, blank=True)
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(_("fichier"), upload_to="exports/", blank=True)
    rows = models.PositiveIntegerField(_("lignes"), default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    ready_at = models.DateTimeField(_("prêt le"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "requested_by", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_format_display()})"
