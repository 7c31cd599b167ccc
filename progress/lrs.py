"""Send the learning record to a Learning Record Store (xAPI 1.0.3 `statements` resource).

Statements leave in the order they were stored, in batches. A batch is sent while its rows are locked
(a second worker skips them), and marked sent only after the LRS accepted it, so an outage leaves them
queued and the next run resumes where this one stopped. Each statement carries its own id (the event's
UUID): if the LRS already holds some of a batch (it stored them but our answer was lost), the batch is
re-sent one statement at a time with PUT, where "already there" (409) counts as delivered — so the LRS
ends up with each statement exactly once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import LearningEvent

logger = logging.getLogger(__name__)

MAX_SEND_FAILURES = 5  # a statement the LRS rejects this many times stays in the record, unsent


class LrsUnavailableError(Exception):
    """The LRS could not be reached or failed (network, timeout, 5xx, 429): retry later."""


@dataclass(frozen=True)
class LrsConfig:
    endpoint: str
    username: str
    password: str
    timeout: float = 10.0
    batch_size: int = 100

    @property
    def statements_url(self) -> str:
        return self.endpoint.rstrip("/") + "/statements"


def config_from_settings() -> LrsConfig | None:
    if not settings.LRS_ENDPOINT:
        return None
    return LrsConfig(
        endpoint=settings.LRS_ENDPOINT,
        username=settings.LRS_USERNAME,
        password=settings.LRS_PASSWORD,
        timeout=settings.LRS_TIMEOUT,
        batch_size=settings.LRS_BATCH_SIZE,
    )


# Answers that blame the statements (one is malformed, some ids exist already, the batch is too large):
# retry them one by one. Any other error (404 of a wrong endpoint…) is the LRS's: retry later, unchanged.
BATCH_RETRY_ONE_BY_ONE = {400, 409, 413}
STATEMENT_REJECTED = {400, 413}

HEADERS = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}


def _request(config: LrsConfig, method: str, url: str, payload) -> requests.Response:
    try:
        response = requests.request(
            method,
            url,
            json=payload,
            headers=HEADERS,
            auth=(config.username, config.password) if config.username else None,
            timeout=config.timeout,
        )
    except requests.RequestException as exc:
        raise LrsUnavailableError(f"{method} {url}: {exc}") from exc
    if response.status_code >= 500 or response.status_code in (401, 403, 408, 429):
        raise LrsUnavailableError(f"{method} {url}: HTTP {response.status_code} {response.text[:200]}")
    return response


def _send_one(config: LrsConfig, event: LearningEvent) -> str | None:
    """PUT one statement by id. Returns None when the LRS holds it now, else the rejection."""
    url = f"{config.statements_url}?statementId={quote(str(event.id))}"
    response = _request(config, "PUT", url, event.statement)
    if response.status_code in (200, 204, 409):
        return None
    if response.status_code in STATEMENT_REJECTED:
        return f"HTTP {response.status_code} {response.text[:500]}"
    raise LrsUnavailableError(f"PUT {url}: HTTP {response.status_code} {response.text[:200]}")


@dataclass(frozen=True)
class BatchReport:
    sent: int
    rejected: int
    rejected_ids: frozenset = field(default=frozenset(), compare=False)


def send_batch(config: LrsConfig, *, now: datetime | None = None, skip: set | None = None) -> BatchReport:
    """Send the oldest unsent statements once; raises LrsUnavailableError and leaves them queued.

    `skip`: ids already rejected during this run, left for the next run (one failure per run)."""
    now = now or timezone.now()
    with transaction.atomic():
        events = list(
            LearningEvent.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True, send_failures__lt=MAX_SEND_FAILURES)
            .exclude(pk__in=skip or ())
            .order_by("stored_at", "id")[: config.batch_size]
        )
        if not events:
            return BatchReport(0, 0)
        response = _request(config, "POST", config.statements_url, [event.statement for event in events])
        if response.status_code in (200, 204):
            delivered, rejected = events, []
        elif response.status_code not in BATCH_RETRY_ONE_BY_ONE:
            raise LrsUnavailableError(f"POST {config.statements_url}: HTTP {response.status_code}")
        else:
            # 409 (some ids already stored) or 400 (one bad statement): one at a time, by id.
            delivered, rejected = [], []
            for event in events:
                error = _send_one(config, event)
                if error is None:
                    delivered.append(event)
                else:
                    event.send_failures += 1
                    event.last_error = error
                    rejected.append(event)
        LearningEvent.objects.filter(pk__in=[event.pk for event in delivered]).update(sent_at=now, last_error="")
        LearningEvent.objects.bulk_update(rejected, ["send_failures", "last_error"])
    for event in rejected:
        logger.warning("LRS rejected statement %s: %s", event.pk, event.last_error)
    return BatchReport(len(delivered), len(rejected), frozenset(event.pk for event in rejected))


def pending_count() -> int:
    return LearningEvent.objects.filter(sent_at__isnull=True, send_failures__lt=MAX_SEND_FAILURES).count()
