from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from .models import Agent, Service, User


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Adresse e-mail"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    error_messages = {
        "invalid_login": _(
            "Adresse e-mail ou mot de passe incorrect. Vérifiez la saisie ; les majuscules comptent "
            "dans le mot de passe."
        ),
        "inactive": _("Ce compte est désactivé. Adressez-vous au service des ressources humaines."),
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class AgentImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV des agents"),
        help_text=_(
            "Colonnes : email, first_name, last_name, matricule, service, job_title, category, status, "
            "manager_email, hire_date. Séparateur « ; » ou « , », encodage UTF-8 ou Windows-1252."
        ),
    )
    send_invitations = forms.BooleanField(
        label=_("Envoyer une invitation par e-mail aux nouveaux agents"),
        required=False,
        initial=True,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.AGENT_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("Le fichier dépasse %(size)s Mo.") % {"size": settings.AGENT_IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("Le fichier est vide."))
        return upload


class AgentSearchForm(forms.Form):
    q = forms.CharField(label=_("Nom, e-mail ou matricule"), required=False, max_length=200)
    service = forms.ModelChoiceField(label=_("Service"), queryset=Service.objects.none(), required=False)
    job_title = forms.CharField(label=_("Métier"), required=False, max_length=200)
    category = forms.ChoiceField(label=_("Catégorie"), required=False)
    active = forms.ChoiceField(
        label=_("État"),
        required=False,
        choices=[("", _("Tous")), ("1", _("Actifs")), ("0", _("Désactivés"))],
    )

    def __init__(self, *args, services=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services if services is not None else Service.objects.none()
        self.fields["service"].empty_label = _("Tous les services")
        self.fields["category"].choices = [("", _("Toutes"))] + [
            (value or "none", label) for value, label in Agent.Category.choices
        ]


class InvitingPasswordResetForm(PasswordResetForm):
    """Also sends the link to imported agents who never chose a password (lost invitation)."""

    def get_users(self, email):
        return User.objects.filter(email__iexact=email.strip(), is_active=True)
