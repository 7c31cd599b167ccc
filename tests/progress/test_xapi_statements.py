"""xAPI 1.0.3 statements built from plain values: valid under ralph, pseudonymous actor, stable ids."""

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from progress import xapi
from progress.xapi import Activity, Context, Result, build_statement, iso_duration

from .xapi_validation import assert_valid_statement

SITE = "https://formation.example.fr"
WHEN = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)


def statement(verb="experienced", activity=None, **kwargs):
    return build_statement(
        statement_id=kwargs.pop("statement_id", uuid.uuid4()),
        site_url=kwargs.pop("site_url", SITE),
        actor_name=kwargs.pop("actor_name", "42"),
        verb=verb,
        activity=activity or Activity("lesson", 7, "Les bases du tableur"),
        timestamp=kwargs.pop("timestamp", WHEN),
        **kwargs,
    )


@pytest.mark.parametrize("verb", sorted(xapi.VERBS))
def test_every_verb_builds_a_valid_statement(verb):
    """Each verb of VERBS gives a statement ralph accepts, with ADL's IRI and French and English displays."""
    built = statement(verb)
    parsed = assert_valid_statement(built)
    iri, french, english = xapi.VERBS[verb]
    assert str(parsed.verb.id) == iri
    assert built["verb"]["display"] == {"fr-FR": french, "en-US": english}


def test_statement_carries_the_given_id():
    """The statement id is the one given (the event's UUID), so a re-send is recognised by the LRS."""
    statement_id = uuid.uuid4()
    assert statement(statement_id=statement_id)["id"] == str(statement_id)


def test_statement_version_is_absent_or_1_0_0():
    """A Learning Record Provider leaves "version" out or sets it to 1.0.0, never the patch version."""
    assert statement().get("version", "1.0.0") == "1.0.0"


def test_actor_is_an_account_on_the_site_without_personal_data():
    """The actor is an account (homePage = site URL + "/", name = agent id), with no e-mail or name."""
    actor = statement(actor_name="1234")["actor"]
    assert actor == {"objectType": "Agent", "account": {"homePage": SITE + "/", "name": "1234"}}


def test_actor_home_page_does_not_depend_on_a_trailing_slash():
    """A site URL given with a trailing slash gives the same actor and activity ids."""
    with_slash = statement(site_url=SITE + "/")
    without = statement(site_url=SITE)
    assert with_slash["actor"] == without["actor"]
    assert with_slash["object"]["id"] == without["object"]["id"]


@pytest.mark.parametrize("kind", sorted(xapi.ACTIVITY_TYPES))
def test_activity_id_is_a_stable_url_on_the_site(kind):
    """The object's id is <site>/xapi/activities/<kind>/<id>, whatever the page's name, with its type."""
    first = statement(activity=Activity(kind, 12, "Ancien titre"))["object"]
    renamed = statement(activity=Activity(kind, 12, "Nouveau titre"))["object"]
    assert first["id"] == renamed["id"] == f"{SITE}/xapi/activities/{kind}/12"
    assert first["definition"]["type"] == xapi.ACTIVITY_TYPES[kind]
    assert xapi.activity_id(SITE + "/", kind, 12) == first["id"]


def test_activity_without_name_still_has_a_name():
    """An activity with an empty title gets a placeholder: xAPI language maps hold no empty string."""
    built = statement(activity=Activity("course", 3, ""))
    assert built["object"]["definition"]["name"] == {"fr-FR": "—"}
    assert_valid_statement(built)


@pytest.mark.parametrize(
    ("percent", "scaled"),
    [(0, 0.0), (50, 0.5), (Decimal("33.33"), 0.3333), (100, 1.0), (150, 1.0), (-20, 0.0), (87.5, 0.875)],
)
def test_score_is_scaled_within_zero_and_one(percent, scaled):
    """A percentage becomes a scaled score within [0, 1] (out-of-range values clamped), raw within min/max."""
    built = statement("passed", Activity("quiz", 5, "Quiz final"), result=Result(score_percent=percent))
    score = built["result"]["score"]
    assert score["scaled"] == pytest.approx(scaled)
    assert 0 <= score["scaled"] <= 1
    assert score["min"] <= score["raw"] <= score["max"]
    assert_valid_statement(built)


@pytest.mark.parametrize("success", [True, False])
def test_success_is_kept_true_or_false(success):
    """`success` is sent as a JSON boolean, false included."""
    built = statement("failed", Activity("quiz", 5, "Quiz"), result=Result(score_percent=40, success=success))
    assert built["result"]["success"] is success
    assert assert_valid_statement(built).result.success is success


def test_empty_result_is_left_out():
    """A result with nothing in it is not sent (xAPI: no empty objects)."""
    assert "result" not in statement(result=Result())


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "PT0S"), (3723, "PT1H2M3S"), (59, "PT59S"), (60, "PT1M"), (3600, "PT1H"), (90061, "PT25H1M1S"), (-5, "PT0S")],
)
def test_iso_8601_durations(seconds, text):
    """Durations are ISO 8601 (PT…H…M…S), zero and negative values as PT0S."""
    assert iso_duration(seconds) == text


def test_result_duration_is_parsed_back_by_ralph():
    """The duration in a result reads back as the same number of seconds."""
    built = statement("completed", result=Result(completion=True, duration_seconds=3723))
    assert built["result"]["duration"] == "PT1H2M3S"
    assert assert_valid_statement(built).result.duration == timedelta(seconds=3723)


def test_naive_timestamp_is_refused():
    """A timestamp without a time zone is refused."""
    with pytest.raises(ValueError, match="time zone"):
        statement(timestamp=datetime(2026, 3, 4, 9, 30))


def test_timestamp_keeps_its_time_zone():
    """The timestamp is ISO 8601 with its offset, the same instant once parsed."""
    paris = WHEN.astimezone(timezone(timedelta(hours=1)))
    built = statement(timestamp=paris)
    assert built["timestamp"] == "2026-03-04T10:30:00+01:00"
    assert assert_valid_statement(built).timestamp == WHEN


def test_registration_is_in_the_context():
    """The enrolment's UUID is the statement's context registration."""
    registration = uuid.uuid4()
    built = statement("registered", Activity("course", 3, "Cours"), context=Context(registration=registration))
    assert built["context"]["registration"] == str(registration)
    assert assert_valid_statement(built).context.registration == registration


def test_parents_are_context_activities():
    """Parent activities (the lesson's course) are listed in contextActivities.parent, as full activities."""
    course = Activity("course", 3, "Cours")
    built = statement(context=Context(parents=(course,)))
    parents = built["context"]["contextActivities"]["parent"]
    assert [parent["id"] for parent in parents] == [f"{SITE}/xapi/activities/course/3"]
    assert parents[0]["definition"]["type"] == xapi.ACTIVITY_TYPES["course"]
    assert_valid_statement(built)


def test_context_names_platform_and_language():
    """Every statement names the platform and the language of the experience."""
    context = statement()["context"]
    assert context["platform"] == xapi.PLATFORM
    assert context["language"] == "fr-FR"


@pytest.mark.parametrize("question_type", sorted(xapi.INTERACTION_TYPES))
def test_question_activity_carries_its_interaction_type(question_type):
    """A question is a cmi.interaction with the xAPI interaction type of its quiz question type."""
    interaction = xapi.INTERACTION_TYPES[question_type]
    question = Activity("question", 31, "Combien font 2 + 2 ?", interaction_type=interaction)
    built = statement(
        "answered",
        question,
        result=Result(score_percent=100, success=True, response="4"),
        context=Context(parents=(Activity("quiz", 5, "Quiz"),), registration=uuid.uuid4()),
    )
    definition = built["object"]["definition"]
    assert definition["type"] == "http://adlnet.gov/expapi/activities/cmi.interaction"
    assert definition["interactionType"] == interaction
    assert assert_valid_statement(built).object.definition.interactionType == interaction


def test_other_activities_carry_no_interaction_type():
    """Courses, lessons and quizzes are not interactions."""
    for kind in ("course", "lesson", "quiz"):
        assert "interactionType" not in statement(activity=Activity(kind, 1, "Titre"))["object"]["definition"]


def test_long_response_is_cut():
    """A response is cut to 1,000 characters."""
    built = statement("answered", result=Result(response="x" * 5000))
    assert len(built["result"]["response"]) == 1000


def test_full_course_completion_is_valid():
    """A course completion with score, success, completion, duration, registration and parent is valid."""
    built = statement(
        "completed",
        Activity("course", 3, "Cybersécurité : les bons réflexes"),
        result=Result(score_percent=Decimal("92.50"), success=True, completion=True, duration_seconds=5400),
        context=Context(parents=(Activity("course", 1, "Parcours"),), registration=uuid.uuid4()),
    )
    assert_valid_statement(built)
