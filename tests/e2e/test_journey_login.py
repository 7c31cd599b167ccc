"""Journey: an agent signs in with the login form and lands on Mon espace."""

import re

import pytest
from playwright.sync_api import expect

from people.factories import DEFAULT_PASSWORD, AgentFactory, OrganisationFactory, ServiceFactory

pytestmark = pytest.mark.django_db(transaction=True)

LOGIN_PATH = "/compte/connexion/"
DASHBOARD_PATH = "/mon-espace/"


@pytest.fixture
def agent():
    organisation = OrganisationFactory(name="Commune de Saint-Aubin-des-Bois", slug="saint-aubin-des-bois")
    direction = ServiceFactory(organisation=organisation, name="Direction des services à la population")
    service = ServiceFactory(parent=direction, name="État civil")
    return AgentFactory(
        organisation=organisation,
        service=service,
        user__first_name="Hélène",
        user__last_name="Lefèvre",
        user__email="helene.lefevre@saint-aubin.example.org",
    )


def test_agent_logs_in_by_keyboard_with_an_upper_case_email(page, live_server, agent):
    """Typing the e-mail in capitals, Tab and Enter only, leads to Mon espace."""
    page.goto(LOGIN_PATH)
    email = page.get_by_label("Adresse e-mail")
    expect(email).to_be_focused()
    page.keyboard.type(agent.user.email.upper())
    page.keyboard.press("Tab")
    expect(page.get_by_label("Mot de passe")).to_be_focused()
    page.keyboard.type(DEFAULT_PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Se connecter")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(live_server.url + DASHBOARD_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")


def test_mon_espace_shows_the_agent_name_organisation_and_service(page, live_server, agent, login):
    """Mon espace greets the agent by name and names their organisation and service."""
    login(page, live_server, agent.user.email, DEFAULT_PASSWORD)

    expect(page.get_by_text("Bonjour Hélène Lefèvre")).to_be_visible()
    profile = page.get_by_role("region", name="Mon profil")
    expect(profile).to_be_visible()
    expect(profile.locator("dt", has_text="Organisation").locator("+ dd")).to_have_text(
        "Commune de Saint-Aubin-des-Bois"
    )
    expect(profile.locator("dt", has_text="Service").locator("+ dd")).to_have_text(
        "Direction des services à la population / État civil"
    )


def test_wrong_password_shows_the_error_summary_with_the_focus_on_it(page, live_server, agent):
    """A wrong password keeps the agent on the form, with the focus on the error summary."""
    page.goto(LOGIN_PATH)
    page.get_by_label("Adresse e-mail").fill(agent.user.email)
    page.get_by_label("Mot de passe").fill("not-the-password")
    page.get_by_role("button", name="Se connecter").click()

    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Le formulaire contient des erreurs")
    expect(summary).to_contain_text("Adresse e-mail ou mot de passe incorrect")
    expect(page).to_have_url(re.compile(re.escape(LOGIN_PATH)))


def test_login_page_has_no_axe_violation(page, live_server, assert_no_axe_violations):
    """The login form meets WCAG 2.1 AA as far as axe can tell."""
    page.goto(LOGIN_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    assert_no_axe_violations(page)


def test_login_error_state_has_no_axe_violation(page, live_server, agent, assert_no_axe_violations):
    """The login form with its error summary meets WCAG 2.1 AA as far as axe can tell."""
    page.goto(LOGIN_PATH)
    page.get_by_label("Adresse e-mail").fill(agent.user.email)
    page.get_by_label("Mot de passe").fill("not-the-password")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_no_axe_violations(page)


def test_mon_espace_has_no_axe_violation(page, live_server, agent, login, assert_no_axe_violations):
    """Mon espace meets WCAG 2.1 AA as far as axe can tell."""
    login(page, live_server, agent.user.email, DEFAULT_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    assert_no_axe_violations(page)


def test_login_and_mon_espace_on_a_phone_have_no_axe_violation(
    phone_page, live_server, agent, login, assert_no_axe_violations
):
    """On a 360 px phone, the login page and Mon espace meet WCAG 2.1 AA as far as axe can tell."""
    phone_page.goto(LOGIN_PATH)
    assert_no_axe_violations(phone_page)
    login(phone_page, live_server, agent.user.email, DEFAULT_PASSWORD)
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    assert_no_axe_violations(phone_page)


def test_nothing_scrolls_sideways_on_a_phone(phone_page, live_server, agent, login):
    """On a 360 px phone, neither the login page nor Mon espace is wider than the screen."""
    phone_page.goto(LOGIN_PATH)
    widths = {"login": phone_page.evaluate("document.documentElement.scrollWidth")}
    login(phone_page, live_server, agent.user.email, DEFAULT_PASSWORD)
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    widths["mon espace"] = phone_page.evaluate("document.documentElement.scrollWidth")
    assert widths == {"login": 360, "mon espace": 360}


def test_field_error_is_read_with_its_field(page, live_server):
    """An empty e-mail field is described by its error message when it receives the focus."""
    page.goto(LOGIN_PATH)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Adresse e-mail")).to_have_accessible_description(re.compile("Champ requis"))
