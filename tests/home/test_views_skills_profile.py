"""Mes compétences: the agent's levels and targets (chart and table), recommendations, evidence,
référents and the privacy of their positioning tests — only ever their own data."""

from datetime import datetime
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from courses.factories import CoursePageFactory
from paths.models import PathStep, TrainingPath
from people.factories import AgentFactory, OrganisationFactory, UserFactory
from progress.models import Enrollment
from quizzes.factories import QuestionFactory, QuizFactory
from quizzes.models import QuizKind
from quizzes.services import start_attempt, submit_attempt
from skills.factories import ChampionFactory, CompetenceLevelFactory, EvidenceFactory, TargetFactory, competence
from skills.models import Evidence

pytestmark = pytest.mark.django_db

JOB = "Agent d'accueil"
URL = "/mon-espace/competences/"


@pytest.fixture
def town():
    return OrganisationFactory(slug="town", name="Ville")


@pytest.fixture
def agent(town, client):
    agent = AgentFactory(organisation=town, job_title=JOB)
    client.force_login(agent.user)
    return agent


def on(day: int, month: int = 11, year: int = 2026):
    return timezone.make_aware(datetime(year, month, day, 10, 0))


def page(client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return unescape(response.content.decode())


def positioning_attempt(agent):
    """A graded positioning test: right at level 2 on 4.1, wrong at level 4."""
    quiz = QuizFactory(title="Test de positionnement numérique", kind=QuizKind.POSITIONING, pass_mark=0)
    for level in (2, 4):
        QuestionFactory(quiz=quiz, competence=competence("4.1"), level=level)
    attempt = start_attempt(quiz_id=quiz.pk, agent_id=agent.pk)
    right = next(c["key"] for c in attempt.questions[0]["choices"] if c["fraction"] == 1)
    return submit_attempt(attempt_id=attempt.pk, agent_id=agent.pk, answers={0: right})


def test_url_name():
    """The route has its fixed name."""
    assert reverse("home:skills_profile") == URL


def test_anonymous_is_sent_to_login(client):
    """The page needs a signed-in person."""
    response = client.get(URL)
    assert response.status_code == 302
    assert "next=" in response.url


def test_account_without_agent_profile_gets_a_friendly_page(client):
    """An account with no agent profile sees an explanation, not an error."""
    user = UserFactory(email="sans-profil@example.org")
    client.force_login(user)
    html = page(client)
    assert "n'est rattachée à aucune collectivité" in html
    assert "<svg" not in html


def test_levels_targets_chart_and_table(client, agent, town):
    """Levels with their CRCN label, source and date, targets and status words, an SVG and its table."""
    TargetFactory(organisation=town, job_title=JOB, competence=competence("4.1"), level=4)
    TargetFactory(organisation=town, job_title=JOB, competence=competence("1.1"), level=3)
    CompetenceLevelFactory(agent=agent, competence=competence("4.1"), level=2, observed_at=on(12))
    CompetenceLevelFactory(
        agent=agent,
        competence=competence("1.1"),
        level=4,
        source=Evidence.Source.COURSE,
        label="Rechercher sur le web",
        observed_at=on(3, 10),
    )
    html = page(client)
    assert "<h1>Mes compétences numériques</h1>" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert "1 compétence sous le niveau attendu." in html  # the chart's description
    assert "<caption" in html
    assert 'scope="rowgroup"' in html
    assert "2 — Novice" in html
    assert "4 — Indépendant" in html
    assert "Test de positionnement, 12 novembre 2026" in html
    assert "Cours terminé : Rechercher sur le web, 3 octobre 2026" in html
    assert "Sous le niveau attendu" in html
    assert "Atteint" in html
    assert "Non évalué" in html  # the 14 other competences


def test_not_assessed_shows_the_positioning_call_to_action(client, agent):
    """Never tested: the main action is the positioning test, and recommendations wait for it."""
    html = page(client)
    assert "Faire le test de positionnement (15 min)" in html
    assert f'href="{reverse("quizzes:positioning")}"' in html
    assert "Faites le test de positionnement pour recevoir des recommandations" in html
    assert "Refaire le test" not in html


def test_after_a_test_shows_its_date_and_retake(client, agent):
    """Once tested: the date of the last test and "Refaire le test"."""
    attempt = positioning_attempt(agent)
    html = page(client)
    day = date_format(timezone.localtime(attempt.submitted_at), "j F Y")
    assert f"Votre dernier test de positionnement date du {day}." in html
    assert "Refaire le test" in html
    assert "Faire le test de positionnement (15 min)" not in html


def test_recommendations_for_a_gap_list_a_live_course_with_enrol_button(client, agent, town):
    """A gap on 4.1 (2 → 4) lists the live course that trains 4.1, its duration and an enrol form."""
    TargetFactory(organisation=town, job_title=JOB, competence=competence("4.1"), level=4)
    CompetenceLevelFactory(agent=agent, competence=competence("4.1"), level=2)
    course = CoursePageFactory(title="Cybersécurité au quotidien", duration_minutes=90, competences=(("4.1", 3),))
    CoursePageFactory(title="Brouillon", competences=(("4.1", 3),), publish=False)
    html = page(client)
    assert "Votre niveau : 2 — Novice → niveau visé : 4 — Indépendant" in html
    assert f'<a href="{course.url}">Cybersécurité au quotidien</a>' in html
    assert "1 h 30" in html
    assert f'action="{reverse("progress:enroll", args=[course.pk])}"' in html
    assert "S'inscrire" in html
    assert "Brouillon" not in html


def test_enrolled_course_offers_to_resume(client, agent, town):
    """A recommended course the agent already follows shows "Reprendre" instead of "S'inscrire"."""
    TargetFactory(organisation=town, job_title=JOB, competence=competence("4.1"), level=4)
    course = CoursePageFactory(title="Cybersécurité au quotidien", competences=(("4.1", 3),))
    Enrollment.objects.create(agent=agent, course=course, course_title=course.title, enrolled_at=timezone.now())
    html = page(client)
    assert reverse("progress:resume", args=[course.pk]) in html
    assert reverse("progress:enroll", args=[course.pk]) not in html


def test_paths_holding_recommended_courses_are_listed_with_step_count(client, agent, town):
    """A path of the organisation with a recommended course is proposed, with its number of steps."""
    TargetFactory(organisation=town, job_title=JOB, competence=competence("4.1"), level=4)
    course = CoursePageFactory(title="Cybersécurité au quotidien", competences=(("4.1", 3),))
    other = CoursePageFactory(title="Messagerie", competences=(("2.1", 3),))
    path = TrainingPath.objects.create(organisation=town, title="Sécurité pour tous")
    PathStep.objects.create(path=path, course=course, position=1, required=True)
    PathStep.objects.create(path=path, course=other, position=2, required=True)
    html = page(client)
    assert "Sécurité pour tous" in html
    assert "2 étapes" in html


def test_no_gap_says_the_targets_are_reached(client, agent, town):
    """Every target reached: a clear empty state, no course list."""
    TargetFactory(organisation=town, job_title=JOB, competence=competence("4.1"), level=3)
    CompetenceLevelFactory(agent=agent, competence=competence("4.1"), level=5)
    html = page(client)
    assert "Vous atteignez les niveaux attendus" in html
    assert "S'inscrire" not in html


def test_evidence_history(client, agent):
    """Each piece of evidence: date, what it was, competence and level."""
    EvidenceFactory(
        agent=agent,
        competence=competence("4.1"),
        level=3,
        source=Evidence.Source.COURSE,
        label="Cybersécurité au quotidien",
        observed_at=on(28),
    )
    html = page(client)
    assert "Cours terminé : Cybersécurité au quotidien" in html
    assert "28 novembre 2026" in html


def test_volunteer_form_from_level_five_and_withdraw_when_champion(client, agent):
    """Level 5 on 1.1: a form to volunteer; already référent on 3.1: a button to withdraw."""
    CompetenceLevelFactory(agent=agent, competence=competence("1.1"), level=5)
    CompetenceLevelFactory(agent=agent, competence=competence("3.1"), level=6)
    ChampionFactory(agent=agent, competence=competence("3.1"))
    html = page(client)
    volunteer = html.split(f'action="{reverse("skills:volunteer")}"')
    assert len(volunteer) == 2
    assert f'name="competence" value="{competence("1.1").pk}"' in volunteer[1]
    assert 'name="note"' in volunteer[1]
    withdraw = html.split(f'action="{reverse("skills:withdraw")}"')
    assert len(withdraw) == 2
    assert f'name="competence" value="{competence("3.1").pk}"' in withdraw[1]
    assert reverse("skills:champions") in html


def test_below_level_five_no_volunteer_form(client, agent):
    """Under level 5 everywhere: no volunteering form, a word on why."""
    CompetenceLevelFactory(agent=agent, competence=competence("1.1"), level=4)
    html = page(client)
    assert reverse("skills:volunteer") not in html
    assert "n'atteint encore le niveau 5" in html


def test_privacy_section_lists_tests_with_review_and_share_toggle(client, agent):
    """A positioning test: its review link and the form to share it, private by default."""
    attempt = positioning_attempt(agent)
    html = page(client)
    assert "Par défaut, les RH voient vos niveaux et vos formations terminées, pas vos réponses." in html
    assert reverse("quizzes:review", args=[attempt.pk]) in html
    form = html.split(f'action="{reverse("quizzes:share", args=[attempt.pk])}"')[1].split("</form>")[0]
    assert 'name="partager" value="1"' in form
    assert "Partager mes réponses détaillées avec les RH" in form
    attempt.shared_with_hr = True
    attempt.save()
    form = page(client).split(f'action="{reverse("quizzes:share", args=[attempt.pk])}"')[1].split("</form>")[0]
    assert 'name="partager" value="0"' in form
    assert "Ne plus partager" in form


def test_agent_only_sees_their_own_data(client, agent, town):
    """A colleague's levels, evidence, référent role and tests never show on the agent's page."""
    colleague = AgentFactory(organisation=town, job_title=JOB)
    CompetenceLevelFactory(agent=colleague, competence=competence("1.1"), level=7)
    ChampionFactory(agent=colleague, competence=competence("1.1"))
    EvidenceFactory(agent=colleague, competence=competence("1.1"), level=7, label="Campagne Pix secrète", source="pix")
    other_attempt = positioning_attempt(colleague)
    html = page(client)
    assert "7 — Expert" not in html
    assert "Campagne Pix secrète" not in html
    assert reverse("skills:withdraw") not in html
    assert reverse("quizzes:review", args=[other_attempt.pk]) not in html
    assert "Faire le test de positionnement (15 min)" in html
