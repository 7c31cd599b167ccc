"""Rules of assignments, as pure functions of plain values (tested without a database).

Due dates
- fixed date: that date;
- N days after assignment: assignment day + N;
- N days after hire: hire date + N, but never less than GRACE_DAYS after the assignment (an agent hired
  years ago is not overdue on the day HR assigns the path); without a hire date, counted from assignment.

Status of one agent's assignment: completed (with a date) › overdue (due date passed) › in progress (a
step started) › not started.

Notifications (each kind at most once per agent assignment; reminders only on working days — not on
Saturdays, Sundays or French public holidays):
- assigned: when the assignment reaches the agent;
- reminder_7: from 7 days before the due date, on the first working day of that window;
- reminder_1: on the last working day before the due date;
- overdue: on the first working day after the due date;
- escalation to the manager after M days overdue, to HR after H days (working days only as well).
Completed assignments get nothing more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta

GRACE_DAYS = 14
DEFAULT_RENEWAL_DAYS = 30

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
OVERDUE = "overdue"

ASSIGNED = "assigned"
REMINDER_7 = "reminder_7"
REMINDER_1 = "reminder_1"
OVERDUE_NOTICE = "overdue"
ESCALATION_MANAGER = "escalation_manager"
ESCALATION_HR = "escalation_hr"


def due_date_for(
    *,
    mode: str,
    assigned_on: date,
    fixed_date: date | None = None,
    days: int | None = None,
    hire_date: date | None = None,
) -> date:
    if mode == "date":
        if fixed_date is None:
            raise ValueError("A fixed due date is needed.")
        return fixed_date
    if mode not in ("after_assignment", "after_hire"):
        raise ValueError(f"Unknown due date mode: {mode!r}.")
    if not days or days < 1:
        raise ValueError("A relative due date needs a number of days.")
    if mode == "after_hire" and hire_date is not None:
        return max(hire_date + timedelta(days=days), assigned_on + timedelta(days=GRACE_DAYS))
    return assigned_on + timedelta(days=days)


def status_of(*, completed_at: datetime | None, started_at: datetime | None, due_date: date, today: date) -> str:
    if completed_at is not None:
        return COMPLETED
    if due_date < today:
        return OVERDUE
    if started_at is not None:
        return IN_PROGRESS
    return NOT_STARTED


def path_complete(*, required_course_ids: Iterable[int], completed_course_ids: Iterable[int]) -> bool:
    """Every required step done; a path without a required step is never complete."""
    required = set(required_course_ids)
    return bool(required) and required <= set(completed_course_ids)


def expiry_date(completed_on: date, validity_months: int | None) -> date | None:
    if not validity_months:
        return None
    return completed_on + relativedelta(months=validity_months)


def renewal_due_date(renewed_on: date, days: int | None) -> date:
    return renewed_on + timedelta(days=days or DEFAULT_RENEWAL_DAYS)


def is_working_day(day: date, holidays: Iterable[date] | Callable[[date], bool]) -> bool:
    if day.weekday() >= 5:
        return False
    if callable(holidays):
        return not holidays(day)
    return day not in set(holidays)


def _first_working_day_from(day: date, working: Callable[[date], bool]) -> date:
    while not working(day):
        day += timedelta(days=1)
    return day


def _last_working_day_before(day: date, working: Callable[[date], bool]) -> date:
    day -= timedelta(days=1)
    while not working(day):
        day -= timedelta(days=1)
    return day


def notifications_due(
    *,
    today: date,
    due_date: date,
    completed: bool,
    sent: Iterable[str],
    working: Callable[[date], bool],
    escalate_manager_after: int,
    escalate_hr_after: int,
    has_manager: bool,
) -> list[str]:
    """The notification kinds to send today for one agent assignment, in order."""
    sent = set(sent)
    kinds: list[str] = []
    if ASSIGNED not in sent:
        kinds.append(ASSIGNED)
    if completed or not working(today):
        return kinds
    last_before = _last_working_day_before(due_date, working)
    if today <= due_date:  # the due date itself is not late yet
        if REMINDER_1 not in sent and today >= last_before:
            kinds.append(REMINDER_1)
        elif (
            REMINDER_7 not in sent
            and REMINDER_1 not in sent
            and today >= _first_working_day_from(due_date - timedelta(days=7), working)
            and today < last_before
        ):
            kinds.append(REMINDER_7)
        return kinds
    if OVERDUE_NOTICE not in sent:
        kinds.append(OVERDUE_NOTICE)
    late = (today - due_date).days
    if has_manager and ESCALATION_MANAGER not in sent and late >= escalate_manager_after:
        kinds.append(ESCALATION_MANAGER)
    if ESCALATION_HR not in sent and late >= escalate_hr_after:
        kinds.append(ESCALATION_HR)
    return kinds


def iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def is_digest_day(today: date, working: Callable[[date], bool]) -> bool:
    """The weekly digest goes out on the first working day of the ISO week."""
    monday = today - timedelta(days=today.weekday())
    return working(today) and _first_working_day_from(monday, working) == today
