"""Verification codes: twelve characters of Crockford's base 32 with a check character, read back
forgivingly (case, spaces, dashes, look-alikes) and refusing mistyped ones."""

import random

import pytest

from certificates import codes

SAMPLE_SIZE = 40


@pytest.fixture
def sample() -> list[str]:
    """Fresh codes, plus fixed ones so that every alphabet character appears in some position."""
    fixed = [payload + codes.check_character(payload) for payload in ("0123456789A", "BCDEFGHJKMN", "PQRSTVWXYZ0")]
    return fixed + [codes.new_code() for _ in range(SAMPLE_SIZE)]


def make_code(payload: str) -> str:
    return payload + codes.check_character(payload)


def test_new_code_has_twelve_characters_of_the_alphabet():
    """A new code is twelve characters, all of Crockford's base 32 alphabet."""
    for _ in range(200):
        code = codes.new_code()
        assert len(code) == 12
        assert set(code) <= set(codes.ALPHABET)


def test_alphabet_has_no_ambiguous_letters():
    """The alphabet has 32 characters and none of I, L, O or U."""
    assert len(set(codes.ALPHABET)) == 32
    assert not set("ILOU") & set(codes.ALPHABET)


def test_new_codes_are_valid_and_differ():
    """Every new code passes its own check, and two hundred new codes are all different."""
    generated = [codes.new_code() for _ in range(200)]
    assert all(codes.normalise(code) == code for code in generated)
    assert len(set(generated)) == len(generated)


def test_display_groups_by_four():
    """A code is shown as XXXX-XXXX-XXXX."""
    assert codes.display("ABCDEFGHJKMN") == "ABCD-EFGH-JKMN"


def test_normalise_accepts_the_display_form(sample):
    """The dashed display form reads back as the canonical code."""
    for code in sample:
        assert codes.normalise(codes.display(code)) == code


def test_normalise_accepts_lowercase(sample):
    """A code typed in lowercase reads back as the canonical code."""
    for code in sample:
        assert codes.normalise(codes.display(code).lower()) == code


def test_normalise_accepts_spaces(sample):
    """Spaces between groups, around the code or inside a group are ignored."""
    for code in sample:
        assert codes.normalise(f"  {code[:4]} {code[4:8]}  {code[8:]} ") == code
        assert codes.normalise(" ".join(code)) == code


def test_normalise_reads_letter_o_as_zero():
    """O and o are read as the digit 0."""
    code = make_code("0A0B0C0D0E0")
    typed = code.replace("0", "O")
    assert codes.normalise(typed) == code
    assert codes.normalise(typed.lower()) == code


@pytest.mark.parametrize("lookalike", ["I", "i", "L", "l"])
def test_normalise_reads_i_and_l_as_one(lookalike):
    """I, i, L and l are read as the digit 1."""
    code = make_code("1A1B1C1D1E1")
    assert codes.normalise(code.replace("1", lookalike)) == code


def test_any_single_character_change_is_rejected(sample):
    """Replacing any one character by any other character of the alphabet gives no code."""
    for code in sample:
        for position in range(codes.LENGTH):
            for char in codes.ALPHABET:
                if char == code[position]:
                    continue
                typo = code[:position] + char + code[position + 1 :]
                assert codes.normalise(typo) is None, (code, typo)


def test_adjacent_swaps_in_a_sample_are_rejected(sample):
    """Swapping two different neighbours gives no code (sampled codes without the pair 0/Z side by side)."""
    checked = 0
    for code in sample:
        for position in range(codes.LENGTH - 1):
            first, second = code[position], code[position + 1]
            if first == second or {first, second} == {"0", "Z"}:
                continue
            swapped = code[:position] + second + first + code[position + 2 :]
            assert codes.normalise(swapped) is None, (code, swapped)
            checked += 1
    assert checked > 0


def test_swapping_zero_and_z_is_rejected():
    """Swapping the neighbours 0 and Z, as the module docstring promises for any pair, gives no code."""
    code = make_code("ABC0ZDEFGHJ")
    swapped = code.replace("0Z", "Z0")
    assert codes.normalise(swapped) is None


def test_random_typing_is_almost_always_rejected():
    """Random strings of twelve alphabet characters pass the check about once in 32, never much more."""
    rng = random.Random(20260101)
    attempts = 3200
    accepted = sum(
        codes.normalise("".join(rng.choice(codes.ALPHABET) for _ in range(codes.LENGTH))) is not None
        for _ in range(attempts)
    )
    assert accepted < attempts / 32 * 1.5


@pytest.mark.parametrize(
    "junk",
    [
        None,
        12,
        b"ABCDEFGHJKMN",
        "",
        "ABCD",
        "ABCDEFGHJKMNP",  # one character too many
        "A" * 41,
        "ABCD-EFGH-JKM!",
        "ÀBCD-EFGH-JKMN",
        "ABCD_EFGH_JKMN",
        "<script>alert(1)</script>",
    ],
)
def test_junk_is_not_a_code(junk):
    """Wrong types, lengths or characters give None."""
    assert codes.normalise(junk) is None


def test_long_text_around_a_valid_code_is_refused():
    """More than 40 characters is refused even when the code is in it (no trimming of padding)."""
    code = codes.new_code()
    assert codes.normalise(code + " " * 40) is None
