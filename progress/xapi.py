"""xAPI 1.0.3 statements, built from plain values (no database access).

- Actor: an account on this platform (`homePage` = the site URL, `name` = the agent's stable id). No
  e-mail or name leaves the platform: the LRS needs a stable identity, not personal data.
- Verbs: ADL's registry (http://adlnet.gov/expapi/verbs/…), with French and English displays.
- Activities: stable URLs on this site (`<site>/xapi/activities/<kind>/<id>`), which redirect a signed-in
  visitor to the current page; the id never changes when a page is renamed or moved.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

# Statements carry no "version": xAPI 1.0.3 §2.4.10 leaves it to the LRS (the version travels in the
# X-Experience-API-Version header of the request).
XAPI_VERSION = "1.0.3"
PLATFORM = "Cap Numérique"

VERBS: dict[str, tuple[str, str, str]] = {
    # key: (IRI, French display, English display)
    "registered": ("http://adlnet.gov/expapi/verbs/registered", "s'est inscrit à", "registered"),
    "experienced": ("http://adlnet.gov/expapi/verbs/experienced", "a consulté", "experienced"),
    "completed": ("http://adlnet.gov/expapi/verbs/completed", "a terminé", "completed"),
    "attempted": ("http://adlnet.gov/expapi/verbs/attempted", "a commencé", "attempted"),
    "answered": ("http://adlnet.gov/expapi/verbs/answered", "a répondu à", "answered"),
    "passed": ("http://adlnet.gov/expapi/verbs/passed", "a réussi", "passed"),
    "failed": ("http://adlnet.gov/expapi/verbs/failed", "a échoué à", "failed"),
}

ACTIVITY_TYPES = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "quiz": "http://adlnet.gov/expapi/activities/assessment",
    "question": "http://adlnet.gov/expapi/activities/cmi.interaction",
}

# Question types of the quiz engine → xAPI interaction types (cmi.interaction).
INTERACTION_TYPES = {
    "single_choice": "choice",
    "multiple_choice": "choice",
    "true_false": "true-false",
    "short_answer": "fill-in",
    "numerical": "numeric",
    "essay": "long-fill-in",
    "matching": "matching",
    "ordering": "sequencing",
}


@dataclass(frozen=True)
class Activity:
    kind: str  # course, lesson, quiz, question
    pk: int
    name: str
    interaction_type: str | None = None


@dataclass(frozen=True)
class Result:
    score_percent: Decimal | float | None = None
    success: bool | None = None
    completion: bool | None = None
    duration_seconds: int | None = None
    response: str | None = None


@dataclass(frozen=True)
class Context:
    parents: tuple[Activity, ...] = ()
    registration: uuid.UUID | None = None
    extra: dict = field(default_factory=dict)


def activity_id(site_url: str, kind: str, pk: int) -> str:
    return f"{site_url.rstrip('/')}/xapi/activities/{kind}/{pk}"


def iso_duration(seconds: int) -> str:
    """ISO 8601 duration: PT1H2M3S."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if secs or text == "PT":
        text += f"{secs}S"
    return text


def _activity(site_url: str, activity: Activity) -> dict:
    definition: dict = {"type": ACTIVITY_TYPES[activity.kind], "name": {"fr-FR": activity.name or "—"}}
    if activity.interaction_type:
        definition["interactionType"] = activity.interaction_type
    return {"objectType": "Activity", "id": activity_id(site_url, activity.kind, activity.pk), "definition": definition}


def _result(result: Result) -> dict:
    data: dict = {}
    if result.score_percent is not None:
        percent = Decimal(str(result.score_percent))
        percent = min(max(percent, Decimal(0)), Decimal(100))
        data["score"] = {"scaled": float(percent / 100), "raw": float(percent), "min": 0, "max": 100}
    if result.success is not None:
        data["success"] = bool(result.success)
    if result.completion is not None:
        data["completion"] = bool(result.completion)
    if result.duration_seconds is not None:
        data["duration"] = iso_duration(result.duration_seconds)
    if result.response is not None:
        data["response"] = result.response[:1000]
    return data


def build_statement(
    *,
    statement_id: uuid.UUID,
    site_url: str,
    actor_name: str,
    verb: str,
    activity: Activity,
    timestamp: datetime,
    result: Result | None = None,
    context: Context | None = None,
) -> dict:
    """One statement as a JSON-ready dict. `timestamp` must be timezone-aware."""
    if timestamp.tzinfo is None:
        raise ValueError("xAPI timestamps must carry a time zone.")
    iri, french, english = VERBS[verb]
    statement: dict = {
        "id": str(statement_id),
        "actor": {"objectType": "Agent", "account": {"homePage": site_url.rstrip("/") + "/", "name": actor_name}},
        "verb": {"id": iri, "display": {"fr-FR": french, "en-US": english}},
        "object": _activity(site_url, activity),
        "timestamp": timestamp.isoformat(),
    }
    if result is not None:
        data = _result(result)
        if data:
            statement["result"] = data
    ctx: dict = {"platform": PLATFORM, "language": "fr-FR"}
    if context is not None:
        if context.registration is not None:
            ctx["registration"] = str(context.registration)
        if context.parents:
            ctx["contextActivities"] = {"parent": [_activity(site_url, parent) for parent in context.parents]}
        if context.extra:
            ctx["extensions"] = dict(context.extra)
    statement["context"] = ctx
    return statement
