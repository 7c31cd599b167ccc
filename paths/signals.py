"""Signals paths sends; rooms to the right listen (certificates issues a path certificate).

path_completed: sent after the commit that recorded a path completion, with path_completion_id, agent_id
and path_id.
"""

from django.dispatch import Signal

path_completed = Signal()
