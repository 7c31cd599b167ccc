"""The rules of assignments, as pure functions: due dates, status, completion, validity, working days,
which notices are due on a given day, and the day of the weekly digest. No database."""

from datetime import UTC, date, datetime, timedelta

import pytest

from paths import rules
from paths.notifications import working_day_checker
from paths.rules import (
    ASSIGNED,
    ESCALATION_HR,
    ESCALATION_MANAGER,
    OVERDUE_NOTICE,
    REMINDER_1,
    REMINDER_7,
    due_date_for,
    expiry_date,
    is_digest_day,
    is_working_day,
    iso_week,
    notifications_due,
    path_complete,
    renewal_due_date,
    status_of,
)

WORKING = working_day_checker("")
ALSACE_MOSELLE = working_day_checker("57")

ASSIGNED_ON = date(2027, 6, 14)  # a Monday
NOON = datetime(2027, 6, 1, 12, tzinfo=UTC)

# Every notice before the due date already sent: what remains is what comes after it.
BEFORE_DUE_SENT = (ASSIGNED, REMINDER_7, REMINDER_1)


def due(today: date, due_date: date, *, sent=(ASSIGNED,), completed=False, has_manager=True, manager=7, hr=21):
    """The kinds due on `today` with the French calendar and the default escalation delays."""
    return notifications_due(
        today=today,
        due_date=due_date,
        completed=completed,
        sent=sent,
        working=WORKING,
        escalate_manager_after=manager,
        escalate_hr_after=hr,
        has_manager=has_manager,
    )


# due_date_for


def test_fixed_due_date_is_that_date():
    """A fixed due date is used as it is."""
    assert due_date_for(mode="date", assigned_on=ASSIGNED_ON, fixed_date=date(2027, 9, 1)) == date(2027, 9, 1)


def test_fixed_mode_without_a_date_is_refused():
    """The fixed mode without a date raises ValueError."""
    with pytest.raises(ValueError, match="fixed due date"):
        due_date_for(mode="date", assigned_on=ASSIGNED_ON)


def test_after_assignment_counts_from_the_assignment_day():
    """N days after assignment: assignment day + N."""
    assert due_date_for(mode="after_assignment", assigned_on=ASSIGNED_ON, days=30) == date(2027, 7, 14)


def test_after_hire_for_an_agent_hired_long_ago_gets_the_grace_period():
    """An agent hired years ago gets assignment + 14 days, not a date already past."""
    result = due_date_for(mode="after_hire", assigned_on=ASSIGNED_ON, days=60, hire_date=date(2015, 3, 2))
    assert result == ASSIGNED_ON + timedelta(days=rules.GRACE_DAYS) == date(2027, 6, 28)


def test_after_hire_for_a_recent_hire_counts_from_the_hire_date():
    """An agent hired recently has hire date + N when that is later than the grace period."""
    result = due_date_for(mode="after_hire", assigned_on=ASSIGNED_ON, days=60, hire_date=date(2027, 6, 1))
    assert result == date(2027, 7, 31)


def test_after_hire_never_gives_less_than_the_grace_period():
    """A recent hire whose hire date + N falls within 14 days of the assignment gets the grace period."""
    result = due_date_for(mode="after_hire", assigned_on=ASSIGNED_ON, days=15, hire_date=date(2027, 6, 4))
    assert result == date(2027, 6, 28)


def test_after_hire_without_a_hire_date_counts_from_the_assignment():
    """Without a hire date, N days after hire counts from the assignment day."""
    assert due_date_for(mode="after_hire", assigned_on=ASSIGNED_ON, days=60) == date(2027, 8, 13)


@pytest.mark.parametrize("mode", ["after_assignment", "after_hire"])
@pytest.mark.parametrize("days", [None, 0, -3])
def test_relative_mode_without_a_positive_number_of_days_is_refused(mode, days):
    """A relative due date without a positive number of days raises ValueError."""
    with pytest.raises(ValueError, match="number of days"):
        due_date_for(mode=mode, assigned_on=ASSIGNED_ON, days=days, hire_date=date(2027, 6, 1))


# status_of


def test_completed_beats_overdue():
    """A completion is "completed" even after the due date."""
    assert status_of(completed_at=NOON, started_at=NOON, due_date=date(2027, 5, 1), today=date(2027, 6, 1)) == (
        rules.COMPLETED
    )


def test_overdue_beats_in_progress():
    """A started assignment past its due date is overdue."""
    result = status_of(completed_at=None, started_at=NOON, due_date=date(2027, 5, 31), today=date(2027, 6, 1))
    assert result == rules.OVERDUE


def test_started_before_the_due_date_is_in_progress():
    """A started assignment not yet due is in progress."""
    result = status_of(completed_at=None, started_at=NOON, due_date=date(2027, 6, 30), today=date(2027, 6, 1))
    assert result == rules.IN_PROGRESS


def test_untouched_before_the_due_date_is_not_started():
    """Nothing started and not yet due: not started."""
    result = status_of(completed_at=None, started_at=None, due_date=date(2027, 6, 30), today=date(2027, 6, 1))
    assert result == rules.NOT_STARTED


def test_due_today_is_not_overdue_yet():
    """On the due date itself the assignment is not overdue."""
    result = status_of(completed_at=None, started_at=None, due_date=date(2027, 6, 1), today=date(2027, 6, 1))
    assert result == rules.NOT_STARTED


# path_complete


def test_path_without_a_required_step_is_never_complete():
    """No required step: never complete, whatever was done."""
    assert path_complete(required_course_ids=[], completed_course_ids=[1, 2]) is False


def test_path_complete_when_every_required_course_is_done():
    """Every required course done (and others besides): complete."""
    assert path_complete(required_course_ids=[1, 2], completed_course_ids=[2, 1, 7]) is True


def test_path_incomplete_while_a_required_course_is_missing():
    """One required course missing: not complete."""
    assert path_complete(required_course_ids=[1, 2], completed_course_ids=[1, 7]) is False


# expiry_date and renewal_due_date


def test_expiry_from_the_31st_ends_on_the_last_day_of_a_short_month():
    """31 January + 1 month is 28 February."""
    assert expiry_date(date(2027, 1, 31), 1) == date(2027, 2, 28)


def test_expiry_from_the_31st_in_a_leap_year_ends_on_the_29th():
    """31 January 2028 + 1 month is 29 February 2028."""
    assert expiry_date(date(2028, 1, 31), 1) == date(2028, 2, 29)


def test_expiry_after_a_year():
    """12 months of validity end on the same day a year later."""
    assert expiry_date(date(2027, 3, 15), 12) == date(2028, 3, 15)


@pytest.mark.parametrize("months", [None, 0])
def test_no_validity_never_expires(months):
    """Without a validity, a completion has no expiry date."""
    assert expiry_date(date(2027, 3, 15), months) is None


def test_renewal_due_date_defaults_to_thirty_days():
    """A renewal without a number of days is due 30 days later."""
    assert renewal_due_date(date(2027, 3, 1), None) == date(2027, 3, 31)


# is_working_day


@pytest.mark.parametrize("day", [date(2027, 6, 12), date(2027, 6, 13)], ids=["saturday", "sunday"])
def test_weekends_are_not_working_days(day):
    """Saturdays and Sundays are not working days."""
    assert WORKING(day) is False


def test_an_ordinary_weekday_is_a_working_day():
    """A Tuesday without holiday is a working day."""
    assert WORKING(date(2027, 6, 15)) is True


@pytest.mark.parametrize(
    "day",
    [date(2027, 7, 14), date(2027, 5, 6), date(2027, 3, 29), date(2027, 5, 17), date(2027, 11, 11)],
    ids=["14-july", "ascension", "easter-monday", "whit-monday", "armistice"],
)
def test_french_public_holidays_are_not_working_days(day):
    """French public holidays falling on a weekday are not working days."""
    assert WORKING(day) is False


def test_good_friday_is_a_working_day_outside_alsace_moselle():
    """Good Friday 2027 is worked in most of France."""
    assert WORKING(date(2027, 3, 26)) is True


def test_good_friday_is_a_holiday_in_moselle():
    """Good Friday 2027 is a holiday in Moselle (subdivision 57)."""
    assert ALSACE_MOSELLE(date(2027, 3, 26)) is False


def test_saint_stephen_is_a_working_day_outside_alsace_moselle():
    """26 December 2028 (a Tuesday) is worked in most of France."""
    assert WORKING(date(2028, 12, 26)) is True


def test_saint_stephen_is_a_holiday_in_moselle():
    """26 December 2028 is a holiday in Moselle (subdivision 57)."""
    assert ALSACE_MOSELLE(date(2028, 12, 26)) is False


def test_is_working_day_accepts_a_list_of_holidays():
    """A plain collection of dates works as the holiday calendar."""
    assert is_working_day(date(2027, 6, 15), [date(2027, 6, 15)]) is False
    assert is_working_day(date(2027, 6, 16), [date(2027, 6, 15)]) is True


# notifications_due: the assignment notice


def test_assigned_comes_first_and_alone_far_from_the_due_date():
    """A new assignment far from its due date gets only the assignment notice."""
    assert due(ASSIGNED_ON, date(2027, 9, 1), sent=()) == [ASSIGNED]


def test_assigned_is_sent_on_a_weekend_too():
    """The assignment notice does not wait for a working day."""
    assert due(date(2027, 6, 12), date(2027, 9, 1), sent=()) == [ASSIGNED]


def test_assigned_is_listed_before_a_reminder_due_the_same_day():
    """A short assignment gets its notice first, then the reminder already due."""
    assert due(ASSIGNED_ON, date(2027, 6, 18), sent=()) == [ASSIGNED, REMINDER_7]


def test_assigned_is_sent_once():
    """Once sent, the assignment notice is not due again."""
    assert due(ASSIGNED_ON, date(2027, 9, 1), sent=(ASSIGNED,)) == []


# notifications_due: reminders before the due date


def test_reminder_7_is_due_seven_days_before():
    """Due on Wednesday 23 June: reminder_7 on Wednesday 16 June."""
    assert due(date(2027, 6, 16), date(2027, 6, 23)) == [REMINDER_7]


def test_no_reminder_7_before_its_window_opens():
    """The day before the 7-day window opens, nothing is due."""
    assert due(date(2027, 6, 15), date(2027, 6, 23)) == []


def test_reminder_7_moves_to_monday_when_the_window_opens_on_a_saturday():
    """Due Saturday 26 June (window opens Saturday 19): reminder_7 on Monday 21 June."""
    assert due(date(2027, 6, 19), date(2027, 6, 26)) == []
    assert due(date(2027, 6, 20), date(2027, 6, 26)) == []
    assert due(date(2027, 6, 21), date(2027, 6, 26)) == [REMINDER_7]


def test_reminder_7_missed_on_its_first_day_is_sent_the_next_working_day():
    """The reminder window stays open: a run missed on the first day sends it the next working day."""
    assert due(date(2027, 6, 17), date(2027, 6, 23)) == [REMINDER_7]


def test_reminder_7_is_not_sent_twice():
    """Once sent, reminder_7 is not due again within the window."""
    assert due(date(2027, 6, 17), date(2027, 6, 23), sent=(ASSIGNED, REMINDER_7)) == []


def test_reminder_1_on_the_last_working_day_before_the_due_date():
    """Due Wednesday 23 June: reminder_1 on Tuesday 22 June."""
    assert due(date(2027, 6, 22), date(2027, 6, 23), sent=(ASSIGNED, REMINDER_7)) == [REMINDER_1]


def test_reminder_1_on_friday_for_a_monday_due_date():
    """Due Monday 28 June: reminder_1 on Friday 25 June, nothing over the weekend."""
    sent = (ASSIGNED, REMINDER_7)
    assert due(date(2027, 6, 25), date(2027, 6, 28), sent=sent) == [REMINDER_1]
    assert due(date(2027, 6, 26), date(2027, 6, 28), sent=(*sent, REMINDER_1)) == []
    assert due(date(2027, 6, 27), date(2027, 6, 28), sent=(*sent, REMINDER_1)) == []


def test_reminder_1_skips_the_public_holiday_before_the_due_date():
    """Due Thursday 15 July 2027: reminder_1 on Tuesday 13 July (14 July is a holiday)."""
    sent = (ASSIGNED, REMINDER_7)
    assert due(date(2027, 7, 13), date(2027, 7, 15), sent=sent) == [REMINDER_1]
    assert due(date(2027, 7, 14), date(2027, 7, 15), sent=sent) == []


def test_reminder_7_and_reminder_1_are_never_sent_the_same_day():
    """When both are due (a short delay), only reminder_1 goes out."""
    assert due(date(2027, 6, 22), date(2027, 6, 23)) == [REMINDER_1]


def test_reminder_7_is_not_sent_after_reminder_1():
    """Once the last reminder went out, the earlier one is never sent."""
    assert due(date(2027, 6, 22), date(2027, 6, 23), sent=(ASSIGNED, REMINDER_1)) == []


@pytest.mark.parametrize(
    "today", [date(2027, 6, 19), date(2027, 6, 20), date(2027, 7, 14)], ids=["saturday", "sunday", "14-july"]
)
def test_nothing_but_the_assignment_notice_on_non_working_days(today):
    """On weekends and holidays only the assignment notice may go out, even when a reminder is pending."""
    assert due(today, today + timedelta(days=3), sent=()) == [ASSIGNED]
    assert due(today, today - timedelta(days=30), sent=(ASSIGNED,)) == []


# notifications_due: after the due date


def test_no_overdue_notice_on_the_due_date_itself():
    """On a working due date, the assignment is not overdue yet: no overdue notice."""
    assert due(date(2027, 6, 23), date(2027, 6, 23), sent=BEFORE_DUE_SENT) == []


def test_overdue_the_working_day_after_the_due_date():
    """Due Wednesday 23 June: overdue notice on Thursday 24 June."""
    assert due(date(2027, 6, 24), date(2027, 6, 23), sent=BEFORE_DUE_SENT) == [OVERDUE_NOTICE]


def test_overdue_waits_for_monday_after_a_friday_due_date():
    """Due Friday 25 June: nothing over the weekend, overdue notice on Monday 28 June."""
    assert due(date(2027, 6, 26), date(2027, 6, 25), sent=BEFORE_DUE_SENT) == []
    assert due(date(2027, 6, 27), date(2027, 6, 25), sent=BEFORE_DUE_SENT) == []
    assert due(date(2027, 6, 28), date(2027, 6, 25), sent=BEFORE_DUE_SENT) == [OVERDUE_NOTICE]


def test_overdue_is_sent_once():
    """Once sent, the overdue notice is not due again."""
    assert due(date(2027, 6, 25), date(2027, 6, 23), sent=(*BEFORE_DUE_SENT, OVERDUE_NOTICE)) == []


def test_manager_escalation_after_m_days_late():
    """Due 23 June, M = 7: the manager is alerted on 30 June, not on 29 June."""
    sent = (*BEFORE_DUE_SENT, OVERDUE_NOTICE)
    assert due(date(2027, 6, 29), date(2027, 6, 23), sent=sent) == []
    assert due(date(2027, 6, 30), date(2027, 6, 23), sent=sent) == [ESCALATION_MANAGER]


def test_manager_escalation_follows_the_organisation_delay():
    """With M = 3, the manager is alerted 3 days late."""
    sent = (*BEFORE_DUE_SENT, OVERDUE_NOTICE)
    assert due(date(2027, 6, 28), date(2027, 6, 25), sent=sent, manager=3) == [ESCALATION_MANAGER]


def test_manager_escalation_falling_on_a_weekend_goes_out_on_monday():
    """Due Friday 25 June, M = 8 lands on Saturday 3 July: the alert goes out on Monday 5 July."""
    sent = (*BEFORE_DUE_SENT, OVERDUE_NOTICE)
    assert due(date(2027, 7, 3), date(2027, 6, 25), sent=sent, manager=8) == []
    assert due(date(2027, 7, 5), date(2027, 6, 25), sent=sent, manager=8) == [ESCALATION_MANAGER]


def test_no_manager_escalation_without_a_manager():
    """An agent without a manager: no manager escalation, ever."""
    sent = (*BEFORE_DUE_SENT, OVERDUE_NOTICE)
    assert due(date(2027, 6, 30), date(2027, 6, 23), sent=sent, has_manager=False) == []


def test_hr_escalation_after_h_days_late():
    """Due 23 June, H = 21: HR is alerted on 14 July... a holiday, so on Thursday 15 July."""
    sent = (*BEFORE_DUE_SENT, OVERDUE_NOTICE, ESCALATION_MANAGER)
    assert due(date(2027, 7, 13), date(2027, 6, 23), sent=sent) == []
    assert due(date(2027, 7, 14), date(2027, 6, 23), sent=sent) == []
    assert due(date(2027, 7, 15), date(2027, 6, 23), sent=sent) == [ESCALATION_HR]


def test_hr_escalation_does_not_need_a_manager():
    """HR is alerted even for an agent without a manager."""
    sent = (*BEFORE_DUE_SENT, OVERDUE_NOTICE)
    assert due(date(2027, 7, 15), date(2027, 6, 23), sent=sent, has_manager=False) == [ESCALATION_HR]


def test_escalations_are_sent_once():
    """Once both escalations went out, nothing more is due."""
    sent = (*BEFORE_DUE_SENT, OVERDUE_NOTICE, ESCALATION_MANAGER, ESCALATION_HR)
    assert due(date(2027, 9, 1), date(2027, 6, 23), sent=sent) == []


def test_a_long_overdue_assignment_catches_up_in_order():
    """Seen for the first time long after its due date: every notice still owed, in order."""
    assert due(date(2027, 9, 1), date(2027, 6, 23), sent=()) == [
        ASSIGNED,
        OVERDUE_NOTICE,
        ESCALATION_MANAGER,
        ESCALATION_HR,
    ]


# notifications_due: completed assignments


def test_completed_gets_only_the_missing_assignment_notice():
    """A completed assignment may still get its assignment notice, and nothing else."""
    assert due(date(2027, 6, 22), date(2027, 6, 23), sent=(), completed=True) == [ASSIGNED]


def test_completed_gets_nothing_once_notified():
    """A completed assignment past its due date gets no overdue notice nor escalation."""
    assert due(date(2027, 9, 1), date(2027, 6, 23), sent=(ASSIGNED,), completed=True) == []


# The weekly digest


def test_digest_day_is_monday():
    """An ordinary Monday is the digest day."""
    assert is_digest_day(date(2027, 6, 14), WORKING) is True


@pytest.mark.parametrize("day", [date(2027, 6, 15), date(2027, 6, 18), date(2027, 6, 20)])
def test_other_days_of_an_ordinary_week_are_not_digest_days(day):
    """Tuesday, Friday and Sunday of an ordinary week are not digest days."""
    assert is_digest_day(day, WORKING) is False


def test_digest_moves_to_tuesday_after_easter_monday():
    """Easter Monday 2027 (29 March) is a holiday: the digest goes out on Tuesday 30 March."""
    assert is_digest_day(date(2027, 3, 29), WORKING) is False
    assert is_digest_day(date(2027, 3, 30), WORKING) is True


def test_iso_week_of_new_year_belongs_to_the_previous_year():
    """1 January 2027 (a Friday) is in ISO week 53 of 2026."""
    assert iso_week(date(2027, 1, 1)) == "2026-W53"
