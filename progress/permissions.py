"""Who may follow a course and see learning records.

An agent's own records are reached only through their own agent profile: views never take another
agent's id, so another agent's progress does not exist for them (404). HR and managers read learning
records through `people.permissions` scopes (paths' reports).
"""

from __future__ import annotations

from wagtail.models import BaseViewRestriction, Page

from people import permissions as people_permissions


def can_follow(user, page: Page) -> bool:
    """A signed-in agent may follow a published course or lesson unless a view restriction on it or on
    one of its ancestors keeps them out.

    Group restrictions need one of the groups; a password-protected course is not followed through
    the platform's records (its password unlocks reading, not a training record).
    """
    if not getattr(user, "is_authenticated", False) or not page.live:
        return False
    if people_permissions.agent_of(user) is None:
        return False
    for restriction in page.get_view_restrictions():
        if restriction.restriction_type == BaseViewRestriction.PASSWORD:
            return False
        if (
            restriction.restriction_type == BaseViewRestriction.GROUPS
            and not user.is_superuser
            and not restriction.groups.filter(pk__in=user.groups.values("pk")).exists()
        ):
            return False
    return True
