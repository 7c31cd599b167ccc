"""GIFT import and export as Moodle reads and writes it: pure Python, no database."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizzes.formats import MAX_BYTES, ParsedAnswer, ParsedQuestion, export_gift, parse_gift
from quizzes.formats.decoding import DecodingError, decode_text, guess_encoding

STARTER = Path(__file__).resolve().parents[2] / "courses" / "starter"
STARTER_QUIZZES = sorted(STARTER.glob("*.gift"))


@pytest.fixture
def _media_root():
    """These tests never touch Django: no media folder."""


@pytest.fixture
def _clear_cache():
    """These tests never touch Django: no cache to clear."""


def parse_one(source: str | bytes) -> ParsedQuestion:
    result = parse_gift(source)
    assert result.errors == []
    assert len(result.questions) == 1
    return result.questions[0]


def error_lines(source: str | bytes) -> list[int]:
    return [error.line for error in parse_gift(source).errors]


def round_trip(questions: list[ParsedQuestion]) -> list[ParsedQuestion]:
    result = parse_gift(export_gift(questions))
    assert result.errors == []
    return result.questions


# The starter catalogue ----------------------------------------------------------------------------------


def test_starter_catalogue_has_quiz_files():
    """The starter catalogue ships at least four GIFT quizzes."""
    assert len(STARTER_QUIZZES) >= 4


@pytest.mark.parametrize("path", STARTER_QUIZZES, ids=lambda path: path.stem)
def test_starter_quiz_parses_without_error(path):
    """Every starter quiz parses with 8 to 15 questions, no error and one category."""
    result = parse_gift(path.read_bytes())
    assert result.errors == []
    assert 8 <= len(result.questions) <= 15
    assert len(result.categories) == 1


@pytest.mark.parametrize("path", STARTER_QUIZZES, ids=lambda path: path.stem)
def test_starter_quiz_round_trips(path):
    """Parsing, exporting and parsing a starter quiz again gives the same questions."""
    questions = parse_gift(path.read_bytes()).questions
    assert round_trip(questions) == questions


# Structure ----------------------------------------------------------------------------------------------


def test_comment_lines_are_ignored():
    """Lines starting with // are comments, even inside a question."""
    question = parse_one("// a comment\n::Q::Question\n// another one\n{=yes ~no}")
    assert question.text == "Question"
    assert [answer.text for answer in question.answers] == ["yes", "no"]


def test_blank_lines_separate_questions():
    """Questions are blocks separated by blank lines (with or without spaces)."""
    result = parse_gift("First {T}\n\n   \nSecond {F}\n\n\nThird {}")
    assert [question.text for question in result.questions] == ["First", "Second", "Third"]


def test_question_line_is_its_first_line():
    """A question records the line where it starts, comments excluded."""
    result = parse_gift("// header\n\nFirst {T}\n\n// about the second\nSecond\n{F}")
    assert [question.line for question in result.questions] == [3, 6]


def test_category_applies_to_following_questions():
    """$CATEGORY: gives its category to every following question; categories are listed in order."""
    result = parse_gift("$CATEGORY: tom/one\n\nA {T}\n\nB {T}\n\n$CATEGORY: tom/two\n\nC {T}")
    assert [question.category for question in result.questions] == ["tom/one", "tom/one", "tom/two"]
    assert result.categories == ["tom/one", "tom/two"]


def test_category_line_may_be_followed_directly_by_a_question():
    """A question right under a $CATEGORY: line (no blank line) is still read."""
    result = parse_gift("$CATEGORY: demo\nA {T}")
    assert result.errors == []
    assert result.questions[0].category == "demo"
    assert result.questions[0].line == 2


def test_title_names_the_question():
    """::title:: gives the question's name and is removed from its text."""
    question = parse_one("::Capital of France::Which is the capital? {=Paris ~Lyon}")
    assert question.name == "Capital of France"
    assert question.text == "Which is the capital?"


def test_question_without_title_is_named_after_its_text():
    """Without a title, the name is the start of the text, as in Moodle."""
    question = parse_one("Which is the capital? {=Paris ~Lyon}")
    assert question.name == "Which is the capital?"


def test_long_text_gives_a_shortened_name():
    """A name taken from a long text stops at a word before 80 characters and ends with ..."""
    question = parse_one(("mot " * 40) + "{T}")
    assert question.name.endswith("...")
    assert len(question.name) <= 83


def test_unclosed_title_is_part_of_the_text():
    """A title without its closing :: is ignored, as Moodle does."""
    question = parse_one("::Not closed {T}")
    assert question.text == "Not closed"


def test_format_marker_sets_the_text_format():
    """[html] after the title gives the text format and is removed from the text."""
    question = parse_one("::Q::[html]<p>Bonjour</p>{=a ~b}")
    assert question.text_format == "html"
    assert question.text == "<p>Bonjour</p>"


@pytest.mark.parametrize("fmt", ["moodle", "html", "plain", "markdown"])
def test_every_moodle_format_marker_is_known(fmt):
    """The four Moodle format markers are recognised."""
    assert parse_one(f"[{fmt}]Text {{T}}").text_format == fmt


def test_unknown_marker_stays_in_the_text():
    """A bracket that is not a format marker is ordinary text."""
    question = parse_one("[note] Text {T}")
    assert question.text_format == "moodle"
    assert question.text == "[note] Text"


def test_format_markers_of_answers_are_removed():
    """A format marker before an answer or a feedback is not part of its text."""
    question = parse_one("Q {=[html]<b>a</b>#[html]<i>ok</i> ~b}")
    assert question.answers[0].text == "<b>a</b>"
    assert question.answers[0].feedback == "<i>ok</i>"


def test_multi_line_question_keeps_its_lines():
    """A question text over several lines keeps them, trimmed, joined by line breaks."""
    question = parse_one("First line\n   second line\n{=a ~b}")
    assert question.text == "First line\nsecond line"


def test_answers_on_several_indented_lines():
    """Answers may be written one a line, indented, with the closing brace alone."""
    question = parse_one("Japanese characters came from? {\n    ~India\n    =China\n    ~Korea\n}")
    assert [answer.text for answer in question.answers] == ["India", "China", "Korea"]


# Escapes ------------------------------------------------------------------------------------------------


def test_escaped_characters_are_literal():
    """\\~ \\= \\# \\{ \\} \\: are plain characters in texts, answers and feedback."""
    question = parse_one(r"::a\:b::Is 1 \= 1 \{ok\} \~ \#1? {=yes \= sure#fine \# here ~no\~}")
    assert question.name == "a:b"
    assert question.text == "Is 1 = 1 {ok} ~ #1?"
    assert question.answers[0].text == "yes = sure"
    assert question.answers[0].feedback == "fine # here"
    assert question.answers[1].text == "no~"


def test_escaped_n_is_a_line_break():
    """\\n stands for a line break inside a question."""
    assert parse_one(r"One\nTwo {T}").text == "One\nTwo"


def test_double_backslash_is_one_backslash():
    """\\\\ is a backslash, and the character after it keeps its meaning."""
    question = parse_one(r"Path C:\\temp {=a\\#fb ~b}")
    assert question.text == "Path C:\\temp"
    assert question.answers[0].text == "a\\"
    assert question.answers[0].feedback == "fb"


def test_other_backslashes_are_kept():
    """A backslash before another character stays, as for LaTeX."""
    assert parse_one(r"Compute \(x^2\) {T}").text == r"Compute \(x^2\)"


# Question types -----------------------------------------------------------------------------------------


def test_single_choice_with_one_right_answer():
    """One = among ~ answers and no weight gives a single-choice question."""
    question = parse_one("Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}")
    assert question.type == "single_choice"
    assert [(a.text, a.fraction) for a in question.answers] == [("Grant", 0.0), ("Jefferson", 0.0), ("no one", 1.0)]


def test_answer_feedback():
    """#feedback after an answer is its feedback."""
    question = parse_one("Q {=yellow#right, good! ~red#wrong, it's yellow}")
    assert [a.feedback for a in question.answers] == ["right, good!", "wrong, it's yellow"]


def test_general_feedback():
    """####text before the closing brace is the general feedback."""
    question = parse_one("Q {=a#fa ~b#fb ####General}")
    assert question.general_feedback == "General"
    assert question.answers[1].feedback == "fb"


def test_weights_give_a_multiple_choice_question():
    """%50% and %-100% weights give a multiple-answer question with those fractions."""
    question = parse_one("Q {~%50%a ~%50%b ~%-100%c ~d}")
    assert question.type == "multiple_choice"
    assert [a.fraction for a in question.answers] == [0.5, 0.5, -1.0, 0.0]


def test_decimal_weights():
    """A weight may have decimals, like %33.33333%."""
    question = parse_one("Q {~%33.33333%a ~%66.66667%b ~c}")
    assert question.answers[0].fraction == pytest.approx(0.3333333)


def test_several_right_answers_share_the_credit():
    """Several = among ~ answers give a multiple-answer question where they share the credit."""
    question = parse_one("Q {=a =b ~c ~d}")
    assert question.type == "multiple_choice"
    assert [a.fraction for a in question.answers] == [0.5, 0.5, 0.0, 0.0]


def test_weight_on_an_equal_sign_in_a_choice_question():
    """=%50% in a choice question is a weight, making it multiple-answer."""
    question = parse_one("Q {=%50%a =%50%b ~c}")
    assert question.type == "multiple_choice"
    assert [a.fraction for a in question.answers] == [0.5, 0.5, 0.0]


def test_only_right_answers_give_a_short_answer_question():
    """= answers without any ~ give a short-answer question."""
    question = parse_one("Who's buried in Grant's tomb?{=no one =nobody}")
    assert question.type == "short_answer"
    assert [(a.text, a.fraction) for a in question.answers] == [("no one", 1.0), ("nobody", 1.0)]
    assert question.case_sensitive is False


def test_short_answer_weights():
    """A short answer may carry a weight after its = sign."""
    question = parse_one("Q {=Paris#Yes =%50%Lutèce#Old name}")
    assert [(a.text, a.fraction, a.feedback) for a in question.answers] == [
        ("Paris", 1.0, "Yes"),
        ("Lutèce", 0.5, "Old name"),
    ]


def test_single_short_answer_without_equal_sign():
    """One short answer may be written without its = sign."""
    question = parse_one("Two plus two? {four}")
    assert question.type == "short_answer"
    assert question.answers == [ParsedAnswer("four", 1.0)]


@pytest.mark.parametrize(("mark", "correct"), [("T", True), ("TRUE", True), ("F", False), ("FALSE", False)])
def test_true_false(mark, correct):
    """{T}, {TRUE}, {F} and {FALSE} give a true/false question."""
    question = parse_one(f"Grant is buried in Grant's tomb.{{{mark}}}")
    assert question.type == "true_false"
    assert [(a.text, a.fraction) for a in question.answers] == [
        ("true", 1.0 if correct else 0.0),
        ("false", 0.0 if correct else 1.0),
    ]


def test_true_false_feedback_if_wrong_then_if_right():
    """{F#if wrong#if right}: the first feedback goes to the wrong answer, the second to the right one."""
    question = parse_one("The sun rises in the West.{FALSE#No, in the East.#Indeed.####Astronomy}")
    true, false = question.answers
    assert (true.feedback, false.feedback) == ("No, in the East.", "Indeed.")
    assert question.general_feedback == "Astronomy"


def test_lowercase_true_is_a_short_answer():
    """{true} is not a true/false mark in Moodle: it is a short answer."""
    assert parse_one("Q {true}").type == "short_answer"


def test_numerical_with_tolerance():
    """{#3:2} is a numerical question: 3 with a margin of 2."""
    question = parse_one("What is a number from 1 to 5? {#3:2}")
    assert question.type == "numerical"
    assert question.answers == [ParsedAnswer(fraction=1.0, value=3.0, tolerance=2.0)]


def test_numerical_range():
    """{#1..5} is a numerical range."""
    question = parse_one("What is a number from 1 to 5? {#1..5}")
    assert question.answers == [ParsedAnswer(fraction=1.0, low=1.0, high=5.0)]


def test_numerical_negative_and_decimal_values():
    """Numbers may be negative, decimal or in exponent notation."""
    question = parse_one("Q {# =-5..-1 =%50%2.5:0.5 =%25%1e3}")
    assert [(a.low, a.high, a.value, a.tolerance) for a in question.answers] == [
        (-5.0, -1.0, None, 0.0),
        (None, None, 2.5, 0.5),
        (None, None, 1000.0, 0.0),
    ]


def test_numerical_multiple_answers_with_weights():
    """{# =3:0 =%50%3:1} gives two numerical answers, the second worth half."""
    question = parse_one("When was Grant born? {# =1822:0 #Exact =%50%1822:2 #Close}")
    assert [(a.value, a.tolerance, a.fraction, a.feedback) for a in question.answers] == [
        (1822.0, 0.0, 1.0, "Exact"),
        (1822.0, 2.0, 0.5, "Close"),
    ]


def test_numerical_feedback_for_other_answers():
    """~#feedback in a numerical question is the feedback of every other number."""
    question = parse_one("Q {#=72#Yes ~#No, 72 hours}")
    assert question.answers[-1] == ParsedAnswer("*", 0.0, "No, 72 hours")


def test_matching_pairs():
    """{=a -> 1 =b -> 2 =c -> 3} is a matching question."""
    question = parse_one("Match. {=Canada -> Ottawa =Italy -> Rome =Japan -> Tokyo}")
    assert question.type == "matching"
    assert [(a.text, a.match) for a in question.answers] == [
        ("Canada", "Ottawa"),
        ("Italy", "Rome"),
        ("Japan", "Tokyo"),
    ]


def test_matching_extra_answer_without_question():
    """A pair with nothing before -> adds an extra answer, as in Moodle."""
    question = parse_one("Match. {=a -> 1 =b -> 2 = -> 3}")
    assert [(a.text, a.match) for a in question.answers][-1] == ("", "3")


def test_matching_needs_three_pairs():
    """Moodle's documentation asks for at least three matching pairs."""
    result = parse_gift("Match. {=a -> 1 =b -> 2}")
    assert result.questions == []
    assert "au moins trois paires" in result.errors[0].message


def test_matching_pair_without_arrow_is_an_error():
    """Every pair of a matching question needs ->."""
    assert error_lines("Match. {=a -> 1 =b -> 2 =c 3}") == [1]


def test_empty_braces_give_an_essay():
    """{} is an essay question."""
    question = parse_one("Write about France. {}")
    assert (question.type, question.answers) == ("essay", [])


def test_essay_with_general_feedback():
    """{####text} is an essay with general feedback."""
    question = parse_one("Write. {####A model answer}")
    assert (question.type, question.general_feedback) == ("essay", "A model answer")


def test_no_braces_give_a_description():
    """A question without braces is a description."""
    question = parse_one("::Intro::The next questions are about France.")
    assert (question.type, question.name, question.text) == (
        "description",
        "Intro",
        "The next questions are about France.",
    )


def test_missing_word_question():
    """Text after the closing brace makes a missing-word question with _____ for the braces."""
    question = parse_one("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert question.text == "Grant is _____ in Grant's tomb."
    assert question.type == "single_choice"


def test_braces_before_final_punctuation_only_are_not_a_blank():
    """Braces ending the question do not leave a blank."""
    assert parse_one("Capital of France? {=Paris ~Lyon}").text == "Capital of France?"


def test_type_counts_list_every_type_but_ordering():
    """type_counts has every question type except ordering, with 0 for absent ones."""
    counts = parse_gift("A {T}\n\nB {F}\n\nC {}").type_counts()
    assert counts == {
        "single_choice": 0,
        "multiple_choice": 0,
        "true_false": 2,
        "short_answer": 0,
        "numerical": 0,
        "matching": 0,
        "essay": 1,
        "description": 0,
    }


# Errors -------------------------------------------------------------------------------------------------


def test_unclosed_brace_is_an_error_with_its_line():
    """An unclosed brace is reported with the question's first line, and parsing goes on."""
    result = parse_gift("Good {T}\n\n::Bad::Question\n{=a ~b\n\nAlso good {F}")
    assert [(error.line, "accolade fermante manquante" in error.message) for error in result.errors] == [(3, True)]
    assert [question.text for question in result.questions] == ["Good", "Also good"]


def test_closing_brace_without_opening_one():
    """A closing brace alone is an error."""
    assert "accolade ouvrante" in parse_gift("Question =a ~b}").errors[0].message


def test_two_answer_blocks_in_one_question():
    """Two questions without a blank line between them are reported."""
    result = parse_gift("First {T}\nSecond {F}")
    assert "plusieurs blocs" in result.errors[0].message


def test_unknown_answer_prefix_is_an_error_with_its_line():
    """An answer line starting with + instead of = or ~ is reported."""
    result = parse_gift("Good {T}\n\nQuestion {\n=Paris\n+Lyon\n~Nice\n}")
    assert [error.line for error in result.errors] == [3]
    assert "préfixe de réponse inconnu « + »" in result.errors[0].message
    assert "ligne 5" in result.errors[0].message


def test_unknown_prefix_on_one_line_is_reported_once():
    """An inline answer starting with + is reported once."""
    result = parse_gift("Question {+Lyon =Paris ~Nice}")
    assert [error.message for error in result.errors] == [
        "préfixe de réponse inconnu « + » : une réponse commence par = ou ~"
    ]


def test_text_before_the_first_answer_is_an_error():
    """Answer text without a prefix before other answers is reported."""
    assert error_lines("Q {Paris =Lyon ~Nice}") == [1]


def test_numerical_answer_that_is_not_a_number():
    """A numerical answer that is not a number is an error with its line."""
    result = parse_gift("Good {T}\n\nHow many? {#douze}")
    assert [error.line for error in result.errors] == [3]
    assert "n'est pas un nombre" in result.errors[0].message


def test_numerical_tolerance_that_is_not_a_number():
    """A margin that is not a number is an error."""
    assert error_lines("How many? {#12:two}") == [1]


def test_decimal_comma_gets_a_hint():
    """A French decimal comma is refused with a hint to use a point."""
    assert "point" in parse_gift("Pi? {#3,14}").errors[0].message


def test_numerical_range_upside_down():
    """A range whose low bound exceeds the high one is an error."""
    assert error_lines("Q {#5..1}") == [1]


@pytest.mark.parametrize("weight", ["%150%", "%-101%", "%100.5%"])
def test_weight_outside_the_range_is_an_error(weight):
    """A weight outside -100..100 is an error with its line."""
    result = parse_gift(f"Good {{T}}\n\nQ {{~{weight}a ~%50%b ~c}}")
    assert [error.line for error in result.errors] == [3]
    assert "-100 à 100" in result.errors[0].message


def test_malformed_weight_is_an_error():
    """A weight that is not a number is reported."""
    assert "invalide" in parse_gift("Q {~%half%a =b}").errors[0].message


def test_choice_question_without_right_answer():
    """A choice question where every answer is wrong is reported."""
    assert "aucune bonne réponse" in parse_gift("Q {~a ~b}").errors[0].message


def test_choice_question_with_one_answer():
    """A choice question needs at least two answers."""
    assert "au moins deux réponses" in parse_gift("Q {~%100%a}").errors[0].message


def test_empty_answer_is_an_error():
    """An answer without text is reported."""
    assert error_lines("Q {=a ~ ~b}") == [1]


def test_question_without_text_is_an_error():
    """Braces without question text are reported."""
    assert error_lines("{=a ~b}") == [1]


def test_every_faulty_question_is_reported():
    """Parsing goes on after an error: every faulty question is reported with its own line."""
    source = "A {=a ~b\n\nGood {T}\n\nB {#x}\n\nC {~%200%a ~b}\n\nD {\n=a\n*b\n}"
    result = parse_gift(source)
    assert [error.line for error in result.errors] == [1, 5, 7, 9]
    assert len(result.questions) == 1


def test_file_with_only_comments_is_an_error():
    """A file without any question is reported."""
    assert parse_gift("// nothing here\n").errors[0].message == "aucune question trouvée dans le fichier"


MOODLE_EXPORT = """// question: 0  name: Switch category to $course$/top/Défaut pour Démo
$CATEGORY: $course$/top/Défaut pour Démo


// question: 12  name: Capitale
::Capitale::[html]<p>Quelle est la capitale ?</p>{
\t=<p>Paris</p>#<p>Oui</p>
\t~<p>Lyon</p>
\t####<p>Paris depuis 987.</p>
}


// question: 13  name: Année
::Année::Année de naissance ?{#
\t=%100%1822:0#
\t=%50%1822:2#Presque
}


// question: 14  name: Court
::Court::Deux plus deux ?{
\t=%100%quatre#
\t=%50%4#En chiffres
}
"""


def test_reads_moodle_own_export():
    """The layout Moodle writes (comments, weights on every answer, empty feedback) is read."""
    result = parse_gift(MOODLE_EXPORT)
    assert result.errors == []
    capital, year, short = result.questions
    assert capital.category == "$course$/top/Défaut pour Démo"
    assert (capital.type, capital.general_feedback) == ("single_choice", "<p>Paris depuis 987.</p>")
    assert [(a.value, a.tolerance, a.fraction, a.feedback) for a in year.answers] == [
        (1822.0, 0.0, 1.0, ""),
        (1822.0, 2.0, 0.5, "Presque"),
    ]
    assert [(a.text, a.fraction) for a in short.answers] == [("quatre", 1.0), ("4", 0.5)]


# Decoding -----------------------------------------------------------------------------------------------


def test_windows_1252_with_accents():
    """A Windows-1252 file with accents is decoded."""
    source = "::Été::Quelle saison suit le printemps ? {=l'été ~l'hiver}".encode("cp1252")
    question = parse_one(source)
    assert question.name == "Été"
    assert question.answers[0].text == "l'été"


def test_windows_1252_typographic_characters():
    """Windows-1252 curly quotes, the euro sign and œ are decoded."""
    source = "Prix du cœur ? {=“5 €” ~rien}".encode("cp1252")
    assert parse_one(source).answers[0].text == "“5 €”"


def test_utf8_with_bom():
    """A UTF-8 file with a byte order mark is read without it."""
    question = parse_one("\ufeff$CATEGORY: été\n\nÀ quoi sert-il ? {T}".encode())
    assert question.category == "été"
    assert question.text == "À quoi sert-il ?"


def test_utf8_bom_is_detected():
    """The byte order mark selects UTF-8 with signature."""
    assert guess_encoding(b"\xef\xbb\xbfabc") == "utf-8-sig"


def test_windows_line_endings():
    """CRLF line ends are read like LF ones."""
    result = parse_gift(b"A {T}\r\n\r\nB\r\n{F}\r\n")
    assert [(q.text, q.line) for q in result.questions] == [("A", 1), ("B", 3)]


def test_binary_content_is_refused():
    """A file with NUL bytes is refused as binary, in French."""
    result = parse_gift(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert result.questions == []
    assert "binaire" in result.errors[0].message


def test_control_characters_are_refused_with_their_line():
    """A control character is refused with the line where it appears."""
    result = parse_gift(b"A {T}\n\nB \x07 {F}")
    assert result.errors[0].line == 3
    assert "U+0007" in result.errors[0].message


def test_empty_file_is_refused():
    """An empty file is refused."""
    assert parse_gift(b"").errors[0].message == "le fichier est vide"


def test_blank_file_is_refused():
    """A file of blank lines is refused as empty."""
    assert parse_gift(b"\n  \n\t\n").errors[0].message == "le fichier est vide"


def test_utf16_is_refused_with_advice():
    """A UTF-16 file is refused with advice to save it in UTF-8."""
    assert "UTF-8" in parse_gift("Q {T}".encode("utf-16")).errors[0].message


def test_undecodable_bytes_are_refused():
    """Bytes that are neither UTF-8 nor Windows-1252 are refused."""
    assert "encodage" in parse_gift(b"Q \x81 {T}").errors[0].message


def test_input_over_10_mb_is_refused():
    """A file over 10 MB is refused with a French message."""
    result = parse_gift(b"// " + b"x" * MAX_BYTES)
    assert result.questions == []
    assert "trop volumineux" in result.errors[0].message


def test_text_over_10_mb_is_refused():
    """A str over 10 MB once encoded is refused too."""
    with pytest.raises(DecodingError, match="10 Mo"):
        decode_text("é" * (MAX_BYTES // 2 + 1))


def test_input_of_exactly_10_mb_is_accepted():
    """The limit itself is allowed."""
    assert len(decode_text(b"a" * MAX_BYTES)) == MAX_BYTES


# Export -------------------------------------------------------------------------------------------------

RICH_BANK = r"""$CATEGORY: $course$/top/Géographie

::Capitale::[html]<p>Quelle est la capitale ?</p>{
    =Paris#<b>Oui</b>
    ~Lyon#Non
    ####Paris depuis 987.
}

::Signes::Cochez les signaux d'alerte.{~%50%Urgence ~%50%Lien suspect ~%-100%Aucune faute#Non \: rien ne le prouve}

::Trois::Cochez 1, 2 et 3 {~%33.33333%un ~%33.33333%deux ~%33.33334%trois ~quatre}

::Vrai::La Terre tourne.{T#Si, elle tourne.#Bravo.####Galilée}

::Faux::Le Soleil tourne autour de la Terre.{FALSE}

::Court::Deux plus deux ? {=quatre#Oui =%50%4#Oui, en chiffres}

::Nombre::Année ? {#
    =1822:0#Exact
    =%50%1820..1824#Presque
    ~#Non
}

::Appariement::Associez.{=Canada -> Ottawa =Italie -> Rome =Japon -> Tokyo = -> Paris}

::Dissertation::Parlez de la France.{####Un modèle\nsur deux lignes}

$CATEGORY: $course$/top/Divers

::Intro::[markdown]Les questions *suivantes*.

::Trou::Grant est {~enterré =inhumé ~vivant} dans la tombe de Grant.

::Spéciaux \: tous::Est-ce que 1 \= 1 \{ou\} \~ \# 2 \\ 3 ?{=oui \= vrai#ok \# ~non}
"""


def test_rich_bank_round_trips():
    """Every question type, weight, feedback, format and escape survives export and re-import."""
    questions = parse_gift(RICH_BANK).questions
    assert len(questions) == 12
    assert round_trip(questions) == questions


def test_export_writes_one_category_line_per_change():
    """The export writes $CATEGORY: only when the category changes."""
    text = export_gift(parse_gift(RICH_BANK).questions)
    assert text.count("$CATEGORY:") == 2
    assert text.startswith("$CATEGORY: $course$/top/Géographie\n\n")


def test_export_escapes_special_characters():
    """Special characters of texts are escaped in the export."""
    question = ParsedQuestion(
        "single_choice",
        "a:b = {c} ~ #d\nnext \\ end",
        name="x::y",
        answers=[ParsedAnswer("=1", 1.0, "f#g"), ParsedAnswer("~2")],
    )
    text = export_gift([question])
    assert r"::x\:\:y::a\:b \= \{c\} \~ \#d\nnext \\ end{" in text
    assert r"=\=1#f\#g" in text
    assert round_trip([question]) == [question]


def test_export_puts_missing_word_answers_back_in_place():
    """A missing-word question is exported with its answers where the blank was."""
    question = parse_one("Grant est {~enterré =inhumé} dans la tombe.")
    assert "Grant est {\n" in export_gift([question])
    assert "} dans la tombe." in export_gift([question])


def test_export_protects_a_text_starting_like_a_format_marker():
    """A text that starts with [html] but is not HTML keeps its brackets after a round trip."""
    question = ParsedQuestion("true_false", "[html] is a tag", name="Q", answers=[ParsedAnswer("true", 1.0)])
    question.answers.append(ParsedAnswer("false", 0.0))
    assert round_trip([question]) == [question]


def test_export_protects_an_answer_starting_like_a_weight():
    """An answer that starts like %50% stays text after a round trip."""
    question = ParsedQuestion(
        "single_choice", "Part ?", name="Q", answers=[ParsedAnswer("%50% des cas", 1.0), ParsedAnswer("aucun")]
    )
    assert round_trip([question]) == [question]


def test_export_keeps_exact_weights():
    """Weights like a third are written so that they read back exactly."""
    third = 1 / 3
    question = ParsedQuestion(
        "multiple_choice",
        "Q",
        name="Q",
        answers=[ParsedAnswer("a", third), ParsedAnswer("b", third), ParsedAnswer("c", third), ParsedAnswer("d")],
    )
    assert round_trip([question]) == [question]


def test_export_skips_ordering_questions():
    """GIFT has no ordering questions: they are left out with a comment."""
    question = ParsedQuestion("ordering", "Order these", name="Ordre", answers=[ParsedAnswer("a"), ParsedAnswer("b")])
    text = export_gift([question, parse_one("Keep {T}")])
    assert text.startswith("// Ordre")
    assert [q.text for q in parse_gift(text).questions] == ["Keep"]


def test_exported_numerical_answers_are_moodle_syntax():
    """Numerical answers are written as =value:tolerance, =low..high and ~#feedback."""
    text = export_gift(parse_gift("Q {#=3:0.5 =%50%1..5 ~#Non}").questions)
    assert "{#\n\t=3:0.5\n\t=%50%1..5\n\t~#Non\n}" in text


def test_export_of_nothing_is_empty():
    """Exporting no question gives an empty text."""
    assert export_gift([]) == ""
