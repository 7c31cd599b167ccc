"""The training record PDF: a pure renderer, checked through pypdf's text extraction (no database)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import translation
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics

from progress.pdf import (
    FONT,
    FONT_BOLD,
    RecordCompetence,
    RecordLine,
    TrainingRecord,
    format_minutes,
    register_fonts,
    render_training_record,
)

ISSUED_AT = datetime.datetime(2026, 11, 29, 10, 30, tzinfo=datetime.UTC)
SEARCH = RecordCompetence("1.1", "Mener une recherche et une veille d’information", 2)
SECURITY = RecordCompetence("4.1", "Sécuriser l’équipement", 1)


@pytest.fixture(autouse=True)
def french():
    with translation.override("fr"):
        yield


def make_record(lines=(), agent_name="Camille Martin", **kwargs) -> TrainingRecord:
    values = {
        "agent_name": agent_name,
        "organisation": "Mairie de Saint-Étienne",
        "service": "Ressources humaines",
        "job_title": "Chargée d’accueil",
        "issued_at": ISSUED_AT,
        "lines": tuple(lines),
    }
    return TrainingRecord(**(values | kwargs))


def make_line(title="Bien utiliser sa messagerie", minutes=90, **kwargs) -> RecordLine:
    return RecordLine(title=title, completed_at=datetime.date(2026, 10, 2), minutes=minutes, **kwargs)


def render(record: TrainingRecord) -> PdfReader:
    _filename, content_type, data = render_training_record(record)
    assert content_type == "application/pdf"
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def page_texts(reader: PdfReader) -> list[str]:
    """Each page's text with whitespace (line breaks of wrapped cells, no-break spaces) folded to single spaces."""
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def text_of(record: TrainingRecord) -> str:
    return " ".join(page_texts(render(record)))


def test_renders_a_readable_pdf_with_the_agent_titles_and_total():
    """A record with two lines gives a PDF showing the title, agent, course titles and total hours."""
    record = make_record([make_line("Bien utiliser sa messagerie", 90), make_line("Le tableur pas à pas", 480)])
    text = text_of(record)
    assert "Livret individuel de formation" in text
    assert "Camille Martin" in text
    assert "Bien utiliser sa messagerie" in text
    assert "Le tableur pas à pas" in text
    assert "2 formations suivies, 9 h 30 de formation" in text


def test_identity_block_and_issue_date_in_french():
    """Organisation, service, job title and the issue date written out in French appear."""
    text = text_of(make_record([make_line()]))
    assert "Organisation : Mairie de Saint-Étienne" in text
    assert "Service : Ressources humaines" in text
    assert "Fonction : Chargée d’accueil" in text
    assert "Édité le 29 novembre 2026" in text


def test_competences_and_quiz_score_are_listed():
    """Each line lists its CRCN competences with their level and the deciding quiz's score."""
    text = text_of(make_record([make_line(competences=(SEARCH, SECURITY), score=Decimal("85.00"))]))
    assert "1.1 Mener une recherche et une veille d’information (niveau 2)" in text
    assert "4.1 Sécuriser l’équipement (niveau 1)" in text
    assert "Quiz final : 85 %" in text


def test_accents_polish_letters_and_apostrophes_survive():
    """Accented, Polish and both apostrophe characters come back unchanged from text extraction."""
    record = make_record([make_line("L’essentiel d'Internet à l’école")], agent_name="Łukasz Żółć")
    text = text_of(record)
    assert "Łukasz Żółć" in text
    assert "L’essentiel d'Internet à l’école" in text


def test_markup_in_learner_text_is_shown_literally():
    """ReportLab mini-markup and ampersands in names and titles are printed as typed, not interpreted."""
    hostile = "<b>Léa</b> & <script>"
    record = make_record([make_line(f"Titre {hostile}")], agent_name=hostile, organisation="A & B <i>")
    text = text_of(record)
    assert f"{hostile} Organisation : A & B <i>" in text
    assert f"Titre {hostile}" in text


def test_control_characters_are_dropped_and_line_breaks_become_spaces():
    """A NUL byte is dropped and a newline in a name becomes a space, in the page and in the footer."""
    texts = page_texts(render(make_record([make_line("Titre\x00 propre")], agent_name="Léa\nMartin\x07")))
    assert "livret de formation de Léa Martin — page 1" in texts[0]
    assert "Léa Martin Organisation" in texts[0]
    assert "Titre propre" in texts[0]


def test_long_name_and_long_title_wrap_without_losing_words():
    """A 300-character name and a 250-character title wrap onto several lines with every word kept."""
    name = " ".join(f"Prénom{i:04d}" for i in range(30))[:300]
    title = " ".join(f"Module{i:04d}" for i in range(30))[:250]
    assert len(name) == 300
    assert len(title) == 250
    words = set(text_of(make_record([make_line(title)], agent_name=name)).split())
    assert set(name.split()) <= words
    assert set(title.split()) <= words


def test_many_lines_span_pages_each_with_footer_and_number():
    """Sixty lines run over several pages, each carrying the footer with its own page number."""
    lines = [make_line(f"Formation numéro {i}", competences=(SEARCH, SECURITY)) for i in range(60)]
    texts = page_texts(render(make_record(lines)))
    assert len(texts) > 2
    for number, text in enumerate(texts, start=1):
        assert f"Cap Numérique — livret de formation de Camille Martin — page {number}" in text
        assert "Ce livret recense les formations terminées sur la plateforme Cap Numérique." in text
    assert "Formation numéro 59" in texts[-1]


def test_table_header_is_repeated_on_every_page():
    """The column header row is repeated at the top of each page of the table."""
    lines = [make_line(f"Formation numéro {i}", competences=(SEARCH,)) for i in range(60)]
    for text in page_texts(render(make_record(lines))):
        assert "Date Formation Durée Compétences (CRCN)" in text


def test_empty_record_says_so():
    """A record with no completed course shows the empty sentence and no table."""
    text = text_of(make_record([]))
    assert "Aucune formation terminée pour l'instant." in text
    assert "Compétences (CRCN)" not in text


def test_character_without_glyph_becomes_replacement_character():
    """A character the fonts cannot draw (emoji, CJK) is printed as U+FFFD and does not break rendering."""
    text = text_of(make_record([make_line("Atelier 🦄 漢字")]))
    assert "Atelier � ��" in text


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(0, "0 min"), (45, "45 min"), (60, "1 h"), (90, "1 h 30"), (125, "2 h 05"), (600, "10 h")],
)
def test_format_minutes(minutes, expected):
    """Durations are written the French way, in minutes below an hour, in hours and minutes above."""
    assert format_minutes(minutes) == expected


def test_filename_is_ascii_and_dated():
    """The download name is ASCII, carries the slugified name and the issue date, and ends with .pdf."""
    filename, _type, _data = render_training_record(make_record(agent_name="Łukasz Żółć <b>"))
    assert filename.isascii()
    assert filename.startswith("livret-formation-")
    assert filename.endswith("-2026-11-29.pdf")


def test_filename_falls_back_to_agent():
    """A name with nothing ASCII to slugify gives "agent" in the download name."""
    filename, _type, _data = render_training_record(make_record(agent_name="漢字"))
    assert filename == "livret-formation-agent-2026-11-29.pdf"


def test_fonts_are_embedded_dejavu():
    """Every font the PDF uses is an embedded DejaVu Sans subset (regular and bold)."""
    reader = render(make_record([make_line()]))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert "/FontFile2" in font["/FontDescriptor"]
            names.add(font["/BaseFont"].split("+")[-1])
    assert names == {"DejaVuSans", "DejaVuSans-Bold"}


def test_register_fonts_is_idempotent():
    """Registering twice is harmless and the shared font names are known to ReportLab."""
    register_fonts()
    register_fonts()
    assert {FONT, FONT_BOLD} <= set(pdfmetrics.getRegisteredFontNames())


def test_document_metadata():
    """The PDF carries a title with the agent's name, the site as author and a subject."""
    metadata = render(make_record([make_line()])).metadata
    assert metadata.title == "Livret individuel de formation — Camille Martin"
    assert metadata.author == "Cap Numérique"
    assert metadata.subject == "Formations terminées sur la plateforme Cap Numérique"
