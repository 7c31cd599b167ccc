"""Signals progress sends; rooms to the right listen (paths completes path steps, certificates issues).

course_completed: sent after the commit that recorded a course completion, with completion_id, agent_id
and course_id.
course_started: sent after the commit that recorded an agent's first activity in a course (a lesson
opened), with agent_id and course_id — paths marks assignments "in progress".
"""

from django.dispatch import Signal

course_completed = Signal()
course_started = Signal()
