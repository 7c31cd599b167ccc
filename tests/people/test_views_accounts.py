"""Accounts: login by e-mail, lockout per (username, IP), password reset, invitations, sessions."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from people.factories import DEFAULT_PASSWORD, AgentFactory, HRAgentFactory, UserFactory
from people.tasks import send_invitations

pytestmark = pytest.mark.django_db
LOGIN = "/compte/connexion/"


def login(client, email, password=DEFAULT_PASSWORD, ip="203.0.113.10"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_login_is_case_insensitive_and_lands_on_mon_espace(client):
    """An agent logs in with their e-mail in capitals and lands on Mon espace."""
    AgentFactory(user=UserFactory(email="camille.martin@example.org"))
    response = login(client, "Camille.MARTIN@example.org")
    assert response.status_code == 302
    assert response.url == reverse("home:dashboard")


def test_wrong_password_shows_a_french_error(client):
    """A wrong password gives a clear message, not which of the two was wrong."""
    AgentFactory(user=UserFactory(email="a@example.org"))
    response = login(client, "a@example.org", "wrong-password")
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect" in response.content.decode()


def test_lockout_is_per_username_and_ip(client):
    """Five failures lock that address from that IP, not other agents behind the same IP."""
    AgentFactory(user=UserFactory(email="victim@example.org"))
    AgentFactory(user=UserFactory(email="colleague@example.org"))
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, "victim@example.org", "bad")
    locked = login(client, "victim@example.org")
    assert locked.status_code == 429
    assert "temporairement bloquée" in locked.content.decode()
    assert login(client, "colleague@example.org").status_code == 302


def test_lockout_ignores_case_of_the_address(client):
    """Changing the case of the address does not get around the lockout."""
    AgentFactory(user=UserFactory(email="victim@example.org"))
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, "VICTIM@example.org" if attempt % 2 else "victim@example.org", "bad")
    assert login(client, "Victim@Example.org").status_code == 429


def test_same_address_from_another_ip_is_not_locked(client):
    """The lockout is keyed on the pair, so the agent can still log in from elsewhere."""
    AgentFactory(user=UserFactory(email="victim@example.org"))
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, "victim@example.org", "bad")
    assert login(client, "victim@example.org", ip="198.51.100.7").status_code == 302


def test_deactivated_agent_cannot_log_in(client):
    """A deactivated account cannot log in."""
    AgentFactory(user=UserFactory(email="gone@example.org", is_active=False))
    assert login(client, "gone@example.org").status_code == 200


def test_staff_session_is_shorter(client):
    """HR sessions expire sooner than agents' sessions."""
    hr = HRAgentFactory()
    login(client, hr.user.email)
    assert client.session.get_expiry_age() == settings.STAFF_SESSION_AGE
    client.logout()
    agent = AgentFactory()
    login(client, agent.user.email)
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert settings.STAFF_SESSION_AGE < settings.SESSION_COOKIE_AGE


def test_logout_needs_post(client):
    """Logout is a POST (no logout by a crafted link)."""
    agent = AgentFactory()
    client.force_login(agent.user)
    assert client.get("/compte/deconnexion/").status_code == 405
    assert client.post("/compte/deconnexion/").status_code == 302
    assert client.get(reverse("home:dashboard")).status_code == 302


def test_password_reset_reaches_an_invited_agent(client, settings):
    """An imported agent who lost the invitation can use 'forgotten password', links use SITE_URL."""
    settings.SITE_URL = "https://formation.example.fr"
    settings.ALLOWED_HOSTS = ["*"]  # even behind a permissive proxy, links never follow the Host header
    user = UserFactory(email="new@example.org", password="!unusable")
    AgentFactory(user=user)
    client.post(reverse("people:password_reset"), {"email": "NEW@example.org"}, HTTP_HOST="evil.example")
    assert len(mail.outbox) == 1
    assert "https://formation.example.fr/compte/reinitialiser/" in mail.outbox[0].body
    assert "evil.example" not in mail.outbox[0].body
    assert mail.outbox[0].alternatives


def test_password_reset_for_unknown_address_says_the_same(client):
    """The page does not reveal whether an address has an account."""
    response = client.post(reverse("people:password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert "Si un compte existe" in response.content.decode()
    assert mail.outbox == []


def test_invitation_link_sets_the_password(client):
    """The invitation e-mail's link lets the agent choose a password, then log in."""
    user = UserFactory(email="new@example.org", password="!unusable")
    AgentFactory(user=user)
    assert send_invitations([user.pk]) == 1
    link = re.search(r"https?://\S+/compte/invitation/\S+/", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    assert "choisissez votre mot de passe" in response.content.decode()
    new_password = "une phrase de passe solide"
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert response.status_code == 302
    assert login(client, "new@example.org", new_password).status_code == 302


def test_invitation_is_sent_once(client):
    """Running the invitation task twice (a retry) sends one e-mail."""
    user = UserFactory(email="new@example.org", password="!unusable")
    AgentFactory(user=user)
    send_invitations([user.pk])
    send_invitations([user.pk])
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("Votre accès à Cap Numérique")


def test_invitation_skips_users_who_chose_a_password(client):
    """Someone who already has a password is not invited."""
    user = UserFactory()
    assert send_invitations([user.pk]) == 0
    assert mail.outbox == []


def test_hr_can_resend_an_invitation(client, django_capture_on_commit_callbacks):
    """HR re-sends the invitation from the agent's page."""
    hr = HRAgentFactory()
    agent = AgentFactory(organisation=hr.organisation, user=UserFactory(password="!unusable"))
    send_invitations([agent.user_id])
    client.force_login(hr.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("people:agent_reinvite", args=[agent.pk]))
    assert len(mail.outbox) == 2


def test_weak_password_is_refused(client):
    """Choosing a short password shows the validator's message."""
    user = UserFactory(email="new@example.org", password="!unusable")
    AgentFactory(user=user)
    send_invitations([user.pk])
    link = re.search(r"/compte/invitation/\S+/", mail.outbox[0].body).group(0)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "court", "new_password2": "court"})
    assert response.status_code == 200
    assert "Le formulaire contient des erreurs" in response.content.decode()


def test_lockout_uses_the_client_address_behind_the_proxy(client, settings):
    """Behind one proxy, agents sharing the proxy's address are told apart by X-Forwarded-For."""
    settings.PROXY_COUNT = 1
    AgentFactory(user=UserFactory(email="victim@example.org"))

    def attempt(forwarded, password="bad"):
        return client.post(
            LOGIN,
            {"username": "victim@example.org", "password": password},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        attempt("203.0.113.10")
    assert attempt("203.0.113.10", DEFAULT_PASSWORD).status_code == 429
    # A spoofed left-most address does not change who the client is.
    assert attempt("198.51.100.99, 203.0.113.10", DEFAULT_PASSWORD).status_code == 429
    assert attempt("198.51.100.7", DEFAULT_PASSWORD).status_code == 302
