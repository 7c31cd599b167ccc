"""Aiken import and export as Moodle reads and writes it: pure Python, no database."""

from __future__ import annotations

import pytest

from quizzes.formats import MAX_BYTES, ParsedAnswer, ParsedQuestion, export_aiken, parse_aiken, parse_gift

CAPITAL = "Quelle est la capitale de la France ?\nA) Lyon\nB) Paris\nC) Marseille\nANSWER: B\n"


@pytest.fixture
def _media_root():
    """These tests never touch Django: no media folder."""


@pytest.fixture
def _clear_cache():
    """These tests never touch Django: no cache to clear."""


def parse_one(source: str | bytes) -> ParsedQuestion:
    result = parse_aiken(source)
    assert result.errors == []
    assert len(result.questions) == 1
    return result.questions[0]


# Reading ------------------------------------------------------------------------------------------------


def test_question_with_choices_and_answer():
    """A question, its lettered choices and ANSWER: give a single-choice question."""
    question = parse_one(CAPITAL)
    assert question.type == "single_choice"
    assert question.text == "Quelle est la capitale de la France ?"
    assert [(a.text, a.fraction) for a in question.answers] == [("Lyon", 0.0), ("Paris", 1.0), ("Marseille", 0.0)]


def test_question_is_plain_text_named_after_its_text():
    """Aiken text is plain text, and the question is named after it."""
    question = parse_one(CAPITAL)
    assert question.text_format == "plain"
    assert question.name == "Quelle est la capitale de la France ?"
    assert (question.general_feedback, question.category, question.line) == ("", "", 1)


def test_choice_letter_with_a_dot():
    """A choice may be written A. as well as A)."""
    question = parse_one("Q ?\nA. oui\nB. non\nANSWER: A")
    assert [a.text for a in question.answers] == ["oui", "non"]


def test_choice_without_space_after_the_parenthesis():
    """A)Text without a space is a choice, as in Moodle."""
    question = parse_one("Q ?\nA)oui\nB)non\nANSWER: B")
    assert [a.text for a in question.answers] == ["oui", "non"]


def test_question_text_over_several_lines():
    """The lines before the first choice form the question text."""
    question = parse_one("Lisez ce texte.\nPuis répondez :\nA) oui\nB) non\nANSWER: A")
    assert question.text == "Lisez ce texte.\nPuis répondez :"


def test_blank_lines_separate_questions():
    """Several questions separated by blank lines are all read, each with its line."""
    result = parse_aiken(CAPITAL + "\n\n" + "Deux et deux ?\nA) 4\nB) 5\nANSWER: A\n")
    assert [(q.line, q.text) for q in result.questions] == [(1, CAPITAL.split("\n")[0]), (8, "Deux et deux ?")]


def test_indented_lines_and_windows_line_ends():
    """Indentation and CRLF line ends are ignored."""
    question = parse_one(b"  Q ?\r\n  A) oui\r\n  B) non\r\n  ANSWER: B\r\n")
    assert question.answers[1].fraction == 1.0


def test_answer_letter_in_lower_case_is_understood():
    """ANSWER: b designates choice B."""
    assert parse_one("Q ?\nA) oui\nB) non\nANSWER: b").answers[1].fraction == 1.0


def test_letters_may_skip():
    """The answer is found by its letter, even when letters are not consecutive."""
    question = parse_one("Q ?\nA) un\nC) trois\nD) quatre\nANSWER: C")
    assert [a.fraction for a in question.answers] == [0.0, 1.0, 0.0]


# Errors -------------------------------------------------------------------------------------------------


def test_missing_answer_line_is_an_error_with_its_line():
    """A question whose choices are not followed by ANSWER: is reported at its first line."""
    result = parse_aiken("Q1 ?\nA) a\nB) b\n\nQ2 ?\nA) a\nB) b\nANSWER: A")
    assert [(e.line, "ANSWER" in e.message) for e in result.errors] == [(1, True)]
    assert [q.text for q in result.questions] == ["Q2 ?"]


def test_missing_answer_at_end_of_file():
    """The last question without ANSWER: is reported."""
    assert [e.line for e in parse_aiken(CAPITAL + "\nQ2 ?\nA) a\nB) b\n").errors] == [7]


def test_answer_letter_not_among_the_choices():
    """ANSWER: D with choices A to C is an error with the question's line."""
    result = parse_aiken("Q ?\nA) a\nB) b\nC) c\nANSWER: D")
    assert [e.line for e in result.errors] == [1]
    assert "« D » ne fait pas partie des choix (A, B, C)" in result.errors[0].message


def test_fewer_than_two_choices():
    """A question with a single choice is an error."""
    result = parse_aiken("Q ?\nA) seule\nANSWER: A")
    assert result.questions == []
    assert "au moins deux" in result.errors[0].message


def test_lower_case_choice_letters_are_not_choices():
    """a) is not a choice for Moodle: the error says letters are upper case."""
    result = parse_aiken("Q ?\na) oui\nb) non\nANSWER: A")
    assert "majuscules" in result.errors[0].message


def test_answer_line_without_question():
    """An ANSWER: line outside a question is reported with its own line."""
    assert [e.line for e in parse_aiken(CAPITAL + "\nANSWER: A").errors] == [7]


def test_choice_without_question():
    """A choice before any question text is reported with its own line."""
    assert [e.line for e in parse_aiken("A) orpheline\n\n" + CAPITAL).errors] == [1]


def test_answer_must_be_one_letter():
    """ANSWER: must give a single letter."""
    assert "une seule lettre" in parse_aiken("Q ?\nA) a\nB) b\nANSWER: AB").errors[0].message


def test_empty_answer_line():
    """ANSWER: without a letter is reported."""
    assert "lettre" in parse_aiken("Q ?\nA) a\nB) b\nANSWER:").errors[0].message


def test_duplicate_letters():
    """Two choices with the same letter are reported."""
    assert "même lettre" in parse_aiken("Q ?\nA) a\nA) b\nANSWER: A").errors[0].message


def test_every_faulty_question_is_reported():
    """Parsing goes on after an error: every faulty question is reported."""
    source = "Q1\nA) a\nANSWER: A\n\nQ2\nA) a\nB) b\nANSWER: Z\n\n" + "Q3\nA) a\nB) b\nANSWER: A"
    result = parse_aiken(source)
    assert [e.line for e in result.errors] == [1, 5]
    assert [q.text for q in result.questions] == ["Q3"]


# Decoding -----------------------------------------------------------------------------------------------


def test_windows_1252_with_accents():
    """A Windows-1252 Aiken file with accents is decoded."""
    question = parse_one("Où est né Molière ?\nA) à Paris\nB) à Lyon\nANSWER: A".encode("cp1252"))
    assert question.text == "Où est né Molière ?"
    assert question.answers[0].text == "à Paris"


def test_utf8_with_bom():
    """A UTF-8 file with a byte order mark is read without it."""
    assert parse_one(("\ufeff" + CAPITAL).encode()).text.startswith("Quelle")


def test_binary_content_is_refused():
    """Binary content is refused in French."""
    assert "binaire" in parse_aiken(b"PK\x03\x04\x00\x00").errors[0].message


def test_empty_file_is_refused():
    """An empty file is refused."""
    assert parse_aiken(b"").errors[0].message == "le fichier est vide"


def test_input_over_10_mb_is_refused():
    """A file over 10 MB is refused."""
    assert "trop volumineux" in parse_aiken(b"x" * (MAX_BYTES + 1)).errors[0].message


# Writing ------------------------------------------------------------------------------------------------


def test_export_single_choice():
    """A single-choice question is written with lettered choices and ANSWER:."""
    text, skipped = export_aiken(parse_aiken(CAPITAL).questions)
    assert (text, skipped) == (CAPITAL, [])


def test_export_round_trips():
    """Aiken questions read back identical after export."""
    questions = parse_aiken(CAPITAL + "\nDeux et deux ?\nA. 4\nB. 5\nANSWER: A\n").questions
    assert parse_aiken(export_aiken(questions)[0]).questions == questions


def test_export_true_false_as_vrai_faux():
    """A true/false question is written as a choice between Vrai and Faux."""
    question = parse_gift("La Terre est plate.{F}").questions[0]
    text, _ = export_aiken([question])
    assert text == "La Terre est plate.\nA) Vrai\nB) Faux\nANSWER: B\n"


def test_export_skips_other_types_and_names_them():
    """Questions Aiken cannot hold are skipped and their names returned."""
    questions = parse_gift("::Multi::Q {~%50%a ~%50%b ~c}\n\n::Court::Q {=a}\n\n::Simple::Q {=a ~b}").questions
    text, skipped = export_aiken(questions)
    assert skipped == ["Multi", "Court"]
    assert text.count("ANSWER:") == 1


def test_export_skips_single_choice_without_right_answer():
    """A single-choice question without a right answer cannot be written."""
    question = ParsedQuestion("single_choice", "Q", name="Sans", answers=[ParsedAnswer("a"), ParsedAnswer("b")])
    assert export_aiken([question]) == ("", ["Sans"])


def test_export_skips_more_than_26_choices():
    """Aiken letters stop at Z."""
    answers = [ParsedAnswer(f"choix {index}", 1.0 if index == 0 else 0.0) for index in range(27)]
    assert export_aiken([ParsedQuestion("single_choice", "Q", name="Long", answers=answers)])[1] == ["Long"]


def test_export_flattens_html_and_line_breaks():
    """HTML is written as plain text and line breaks as spaces (Moodle reads one line)."""
    question = parse_gift("[html]<p>Quelle <b>ville</b>\\n&amp; quel pays ?</p>{=Paris ~Lyon}").questions[0]
    text, _ = export_aiken([question])
    assert text.startswith("Quelle ville & quel pays ?\nA) Paris\n")


def test_export_of_nothing_is_empty():
    """Exporting no question gives an empty text and no skipped name."""
    assert export_aiken([]) == ("", [])
