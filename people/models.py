"""Who works where: organisations, their service tree, and the agents (profiles of users)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """An account; the e-mail address is the login, compared without case."""

    username = None
    email = models.EmailField(_("adresse e-mail"), unique=True)
    invited_at = models.DateTimeField(_("invitation envoyée le"), null=True, blank=True, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    objects = UserManager()

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    def __str__(self):
        return self.get_full_name() or self.email


class Organisation(models.Model):
    class Kind(models.TextChoices):
        COMMUNE = "commune", _("Commune")
        EPCI = "epci", _("Intercommunalité (EPCI)")
        DEPARTEMENT = "departement", _("Département")
        CDG = "cdg", _("Centre de gestion")
        OTHER = "other", _("Autre")

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant court"), unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.COMMUNE)
    siren = models.CharField(
        _("SIREN"),
        max_length=9,
        blank=True,
        help_text=_("Neuf chiffres, facultatif."),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.siren and (len(self.siren) != 9 or not self.siren.isdigit()):
            raise ValidationError({"siren": _("Le SIREN compte exactement neuf chiffres.")})


class Service(MP_Node):
    """A node of an organisation's service tree: direction → service → unit."""

    SEPARATOR = " / "

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="services", verbose_name=_("organisation")
    )
    name = models.CharField(_("nom"), max_length=200)
    full_name = models.CharField(_("chemin complet"), max_length=1000, editable=False)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [models.UniqueConstraint(fields=["organisation", "full_name"], name="service_unique_full_name")]

    def __str__(self):
        return self.full_name or self.name

    def subtree(self):
        """This service and every service below it, as one queryset (a path prefix)."""
        return Service.objects.filter(path__startswith=self.path, organisation_id=self.organisation_id)


class Agent(models.Model):
    """The professional profile of a user inside one organisation."""

    class Category(models.TextChoices):
        A = "A", _("Catégorie A")
        B = "B", _("Catégorie B")
        C = "C", _("Catégorie C")
        NONE = "", _("Sans catégorie")

    class Status(models.TextChoices):
        TITULAIRE = "titulaire", _("Titulaire")
        CONTRACTUEL = "contractuel", _("Contractuel")
        ELU = "elu", _("Élu")
        OTHER = "other", _("Autre")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="agent", verbose_name=_("compte"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="agents", verbose_name=_("organisation")
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agents",
        verbose_name=_("service"),
    )
    job_title = models.CharField(_("métier"), max_length=200, blank=True)
    category = models.CharField(_("catégorie"), max_length=1, choices=Category.choices, blank=True)
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.TITULAIRE)
    manager = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("responsable"),
    )
    hire_date = models.DateField(_("date d'arrivée"), null=True, blank=True)
    matricule = models.CharField(_("matricule"), max_length=50, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        ordering = ["user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "matricule"],
                condition=~models.Q(matricule=""),
                name="agent_unique_matricule_per_organisation",
            )
        ]
        indexes = [models.Index(fields=["organisation", "is_active"])]

    def __str__(self):
        return str(self.user)

    @property
    def full_name(self) -> str:
        return self.user.get_full_name() or self.user.email

    @property
    def is_elected(self) -> bool:
        return self.status == self.Status.ELU

    def clean(self):
        errors = {}
        if self.service_id and self.service.organisation_id != self.organisation_id:
            errors["service"] = _("Ce service appartient à une autre organisation.")
        if self.manager_id:
            if self.manager_id == self.pk:
                errors["manager"] = _("Un agent ne peut pas être son propre responsable.")
            elif self.manager.organisation_id != self.organisation_id:
                errors["manager"] = _("Le responsable doit appartenir à la même organisation.")
        if errors:
            raise ValidationError(errors)


class AgentImport(models.Model):
    """One CSV upload by HR: previewed first, applied on confirmation (audit of who imported what)."""

    class State(models.TextChoices):
        PREVIEWED = "previewed", _("Aperçu")
        APPLIED = "applied", _("Appliqué")
        REJECTED = "rejected", _("Refusé")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="imports")
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    filename = models.CharField(max_length=255)
    content = models.TextField(blank=True, help_text=_("Le fichier décodé, effacé une fois appliqué."))
    state = models.CharField(max_length=20, choices=State.choices, default=State.PREVIEWED)
    summary = models.JSONField(default=dict, blank=True)
    send_invitations = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import d'agents")
        verbose_name_plural = _("imports d'agents")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} ({self.get_state_display()})"


class Notification(models.Model):
    """A message in an agent's in-app notification list (Mon espace), often with an e-mail beside it.

    Rooms to the right notify through `people.notifications.notify`; a `key` makes a notification
    exist once (a retried task or a second beat process cannot add it twice).
    """

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("type"), max_length=40)
    title = models.CharField(_("titre"), max_length=255)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("lien"), max_length=500, blank=True)
    key = models.CharField(max_length=200, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["agent", "-created_at"])]

    def __str__(self):
        return self.title
