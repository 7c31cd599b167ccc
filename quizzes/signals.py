"""Signals quizzes sends; rooms to the right listen (progress marks the lesson of a passed quiz).

attempt_graded: sent after the commit that graded an attempt, with attempt_id, agent_id, quiz_id, score
(Decimal, percent) and passed (bool).
attempt_started: sent after the commit that created a new attempt, with attempt_id, agent_id and quiz_id.
"""

from django.dispatch import Signal

attempt_graded = Signal()
attempt_started = Signal()
