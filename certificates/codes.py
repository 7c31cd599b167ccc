"""Verification codes: short, readable, unguessable, with a check character.

Twelve characters of Crockford's base 32 (no I, L, O or U, so nothing reads as 1, 0 or a rude word):
eleven random ones (55 bits from `secrets`) and one check character computed over the field GF(32),
which catches any single mistyped character and any swap of two different neighbours (a Luhn mod 32
check would miss swapping 0 and Z). Shown as `XXXX-XXXX-XXXX`; reading it back
forgives case, spaces, dashes and the look-alikes O/0 and I/L/1.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 11
LENGTH = RANDOM_LENGTH + 1
_INDEX = {char: index for index, char in enumerate(ALPHABET)}
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def _times_x(value: int) -> int:
    """Multiply by x in GF(32) = GF(2)[x] / (x^5 + x^2 + 1)."""
    value <<= 1
    return value ^ 0b100101 if value & 0b100000 else value


def _fold(text: str) -> int:
    state = 0
    for char in text:
        state = _times_x(state) ^ _INDEX[char]
    return state


def check_character(payload: str) -> str:
    """The character that makes the whole code fold to zero (a Damm-style check over GF(32))."""
    return ALPHABET[_times_x(_fold(payload))]


def new_code() -> str:
    payload = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return payload + check_character(payload)


def normalise(text: str) -> str | None:
    """The canonical code typed or scanned by someone, or None when it cannot be one."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    cleaned = text.upper().replace("-", "").replace(" ", "").translate(_LOOKALIKES)
    if len(cleaned) != LENGTH or any(char not in _INDEX for char in cleaned):
        return None
    if check_character(cleaned[:-1]) != cleaned[-1]:
        return None
    return cleaned


def display(code: str) -> str:
    return "-".join(code[index : index + 4] for index in range(0, len(code), 4))
