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
    level = models.PositiveSmallIntegerField(_("niveau"), validators=LEVEL_VALIDATORS)
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
