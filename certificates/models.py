"""Proof of training: certificates (attestations) with an immutable snapshot and a verification code,
and each organisation's certificate design."""

from __future__ import annotations

import uuid

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import codes
from .validators import validate_logo


class CertificateDesign(models.Model):
    """What an organisation's certificates look like and who signs them (edited by its HR)."""

    organisation = models.OneToOneField(
        "people.Organisation", on_delete=models.CASCADE, related_name="certificate_design"
    )
    logo = models.ImageField(
        _("logo"),
        upload_to="certificates/logos/",
        blank=True,
        validators=[validate_logo],
        help_text=_("PNG ou JPEG, 2 Mo au plus. Laissé vide : le nom de l'organisation seul."),
    )
    heading = models.CharField(_("titre du document"), max_length=120, default="Attestation de formation")
    statement = models.CharField(
        _("phrase d'attestation"),
        max_length=255,
        default="a suivi avec succès la formation",
        help_text=_("Placée entre le nom de l'agent et le titre de la formation."),
    )
    signatory_name = models.CharField(_("nom du signataire"), max_length=150, blank=True)
    signatory_title = models.CharField(
        _("qualité du signataire"), max_length=150, blank=True, help_text=_("Par exemple : Le Maire, La DGS.")
    )
    accent_colour = models.CharField(
        _("couleur d'accent"),
        max_length=7,
        default="#000091",
        validators=[RegexValidator(r"^#[0-9A-Fa-f]{6}$", _("Une couleur au format #RRVVBB, par exemple #000091."))],
    )
    footer = models.CharField(_("mention en bas de page"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("modèle d'attestation")
        verbose_name_plural = _("modèles d'attestation")

    def __str__(self):
        return str(self.organisation)


class Certificate(models.Model):
    class Kind(models.TextChoices):
        COURSE = "course", _("Cours")
        PATH = "path", _("Parcours")

    class Status(models.TextChoices):
        PENDING = "pending", _("En préparation")
        READY = "ready", _("Disponible")
        FAILED = "failed", _("Échec de fabrication")
        REVOKED = "revoked", _("Révoquée")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("code de vérification"), max_length=codes.LENGTH, unique=True, default=codes.new_code)
    agent = models.ForeignKey("people.Agent", on_delete=models.CASCADE, related_name="certificates")
    organisation = models.ForeignKey("people.Organisation", on_delete=models.CASCADE, related_name="certificates")
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.COURSE)
    course_completion = models.ForeignKey(
        "progress.CourseCompletion", on_delete=models.PROTECT, null=True, blank=True, related_name="certificates"
    )
    path_completion = models.ForeignKey(
        "paths.PathCompletion", on_delete=models.PROTECT, null=True, blank=True, related_name="certificates"
    )
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.PENDING)
    language = models.CharField(_("langue"), max_length=10, default="fr")
    snapshot = models.JSONField(_("ce qu'elle atteste"), editable=False)
    issued_at = models.DateTimeField(_("délivrée le"))
    ready_at = models.DateTimeField(_("fabriquée le"), null=True, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="certificates/%Y/%m/", blank=True)
    render_attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(_("erreur"), blank=True)
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)
    revoked_reason = models.CharField(_("motif de révocation"), max_length=500, blank=True)
    revoked_by = models.ForeignKey(
        "people.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("révoquée par"),
    )
    replaced_at = models.DateTimeField(_("remplacée le"), null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("remplacée par"),
    )
    # Bookkeeping of the "ready" e-mail (not part of what the certificate attests): `notified_at` is when
    # the send was claimed, `emailed_at` when the e-mail went out; a claim left unsent is claimed again.
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("attestation")
        verbose_name_plural = _("attestations")
        ordering = ["-issued_at"]
        constraints = [
            # One live certificate per completion, whatever the retries, duplicate signals or crashed
            # workers; a reissue first marks the old one replaced.
            models.UniqueConstraint(
                fields=["course_completion"],
                condition=models.Q(replaced_at__isnull=True, course_completion__isnull=False),
                name="certificate_once_per_course_completion",
            ),
            models.UniqueConstraint(
                fields=["path_completion"],
                condition=models.Q(replaced_at__isnull=True, path_completion__isnull=False),
                name="certificate_once_per_path_completion",
            ),
            models.CheckConstraint(
                condition=models.Q(course_completion__isnull=True, path_completion__isnull=False)
                | models.Q(course_completion__isnull=False, path_completion__isnull=True),
                name="certificate_attests_one_completion",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "issued_at"]),
            models.Index(fields=["status", "issued_at"]),
            models.Index(fields=["agent", "issued_at"]),
        ]

    def __str__(self):
        return f"{codes.display(self.code)} — {self.snapshot.get('title', '')}"

    @property
    def display_code(self) -> str:
        return codes.display(self.code)

    @property
    def title(self) -> str:
        return self.snapshot.get("title", "")

    @property
    def agent_name(self) -> str:
        return self.snapshot.get("agent_name", "")

    @property
    def verification_state(self) -> str:
        """valid, revoked or replaced — what the public verification page says."""
        if self.replaced_at is not None:
            return "replaced"
        if self.status == self.Status.REVOKED:
            return "revoked"
        return "valid"


class CertificateArchive(models.Model):
    """A ZIP of certificates asked for by HR (a service, a period), built by a Celery task."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En préparation")
        READY = "ready", _("Prête")
        FAILED = "failed", _("Échec")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey("people.Organisation", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey("people.User", on_delete=models.SET_NULL, null=True, related_name="+")
    filters = models.JSONField(default=dict)
    description = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    count = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="certificates/archives/", blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("archive d'attestations")
        verbose_name_plural = _("archives d'attestations")
        ordering = ["-created_at"]

    def __str__(self):
        return self.description or str(self.uuid)
