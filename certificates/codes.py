"""Verification codes: short, readable, unguessable, with a check character.

Twelve characters of Crockford's base 32 (no I, L, O or U, so nothing reads as 1, 0 or a rude word):
eleven random ones (55 bits from `secrets`) and one Luhn mod 32 check character, which catches any
single mistyped character and any swap of two neighbours. Shown as `XXXX-XXXX-XXXX`; reading it back
forgives case, spaces, dashes and the look-alikes O/0 and I/L/1.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 11
LENGTH = RANDOM_LENGTH + 1
_INDEX = {char: index for index, char in enumerate(ALPHABET)}
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def check_character(payload: str) -> str:
    """Luhn mod N over the alphabet (N = 32)."""
    factor, total, base = 2, 0, len(ALPHABET)
    for char in reversed(payload):
        addend = factor * _INDEX[char]
        factor = 1 if factor == 2 else 2
        total += addend // base + addend % base
    return ALPHABET[(base - total % base) % base]


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
