"""The certificate PDF: a pure renderer (no database), checked through pypdf (text, images, objects) and
a QR decoder (zxing-cpp)."""

import datetime
import io

import pytest
import zxingcpp
from django.utils import translation
from PIL import Image, ImageDraw
from pypdf import PdfReader
from qrcode import util as qr_util
from qrcode.constants import ERROR_CORRECT_M

from certificates import pdf
from certificates.pdf import CertificateCompetence, CertificateData, render_certificate, sample_data

URL = "https://formation.saint-aubin.example/verify/7K3MZQ9PX4RQ/"
CRCN = (
    ("1.1", "Mener une recherche et une veille d’information"),
    ("1.2", "Gérer des données"),
    ("1.3", "Traiter des données"),
    ("2.1", "Interagir"),
    ("2.2", "Partager et publier"),
    ("2.3", "Collaborer"),
    ("2.4", "S’insérer dans le monde numérique"),
    ("3.1", "Développer des documents textuels"),
    ("3.2", "Développer des documents multimédia"),
    ("3.3", "Adapter les documents à leur finalité"),
    ("3.4", "Programmer"),
    ("4.1", "Sécuriser l’environnement numérique"),
    ("4.2", "Protéger les données personnelles et la vie privée"),
    ("4.3", "Protéger la santé, le bien-être et l’environnement"),
    ("5.1", "Résoudre des problèmes techniques"),
    ("5.2", "Évoluer dans un environnement numérique"),
)
ALL_CRCN = tuple(CertificateCompetence(code, name, index % 5 + 1) for index, (code, name) in enumerate(CRCN))
LONG_NAME = " ".join(["Marie-Hélène", "Anne-Sophie", "Dupont-Lefèvre", "d’Auvergne"] * 8)[:300]
LONG_TITLE = " ".join(["Sensibilisation", "cybersécurité", "territoriaux", "numérique"] * 14)[:250]


@pytest.fixture(autouse=True)
def french():
    with translation.override("fr"):
        yield


def make_data(**kwargs) -> CertificateData:
    values = {
        "code": "7K3M-ZQ9P-X4RQ",
        "verification_url": URL,
        "agent_name": "Camille Martin",
        "organisation": "Commune de Saint-Aubin",
        "title": "Bien utiliser sa messagerie électronique",
        "kind": "course",
        "completed_at": datetime.date(2026, 11, 29),
        "duration_minutes": 90,
        "competences": (CertificateCompetence("2.1", "Interagir", 2), CertificateCompetence("4.1", "Sécuriser", 1)),
        "signatory_name": "Marie Dupont",
        "signatory_title": "La Maire",
        "footer": "Commune de Saint-Aubin — 1 place de la Mairie",
    }
    return CertificateData(**(values | kwargs))


def render(data: CertificateData) -> PdfReader:
    _filename, content_type, content = render_certificate(data)
    assert content_type == "application/pdf"
    return PdfReader(io.BytesIO(content))


def text_of(data: CertificateData) -> str:
    """The page's text with whitespace (line breaks of wrapped text) folded to single spaces."""
    return " ".join(render(data).pages[0].extract_text().split())


def logo_bytes(size=(400, 160), image_format="PNG") -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((0, 0, size[1], size[1]), fill=(200, 30, 30, 255))
    if image_format == "JPEG":
        image = image.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, image_format)
    return buffer.getvalue()


def decoded_qr_codes(reader: PdfReader) -> list[str]:
    return [barcode.text for image in reader.pages[0].images for barcode in zxingcpp.read_barcodes(image.image)]


def test_returns_an_ascii_filename_and_a_pdf():
    """The result is (attestation-<code>.pdf, application/pdf, PDF bytes)."""
    filename, content_type, content = render_certificate(make_data())
    assert filename == "attestation-7K3M-ZQ9P-X4RQ.pdf"
    assert content_type == "application/pdf"
    assert content.startswith(b"%PDF-")


def test_filename_stays_ascii_whatever_the_code():
    """A code with other characters gives an ASCII file name all the same."""
    filename, _content_type, _content = render_certificate(make_data(code="Été/..\\ 12 ✓"))
    assert filename.isascii()
    assert filename == "attestation-t12.pdf"


def test_text_shows_agent_title_date_url_and_code():
    """pypdf finds the agent's name, the title, the date, the verification URL and the code."""
    text = text_of(make_data())
    assert "Camille Martin" in text
    assert "Bien utiliser sa messagerie électronique" in text
    assert "le 29 novembre 2026" in text
    assert URL in text
    assert "7K3M-ZQ9P-X4RQ" in text


def test_shows_organisation_heading_statement_signatory_and_footer():
    """The design's texts and the organisation are printed."""
    text = text_of(make_data(heading="Certificat de réussite", statement="a brillamment terminé"))
    for expected in (
        "Commune de Saint-Aubin",
        "Certificat de réussite",
        "a brillamment terminé",
        "Marie Dupont",
        "La Maire",
        "Commune de Saint-Aubin — 1 place de la Mairie",
    ):
        assert expected in text


def test_duration_is_in_hours_and_minutes():
    """90 minutes are printed "Durée : 1 h 30"."""
    assert "Durée : 1 h 30" in text_of(make_data(duration_minutes=90))


def test_no_duration_line_part_when_duration_is_zero():
    """A duration of 0 is left out rather than printed "0 min"."""
    assert "Durée" not in text_of(make_data(duration_minutes=0))


def test_competences_are_listed_with_code_name_and_level():
    """Each competence is printed with its CRCN code, its name and its level."""
    text = text_of(make_data())
    assert "2.1 Interagir — niveau 2" in text
    assert "4.1 Sécuriser — niveau 1" in text


def test_path_certificate_says_parcours_with_the_default_statement():
    """A path's certificate with the default statement says "le parcours"."""
    assert "a suivi avec succès le parcours" in text_of(make_data(kind="path"))


def test_empty_heading_and_statement_fall_back_to_the_defaults():
    """An empty heading or statement (an old snapshot) prints the default ones."""
    text = text_of(make_data(heading="", statement=""))
    assert "Attestation de formation" in text
    assert "a suivi avec succès la formation" in text


def test_qr_code_decodes_to_the_verification_url():
    """The QR code image, read by zxing-cpp, gives the verification URL."""
    assert decoded_qr_codes(render(make_data())) == [URL]


def test_long_verification_url_is_printed_and_encoded_in_full():
    """A 200-character URL is both printed whole and in the QR code."""
    url = "https://formation.communaute-de-communes-du-pays-de-saint-aubin.example/verify/" + "A" * 120
    reader = render(make_data(verification_url=url))
    assert url in "".join(reader.pages[0].extract_text().split())
    assert decoded_qr_codes(reader) == [url]


@pytest.mark.parametrize("size", [1, 17, 42, 60, 100, 230, 400, 700, 1000])
def test_qr_codewords_match_the_qrcode_library(size):
    """Our faster codeword computation gives exactly qrcode's codewords (versions with one and many blocks)."""
    payload = bytes((index * 37 + size) % 256 for index in range(size))
    version = pdf._qr_version(size)
    expected = qr_util.create_data(version, ERROR_CORRECT_M, [qr_util.QRData(payload, mode=qr_util.MODE_8BIT_BYTE)])
    assert pdf._qr_codewords(payload, version) == expected


def test_markup_in_learner_and_hr_text_is_printed_literally():
    """Names and titles with markup, scripts and ampersands are printed as typed."""
    text = text_of(
        make_data(
            agent_name="<b>Léa</b> Martin",
            title="<script>alert(1)</script> A & B",
            organisation="Mairie <i>&amp;</i>",
        )
    )
    assert "<b>Léa</b> Martin" in text
    assert "<script>alert(1)</script> A & B" in text
    assert "Mairie <i>&amp;</i>" in text


def test_300_character_name_is_printed_in_full():
    """Every word of a 300-character name is found in the text (smaller and wrapped, never cut)."""
    assert len(LONG_NAME) == 300
    words = set(text_of(make_data(agent_name=LONG_NAME)).split())
    assert set(LONG_NAME.split()) <= words


def test_250_character_title_is_printed_in_full():
    """Every word of a 250-character title is found in the text."""
    assert len(LONG_TITLE) == 250
    words = set(text_of(make_data(title=LONG_TITLE)).split())
    assert set(LONG_TITLE.split()) <= words


def test_a_word_wider_than_the_page_is_broken_not_cut():
    """A name without spaces wider than the page is broken between characters, none lost."""
    name = "Wolfeschlegelsteinhausenbergerdorff" * 5
    text = "".join(render(make_data(agent_name=name)).pages[0].extract_text().split())
    assert name in text


def test_rtl_emoji_and_polish_names_do_not_break_rendering():
    """Arabic, Hebrew, emoji and Polish letters render; emoji become U+FFFD as in the training record."""
    text = text_of(make_data(agent_name="Łukasz Żółć مريم שָׁלוֹם 😀", title="Atelier 🎓 numérique"))
    assert "Łukasz Żółć" in text
    assert "Atelier \ufffd numérique" in text


def test_unusual_letters_do_not_leak_into_the_next_certificate():
    """After a certificate with letters outside the common subset, the next one shows its own text."""
    render(make_data(agent_name="Łukasz Żółć Ğüneş"))
    text = text_of(make_data(agent_name="Éloïse Lefèvre"))
    assert "Éloïse Lefèvre" in text
    assert "Łukasz" not in text


@pytest.mark.parametrize("logo", [None, b"", b"\x89PNG\r\n\x1a\n not really a png", b"GIF89a..."], ids=repr)
def test_missing_empty_or_corrupt_logo_renders_without_logo(logo):
    """No logo, empty bytes or unreadable bytes give a certificate with only the QR code image."""
    reader = render(make_data(logo=logo))
    assert len(reader.pages[0].images) == 1
    assert "Camille Martin" in reader.pages[0].extract_text()


@pytest.mark.parametrize("image_format", ["PNG", "JPEG"])
def test_valid_logo_is_embedded(image_format):
    """A valid PNG or JPEG logo adds an image to the page, its aspect ratio kept."""
    reader = render(make_data(logo=logo_bytes((400, 160), image_format)))
    images = reader.pages[0].images
    assert len(images) == 2
    logo = next(image.image for image in images if not zxingcpp.read_barcodes(image.image))
    assert logo.width / logo.height == pytest.approx(400 / 160, rel=0.02)


def test_logo_is_decoded_once_per_distinct_bytes():
    """Rendering twice with the same logo bytes decodes the logo once."""
    logo = logo_bytes((321, 123))
    render_certificate(make_data(logo=logo))
    misses = pdf._prepared_logo.cache_info().misses
    render_certificate(make_data(logo=bytes(logo)))
    assert pdf._prepared_logo.cache_info().misses == misses


def test_sixteen_competences_fit_on_one_page():
    """All 16 CRCN competences are listed on a single page."""
    reader = render(make_data(competences=ALL_CRCN))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    for competence in ALL_CRCN:
        assert f"{competence.code} {competence.name}" in text


def text_positions(reader: PdfReader) -> list[tuple[float, float]]:
    positions = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            positions.append((tm[4], tm[5]))

    reader.pages[0].extract_text(visitor_text=visit)
    return positions


def test_longest_texts_and_many_competences_stay_inside_the_page():
    """A 300-character name, a 250-character title and 40 competences stay on one page, inside the frame."""
    competences = ALL_CRCN + tuple(
        CertificateCompetence(f"9.{index}", "Compétence au nom particulièrement long " * 2, 3) for index in range(24)
    )
    reader = render(make_data(agent_name=LONG_NAME, title=LONG_TITLE, competences=competences))
    assert len(reader.pages) == 1
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    positions = text_positions(reader)
    assert positions
    assert all(pdf.FRAME_INSET < x < width - pdf.FRAME_INSET for x, _y in positions)
    assert all(pdf.FRAME_INSET < y < height - pdf.FRAME_INSET for _x, y in positions)
    assert "autres compétences" in reader.pages[0].extract_text()


def test_invalid_accent_colour_falls_back_to_the_default():
    """An accent colour that is not #RRGGBB draws exactly what the default bleu France draws."""

    def content(colour: str) -> bytes:
        return render(make_data(accent_colour=colour)).pages[0].get_contents().get_data()

    default = content("#000091")
    assert content("bleu") == default
    assert content("#12345") == default
    assert content("#E1000F") != default


def test_page_is_a4_landscape():
    """The page is A4 in landscape: 842 × 595 points."""
    box = render(make_data()).pages[0].mediabox
    assert float(box.width) == pytest.approx(841.89, abs=0.01)
    assert float(box.height) == pytest.approx(595.28, abs=0.01)


def test_fonts_are_embedded():
    """Every font of the page is DejaVu Sans embedded as a TrueType subset (no Helvetica)."""
    fonts = render(make_data()).pages[0]["/Resources"]["/Font"]
    assert fonts
    for reference in fonts.values():
        font = reference.get_object()
        assert "DejaVuSans" in font["/BaseFont"]
        assert "/FontFile2" in font["/FontDescriptor"].get_object()


def test_embedded_font_files_are_truetype_of_the_declared_length():
    """Each embedded font file (built from the subset cache) is a TrueType font of its declared Length1."""
    fonts = render(make_data(agent_name="Łukasz Éloïse")).pages[0]["/Resources"]["/Font"]
    for reference in fonts.values():
        font_file = reference.get_object()["/FontDescriptor"].get_object()["/FontFile2"].get_object()
        data = font_file.get_data()
        assert data.startswith(b"\x00\x01\x00\x00")
        assert len(data) == font_file["/Length1"]


def test_metadata_has_title_author_and_subject():
    """The document's title names the agent, its author is the organisation, its subject the course."""
    metadata = render(make_data()).metadata
    assert metadata.title == "Attestation de formation — Camille Martin"
    assert metadata.author == "Commune de Saint-Aubin"
    assert metadata.subject == "Formation « Bien utiliser sa messagerie électronique », attestation n° 7K3M-ZQ9P-X4RQ"


def test_sample_data_renders_with_overrides():
    """The design preview's sample renders, with the organisation and design values given."""
    data = sample_data("Mairie de Test", heading="Certificat", accent_colour="#E1000F", logo=logo_bytes())
    text = text_of(data)
    assert "Mairie de Test" in text
    assert "Certificat" in text
    assert data.code in text
