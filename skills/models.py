"""The competence framework: the French CRCN (Cadre de référence des compétences numériques).

5 domains, 16 competences, 8 levels grouped in four stages. Loaded by a data migration with their
official codes and the DigComp 2.2 competence each one maps to; editable in the admin.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

MIN_LEVEL = 1
MAX_LEVEL = 8
LEVEL_VALIDATORS = [MinValueValidator(MIN_LEVEL), MaxValueValidator(MAX_LEVEL)]
# A measured level (positioning test, Pix) or a target may be 0: "not acquired" / "no requirement".
MEASURED_LEVEL_VALIDATORS = [MinValueValidator(0), MaxValueValidator(MAX_LEVEL)]


class Level(models.IntegerChoices):
    """The eight CRCN levels; two per stage (novice, indépendant, avancé, expert)."""

    NOVICE_1 = 1, _("1 — Novice")
    NOVICE_2 = 2, _("2 — Novice")
    INDEPENDANT_3 = 3, _("3 — Indépendant")
    INDEPENDANT_4 = 4, _("4 — Indépendant")
    AVANCE_5 = 5, _("5 — Avancé")
    AVANCE_6 = 6, _("6 — Avancé")
    EXPERT_7 = 7, _("7 — Expert")
    EXPERT_8 = 8, _("8 — Expert")


def measured_level_label(level: int | None, *, none: str = "—") -> str:
    """A measured level in words: "4 — Indépendant", "0 — Non acquis"; `none` when not assessed."""
    if level is None:
        return none
    if level == 0:
        return str(_("0 — Non acquis"))
    return str(Level(level).label) if level in Level.values else str(level)


def target_level_label(level: int | None) -> str:
    """A target in words: "4 — Indépendant", "0 — Aucune exigence", "—" for none."""
    if level == 0:
        return str(_("0 — Aucune exigence"))
    return measured_level_label(level)


class Domain(models.Model):
    code = models.CharField(_("code"), max_length=3, unique=True)
    name = models.CharField(_("nom"), max_length=200)

    class Meta:
        verbose_name = _("domaine de compétences")
        verbose_name_plural = _("domaines de compétences")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code}. {self.name}"


class Competence(models.Model):
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="competences", verbose_name=_("domaine"))
    code = models.CharField(
        _("code"), max_length=5, unique=True, help_text=_("Code officiel du CRCN, par exemple 4.1.")
    )
    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    digcomp_code = models.CharField(
        _("code DigComp 2.2"), max_length=5, help_text=_("Compétence du cadre européen DigComp 2.2 correspondante.")
    )

    class Meta:
        verbose_name = _("compétence")
        verbose_name_plural = _("compétences")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class Evidence(models.Model):
    """One piece of evidence that an agent reached a level on a competence, with its date and source.

    Rooms to the right record it through `skills.services.record_evidence`; the same source never counts
    twice for the same competence (a course completed again adds nothing).
    """

    class Source(models.TextChoices):
        COURSE = "course", _("Cours terminé")
        QUIZ = "quiz", _("Quiz réussi")
        POSITIONING = "positioning", _("Test de positionnement")
        PIX = "pix", _("Résultat Pix")

    agent = models.ForeignKey("people.Agent", on_delete=models.CASCADE, related_name="evidence")
    competence = models.ForeignKey(Competence, on_delete=models.PROTECT, related_name="evidence")
    level = models.PositiveSmallIntegerField(_("niveau"), validators=MEASURED_LEVEL_VALIDATORS)
    source = models.CharField(_("origine"), max_length=20, choices=Source.choices)
    source_ref = models.CharField(
        _("référence de l'origine"), max_length=100, help_text=_("Identifiant de ce qui la prouve, ex. course:12.")
    )
    label = models.CharField(_("libellé"), max_length=255, help_text=_("Titre du cours, du quiz ou de la campagne."))
    observed_at = models.DateTimeField(_("date"))

    class Meta:
        verbose_name = _("preuve de compétence")
        verbose_name_plural = _("preuves de compétences")
        ordering = ["-observed_at"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "competence", "source", "source_ref"], name="evidence_once"),
        ]
        indexes = [models.Index(fields=["agent", "competence"])]

    def __str__(self):
        return f"{self.competence.code} niveau {self.level} ({self.get_source_display()})"


class CompetenceLevel(models.Model):
    """An agent's current level on a competence, derived from their evidence by `skills.rules.derive_level`.

    Kept as a row (refreshed by `skills.services` whenever evidence arrives or expires) so that HR figures
    over tens of thousands of agents are computed by the database.
    """

    agent = models.ForeignKey("people.Agent", on_delete=models.CASCADE, related_name="competence_levels")
    competence = models.ForeignKey(Competence, on_delete=models.CASCADE, related_name="agent_levels")
    level = models.PositiveSmallIntegerField(_("niveau"), validators=MEASURED_LEVEL_VALIDATORS)
    source = models.CharField(_("origine"), max_length=20, choices=Evidence.Source.choices)
    label = models.CharField(_("libellé"), max_length=255)
    observed_at = models.DateTimeField(_("date"))

    class Meta:
        verbose_name = _("niveau de compétence")
        verbose_name_plural = _("niveaux de compétences")
        constraints = [models.UniqueConstraint(fields=["agent", "competence"], name="competence_level_once")]
        indexes = [models.Index(fields=["competence", "level"])]

    def __str__(self):
        return f"{self.competence_id}: {self.level}"


class Target(models.Model):
    """A level HR expects on a competence, for a job title or for a service (and the services below it)."""

    organisation = models.ForeignKey("people.Organisation", on_delete=models.CASCADE, related_name="competence_targets")
    competence = models.ForeignKey(Competence, on_delete=models.CASCADE, related_name="targets")
    level = models.PositiveSmallIntegerField(_("niveau attendu"), validators=MEASURED_LEVEL_VALIDATORS)
    job_title = models.CharField(_("métier"), max_length=200, blank=True)
    service = models.ForeignKey(
        "people.Service", on_delete=models.CASCADE, null=True, blank=True, related_name="competence_targets"
    )
    updated_by = models.ForeignKey("people.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("niveau attendu")
        verbose_name_plural = _("niveaux attendus")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(service__isnull=True) & ~models.Q(job_title=""))
                | (models.Q(service__isnull=False) & models.Q(job_title="")),
                name="target_job_or_service",
            ),
            models.CheckConstraint(condition=models.Q(level__lte=MAX_LEVEL), name="target_level_0_8"),
            models.UniqueConstraint(
                fields=["organisation", "job_title", "competence"],
                condition=~models.Q(job_title=""),
                name="target_once_per_job",
            ),
            models.UniqueConstraint(
                fields=["service", "competence"],
                condition=models.Q(service__isnull=False),
                name="target_once_per_service",
            ),
        ]

    def __str__(self):
        return f"{self.job_title or self.service}: {self.competence_id} ≥ {self.level}"


class Champion(models.Model):
    """An agent who volunteers to help colleagues on a competence ("référent numérique")."""

    agent = models.ForeignKey("people.Agent", on_delete=models.CASCADE, related_name="champion_of")
    competence = models.ForeignKey(Competence, on_delete=models.CASCADE, related_name="champions")
    note = models.CharField(
        _("comment vous solliciter"),
        max_length=300,
        blank=True,
        help_text=_("Par exemple : « Le mardi après-midi, bureau 12, ou par messagerie »."),
    )
    since = models.DateTimeField(_("depuis le"))

    class Meta:
        verbose_name = _("référent numérique")
        verbose_name_plural = _("référents numériques")
        constraints = [models.UniqueConstraint(fields=["agent", "competence"], name="champion_once")]

    def __str__(self):
        return f"{self.agent_id} — {self.competence_id}"


class PixImport(models.Model):
    """A Pix Orga campaign export uploaded by HR: previewed first, recorded as evidence on confirmation."""

    class State(models.TextChoices):
        PREVIEWED = "previewed", _("Aperçu")
        APPLIED = "applied", _("Appliqué")
        REJECTED = "rejected", _("Refusé")

    organisation = models.ForeignKey("people.Organisation", on_delete=models.CASCADE, related_name="pix_imports")
    uploaded_by = models.ForeignKey("people.User", on_delete=models.SET_NULL, null=True, related_name="+")
    filename = models.CharField(max_length=255)
    content = models.TextField(blank=True, help_text=_("Le fichier décodé, effacé une fois appliqué."))
    state = models.CharField(max_length=20, choices=State.choices, default=State.PREVIEWED)
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import Pix")
        verbose_name_plural = _("imports Pix")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} ({self.get_state_display()})"
