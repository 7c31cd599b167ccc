"""Check a statement against an independent xAPI model: ralph's (ralph-malph, requirements-dev.txt).

ralph's base statement model follows xAPI 1.0.x: required actor, verb and object, IRIs (RFC 3987),
language tags (RFC 5646), UUIDs, score bounds, interaction types, no unknown properties. It is stricter
than the specification on one point: it refuses every empty string, where xAPI 1.0.3 only requires
non-empty values for formatted strings (IRI, UUID, mailto…).
"""

from __future__ import annotations

from pydantic import ValidationError
from ralph.models.xapi.base.statements import BaseXapiStatement


def assert_valid_statement(statement: dict) -> BaseXapiStatement:
    """Fail the test, with ralph's explanation, unless `statement` is a valid xAPI statement."""
    try:
        return BaseXapiStatement(**statement)
    except ValidationError as exc:
        raise AssertionError(f"invalid xAPI statement {statement.get('id')}:\n{exc}\n{statement}") from None
