"""A certificate ("attestation de formation") as one A4 landscape PDF page, drawn with ReportLab.

A pure renderer: the caller gathers a `CertificateData` (no database access, no model here) and gets
back `(filename, "application/pdf", bytes)`. Fonts (DejaVu Sans, embedded) and `clean_text()` come from
progress.pdf: text is NFC, without control characters, and a character the fonts cannot draw (emoji,
CJK) is printed as U+FFFD. Text is drawn straight on the canvas, never through Paragraph markup, so a
name such as "<b>Léa</b>" or "A & B" is printed as typed. Right-to-left scripts are drawn in logical
order without shaping (ReportLab does no bidi here): readable enough for a name, and never a crash.

Speed: a batch (a whole department finishing a compulsory course) renders thousands, so everything that
does not depend on the certificate is computed once per process (bench/bench_certificate_render.py):

- no platypus: text is wrapped here from word widths (a character → width table, no Python loop per
  character) and each block is drawn as one text object;
- font subsets: every page starts both fonts' subsets with the same French letters (SUBSET_SEED), so
  most certificates use the same subsets, whose embedded files (subset, compressed), widths and
  ToUnicode maps are built once (`_subset_parts`) instead of ReportLab subsetting and compressing the
  fonts for every document (`_embed_fonts`); a name with other letters only misses that cache;
- the logo is decoded, flattened on white, scaled down and compressed once per distinct bytes;
- the QR code is a grey image (4 pixels per module, zlib), built with qrcode at a fixed mask pattern
  (choosing the "best" of the eight costs ten times the rest, and every reader decodes any mask) from
  codewords computed here (`_qr_codewords`: the same as qrcode's, a test compares them, 4× faster);
- the page's content stream is left uncompressed: a few kilobytes, which ReportLab would encode in
  ASCII85 on top of zlib, in pure Python (ReportLab's C accelerator, rl_accel, is not installed).

This reaches into a few ReportLab internals (`Canvas._doc`, `TTFont.state`, `PDFDocument.delayedFonts`,
the image XObject registration of `drawImage`); ReportLab is pinned, and the tests (fonts embedded,
text extracted, images and QR code read back) would show a change. Meant for one thread per process
(Celery prefork): subsetting reads the font file through one shared file position.
"""

from __future__ import annotations

import copy
import datetime
import functools
import hashlib
import io
import logging
import math
import re
import zlib
from dataclasses import dataclass, field, replace

import qrcode
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from PIL import Image, ImageOps
from qrcode import base as qr_base
from qrcode import util as qr_util
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont, makeToUnicodeCMap
from reportlab.pdfgen.canvas import Canvas

from progress.pdf import FONT, FONT_BOLD, clean_text, format_minutes, register_fonts

from . import codes

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/pdf"
DEFAULT_ACCENT = "#000091"  # the French State's "bleu France"
DEFAULT_HEADING = "Attestation de formation"
DEFAULT_STATEMENT = "a suivi avec succès la formation"  # as CertificateDesign.statement

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
MARGIN = 18 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
CENTRE = PAGE_WIDTH / 2
FRAME_INSET = 8 * mm
INK = colors.HexColor("#1E1E1E")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#BBBBCC")

LOGO_BOX = (50 * mm, 18 * mm)  # width, height: the logo is scaled to fit, aspect kept
LOGO_MAX_PIXELS = (600, 216)  # about 300 dpi in LOGO_BOX; larger logos are scaled down once
LOGO_MAX_SOURCE_PIXELS = 40_000_000  # refuse to decode bigger images (decompression bombs)
HEADER_TOP = PAGE_HEIGHT - 16 * mm
QR_SIZE = 26 * mm
QR_PIXELS_PER_MODULE = 4  # so that a viewer that smooths images still prints sharp modules
QR_MASK = 0  # fixed mask pattern, the cheapest to apply: see the module docstring
BOTTOM_BLOCK = 18 * mm  # bottom of the verification and signature blocks, above the footer
SIGNATURE_WIDTH = 72 * mm
GAP = 4 * mm

# Letters French certificates use, put in every font subset first so that most certificates share one
# subset (and its cached embedding). A name outside this set still renders: it only misses the cache.
SUBSET_SEED = "àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ«»’—–…°·"


@dataclass(frozen=True)
class CertificateCompetence:
    code: str
    name: str
    level: int


@dataclass(frozen=True)
class CertificateData:
    code: str  # display form "XXXX-XXXX-XXXX"
    verification_url: str
    agent_name: str
    organisation: str
    title: str
    kind: str  # "course" or "path"
    completed_at: datetime.date
    duration_minutes: int
    competences: tuple[CertificateCompetence, ...] = ()
    heading: str = DEFAULT_HEADING
    statement: str = DEFAULT_STATEMENT
    signatory_name: str = ""
    signatory_title: str = ""
    accent_colour: str = DEFAULT_ACCENT
    footer: str = ""
    logo: bytes | None = field(default=None, repr=False)  # PNG or JPEG; missing or unreadable: no logo


# --- Text measuring and wrapping ------------------------------------------------------------------


class _Widths(dict):
    """Advance widths by character; a character the font lacks has the font's default width."""

    def __init__(self, widths: dict[str, float], default: float):
        super().__init__(widths)
        self.default = default

    def __missing__(self, char: str) -> float:
        return self.default


class _Font:
    """A registered TrueType font with cheap widths, in thousandths of the font size (as ReportLab's
    stringWidth computes them, without a Python-level loop)."""

    def __init__(self, name: str):
        self.name = name
        face = pdfmetrics.getFont(name).face
        self._widths = _Widths({chr(code): width for code, width in face.charWidths.items()}, face.defaultWidth)
        self.space = self.units(" ")

    def units(self, text: str) -> float:
        return sum(map(self._widths.__getitem__, text))

    def width(self, text: str, size: float) -> float:
        return self.units(text) * size / 1000

    def measure(self, text: str) -> list[tuple[str, float]]:
        """The words of `text` (split on spaces only: a no-break space keeps its words together) with their widths."""
        return [(word, self.units(word)) for word in text.split(" ") if word]

    def split_word(self, word: str, limit: float) -> list[str]:
        """`word` cut into pieces no wider than `limit` units (each at least one character)."""
        pieces, start, used = [], 0, 0.0
        for index, width in enumerate(map(self._widths.__getitem__, word)):
            if used + width > limit and index > start:
                pieces.append(word[start:index])
                start, used = index, 0.0
            used += width
        pieces.append(word[start:])
        return pieces


@functools.cache
def _fonts() -> tuple[_Font, _Font]:
    register_fonts()
    return _Font(FONT), _Font(FONT_BOLD)


def _wrap(font: _Font, words: list[tuple[str, float]], size: float, width: float) -> list[str]:
    """Lines no wider than `width` points at `size`, broken between words; a word wider than a line is
    broken between characters rather than cut."""
    limit = width * 1000 / size
    lines: list[str] = []
    line: list[str] = []
    used = 0.0
    for word, units in words:
        if units > limit:
            if line:
                lines.append(" ".join(line))
            *full, last = font.split_word(word, limit)
            lines.extend(full)
            line, used = [last], font.units(last)
        elif line and used + font.space + units > limit:
            lines.append(" ".join(line))
            line, used = [word], units
        else:
            used += font.space + units if line else units
            line.append(word)
    if line:
        lines.append(" ".join(line))
    return lines


@dataclass
class _Block:
    """Wrapped lines at one size; `height` is what the block takes on the page."""

    font: _Font
    size: float
    lines: list[str]
    leading_ratio: float = 1.2

    @property
    def leading(self) -> float:
        return self.size * self.leading_ratio

    @property
    def height(self) -> float:
        return len(self.lines) * self.leading


def _fit(font: _Font, text: str, width: float, candidates, max_lines: int, leading: float = 1.2) -> _Block:
    """The first (size, lines) candidate that holds `text` in that many lines of `width`; past the last
    one, the smallest size with at most `max_lines` lines, the last ending with an ellipsis (only
    absurdly long text gets there)."""
    words = font.measure(text)
    lines: list[str] = []
    for size, most in candidates:
        lines = _wrap(font, words, size, width)
        if len(lines) <= most:
            return _Block(font, size, lines, leading)
    size = candidates[-1][0]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _ellipsis(font, " ".join(lines[max_lines - 1 :]), size, width)]
    return _Block(font, size, lines, leading)


def _ellipsis(font: _Font, text: str, size: float, width: float) -> str:
    """`text` shortened with an ellipsis to fit `width` points on one line."""
    if font.width(text, size) <= width:
        return text
    room = width * 1000 / size - font.units("…")
    low, high = 0, len(text)
    while low < high:  # longest prefix that fits, by bisection
        middle = (low + high + 1) // 2
        if font.units(text[:middle]) <= room:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


def _draw_lines(canvas: Canvas, font: _Font, size: float, colour, lines) -> None:
    """Draw `(x, baseline, text)` lines in one text object (cheaper than one drawString each)."""
    text = canvas.beginText()
    text.setFont(font.name, size)
    text.setFillColor(colour)
    for x, baseline, line in lines:
        text.setTextOrigin(x, baseline)
        text.textLine(line)  # textOut would measure the line again to advance the cursor
    canvas.drawText(text)


def _draw_centred(canvas: Canvas, block: _Block, top: float, colour, centre: float = CENTRE) -> float:
    """Draw `block` centred on `centre` below `top`; returns the y under it."""
    if block.lines:
        font, size, leading = block.font, block.size, block.leading
        placed = [
            (centre - font.width(line, size) / 2, top - size - index * leading, line)
            for index, line in enumerate(block.lines)
        ]
        _draw_lines(canvas, font, size, colour, placed)
    return top - block.height


def _draw_left(canvas: Canvas, block: _Block, x: float, top: float, colour) -> float:
    """Draw `block` from `x` below `top`; returns the y under it."""
    if block.lines:
        size, leading = block.size, block.leading
        placed = [(x, top - size - index * leading, line) for index, line in enumerate(block.lines)]
        _draw_lines(canvas, block.font, size, colour, placed)
    return top - block.height


# Candidate (size, most lines) pairs, tried in order: shrink on one line first, then wrap.
_NAME_SIZES = (
    *((size, 1) for size in (30, 28, 26, 24, 22, 20)),
    *((size, 2) for size in (22, 20, 18)),
    *((size, 3) for size in (17, 16, 15)),
    (14, 4),
    (13, 4),
    (12, 5),
)
_TITLE_SIZES = (
    *((size, 1) for size in (22, 20, 18)),
    *((size, 2) for size in (18, 17, 16)),
    *((size, 3) for size in (15, 14)),
    (13, 4),
    (12, 4),
    (11, 5),
)
_HEADING_SIZES = (*((size, 1) for size in (28, 26, 24, 22, 20, 18, 16)), (16, 2))
_STATEMENT_SIZES = ((13, 1), (12, 1), (12, 2), (11, 2), (10, 3))
_ORGANISATION_SIZES = ((13, 1), (12, 2), (11, 2), (10, 3), (9, 3))
_SIGNATORY_SIZES = ((10, 1), (9, 2), (8, 2))
_FOOTER_SIZES = ((7.5, 1), (7, 2), (6.5, 2))
_COMPETENCE_LAYOUTS = ((9, 1), (9, 2), (8.5, 2), (8, 2), (8, 3), (7.5, 3), (7, 3), (6.5, 3))  # (size, columns)


# --- Colours, logo and QR code -------------------------------------------------------------------

_HEX_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")


@functools.lru_cache(maxsize=64)
def accent_colour(value: object) -> colors.Color:
    """The accent colour "#RRGGBB"; anything else (empty, a name, a typo) gives the default bleu France."""
    text = value.strip() if isinstance(value, str) else ""
    return colors.HexColor(text if _HEX_COLOUR.fullmatch(text) else DEFAULT_ACCENT)


@dataclass(frozen=True)
class _Image:
    """Pixels ready for the PDF (zlib-compressed), drawn as an image XObject without further work."""

    name: str  # unique per content, a valid PDF name
    width: int
    height: int
    colour_space: str  # DeviceGray or DeviceRGB
    data: bytes

    def xobject(self) -> pdfdoc.PDFImageXObject:
        image = pdfdoc.PDFImageXObject(self.name)
        image.width, image.height = self.width, self.height
        image.bitsPerComponent = 8
        image.colorSpace = self.colour_space
        image._filters = ("FlateDecode",)
        image.streamContent = self.data
        image.mask = None
        return image


def _draw_image(canvas: Canvas, image: _Image, x: float, y: float, width: float, height: float) -> None:
    """`canvas.drawImage()` for an image whose PDF stream is ready: ReportLab would hash and compress the
    pixels again for every document. Registers the XObject the same way drawImage does."""
    doc = canvas._doc
    registered = doc.getXObjectName(image.name)
    if registered not in doc.idToObject:
        xobject = image.xobject()
        canvas._setXObjects(xobject)
        doc.Reference(xobject, registered)
        doc.addForm(image.name, xobject)
    canvas._currentPageHasImages = 1
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(width, height)
    canvas._code.append(f"/{registered} Do")
    canvas.restoreState()
    canvas._formsinuse.append(image.name)


class _LogoKey:
    """Logo bytes hashed once (BLAKE2b), so the cache compares 16-byte digests, not megabytes."""

    __slots__ = ("data", "digest")

    def __init__(self, data: bytes):
        self.data = data
        self.digest = hashlib.blake2b(data, digest_size=16).digest()

    def __hash__(self) -> int:
        return hash(self.digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _LogoKey) and other.digest == self.digest


def _logo(data: bytes | None) -> _Image | None:
    if not data or not isinstance(data, bytes | bytearray | memoryview):
        return None
    return _prepared_logo(_LogoKey(bytes(data)))


@functools.lru_cache(maxsize=32)
def _prepared_logo(key: _LogoKey) -> _Image | None:
    """The logo decoded, turned upright (EXIF), flattened on white, scaled down to what the box shows at
    about 300 dpi and compressed, once per distinct bytes; None (logged) when it cannot be read."""
    try:
        image = _decode_logo(key.data)
    except Exception as exc:  # noqa: BLE001 — Pillow raises many kinds; a logo never stops a certificate
        logger.warning("Certificate logo ignored, it cannot be read: %s: %s", type(exc).__name__, exc)
        return None
    return _Image(
        name=f"caplogo{key.digest.hex()}",
        width=image.width,
        height=image.height,
        colour_space="DeviceGray" if image.mode == "L" else "DeviceRGB",
        data=zlib.compress(image.tobytes()),
    )


def _decode_logo(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data), formats=("PNG", "JPEG")) as source:
        if source.width * source.height > LOGO_MAX_SOURCE_PIXELS:
            raise ValueError(f"{source.width}×{source.height} pixels is too many")
        source.draft("RGB", LOGO_MAX_PIXELS)  # JPEG: decoded at a reduced scale directly
        image = ImageOps.exif_transpose(source)
        image.load()
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    image.thumbnail(LOGO_MAX_PIXELS, Image.Resampling.LANCZOS)
    if not (image.width and image.height):
        raise ValueError("empty image")
    return image


def _qr_version(size: int) -> int | None:
    """The smallest QR version holding `size` bytes at error correction M (what `make(fit=True)` finds,
    without encoding the data a first time to count its bits)."""
    limits = qr_util.BIT_LIMIT_TABLE[ERROR_CORRECT_M]
    for version in range(1, 41):
        if 4 + qr_util.length_in_bits(qr_util.MODE_8BIT_BYTE, version) + 8 * size <= limits[version]:
            return version
    return None


@functools.cache
def _rs_generator(count: int) -> tuple[int, ...]:
    """Logarithms of the Reed–Solomon generator polynomial's coefficients for `count` error codewords
    (the leading 1 left out)."""
    exp, log = qr_base.EXP_TABLE, qr_base.LOG_TABLE
    polynomial = [1]
    for power in range(count):  # multiply by (x + α^power)
        product = [*polynomial, 0]
        for index, coefficient in enumerate(polynomial):
            if coefficient:
                product[index + 1] ^= exp[(log[coefficient] + power) % 255]
        polynomial = product
    return tuple(log[coefficient] for coefficient in polynomial[1:])


def _qr_codewords(payload: bytes, version: int) -> list[int]:
    """The codewords (data then error correction, interleaved) of one byte-mode segment at error
    correction M: exactly what `qrcode.util.create_data()` returns (a test compares them), about four
    times faster, because qrcode writes the data bit by bit and divides polynomials with lists."""
    blocks = qr_base.rs_blocks(version, ERROR_CORRECT_M)
    capacity = sum(block.data_count for block in blocks)
    count_bits = qr_util.length_in_bits(qr_util.MODE_8BIT_BYTE, version)
    bits = (qr_util.MODE_8BIT_BYTE << count_bits | len(payload)) << 8 * len(payload) | int.from_bytes(payload)
    length = 4 + count_bits + 8 * len(payload)
    tail = min(capacity * 8 - length, 4)  # terminator, then zeros up to a whole byte
    tail += -(length + tail) % 8
    data = (bits << tail).to_bytes((length + tail) // 8)
    data = (data + bytes((qr_util.PAD0, qr_util.PAD1)) * capacity)[:capacity]
    exp, log = qr_base.EXP_TABLE, qr_base.LOG_TABLE
    data_blocks, error_blocks, offset = [], [], 0
    for block in blocks:
        block_data = data[offset : offset + block.data_count]
        offset += block.data_count
        generator = _rs_generator(block.total_count - block.data_count)
        remainder = [0] * len(generator)
        for byte in block_data:  # polynomial division, one register shift per data codeword
            factor = byte ^ remainder.pop(0)
            remainder.append(0)
            if factor:
                factor_log = log[factor]
                for index, generator_log in enumerate(generator):
                    remainder[index] ^= exp[(factor_log + generator_log) % 255]
        data_blocks.append(block_data)
        error_blocks.append(remainder)
    codewords: list[int] = []
    for blocks_of_a_kind in (data_blocks, error_blocks):
        for index in range(max(len(block) for block in blocks_of_a_kind)):
            codewords.extend(block[index] for block in blocks_of_a_kind if index < len(block))
    return codewords


def _qr_image(url: str) -> _Image | None:
    """The QR code of `url` (byte mode, error correction M, quiet zone of 4 modules) as a grey image, each
    module QR_PIXELS_PER_MODULE pixels wide; None when the URL is too long for any QR code."""
    payload = url.encode("utf-8")
    version = _qr_version(len(payload))
    if version is None:
        logger.warning("Verification URL too long for a QR code (%d bytes)", len(payload))
        return None
    code = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_M, border=4, mask_pattern=QR_MASK)
    code.add_data(qr_util.QRData(payload, mode=qr_util.MODE_8BIT_BYTE))
    code.data_cache = _qr_codewords(payload, version)  # qrcode places these instead of computing its own
    code.make(fit=False)
    matrix = code.get_matrix()
    modules = len(matrix)
    pixels = b"".join(bytes(row) for row in matrix).translate(_DARK_TO_GREY)
    size = modules * QR_PIXELS_PER_MODULE
    image = Image.frombytes("L", (modules, modules), pixels).resize((size, size), Image.Resampling.NEAREST)
    return _Image(name="capqr", width=size, height=size, colour_space="DeviceGray", data=zlib.compress(image.tobytes()))


_DARK_TO_GREY = bytes([255, 0]) + bytes(254)  # module True (1) is black (0), False (0) is white (255)


# --- Font subsets, embedded once -----------------------------------------------------------------


class _Raw(pdfdoc.PDFObject):
    """PDF syntax formatted once (a Widths array), written as is."""

    def __init__(self, content: bytes):
        self.content = content

    def format(self, document) -> bytes:
        return self.content


@dataclass(frozen=True)
class _SubsetParts:
    base_font_name: str
    widths: bytes
    to_unicode: bytes  # zlib-compressed
    font_file: bytes  # zlib-compressed
    font_file_length: int


@functools.lru_cache(maxsize=64)
def _subset_parts(font_name: str, index: int, subset: tuple[int, ...]) -> _SubsetParts:
    """What ReportLab's TTFont.addObjects builds for one subset, formatted and compressed."""
    face = pdfmetrics.getFont(font_name).face
    base_font_name = b"".join((SUBSETN(index), b"+", face.name, face.subfontNameX)).decode("pdfdoc")
    widths = "[" + " ".join(str(face.getCharWidth(code)) for code in subset) + "]"
    font_file = face.makeSubset(list(subset))
    return _SubsetParts(
        base_font_name=base_font_name,
        widths=widths.encode("ascii"),
        to_unicode=zlib.compress(makeToUnicodeCMap(base_font_name, subset).encode("utf-8")),
        font_file=zlib.compress(font_file),
        font_file_length=len(font_file),
    )


class _SeedDocument:
    """Stands for a document while the seed is assigned (font states are keyed by weak reference)."""


@functools.cache
def _seeded_state(font_name: str) -> TTFont.State:
    """A font's subset state after SUBSET_SEED, built once: each page starts from a copy of it."""
    font = pdfmetrics.getFont(font_name)
    document = _SeedDocument()
    font.splitString(SUBSET_SEED, document)
    return font.state.pop(document)


def _seed_fonts(canvas: Canvas) -> None:
    """Start both fonts' subsets on this page with SUBSET_SEED, in that order (see `_embed_fonts`)."""
    for name in (FONT, FONT_BOLD):
        template = _seeded_state(name)
        state = copy.copy(template)
        state.assignments = dict(template.assignments)
        state.subsets = [list(subset) for subset in template.subsets]
        pdfmetrics.getFont(name).state[canvas._doc] = state


def _compressed_stream(content: bytes, **entries) -> pdfdoc.PDFStream:
    stream = pdfdoc.PDFStream(content=content)
    stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])  # already applied
    for key, value in entries.items():
        stream.dictionary[key] = value
    return stream


def _embed_fonts(canvas: Canvas) -> None:
    """Embed the fonts the page uses from `_subset_parts` (cached), in place of TTFont.addObjects(), which
    would subset, format and compress them again for this document. Same objects, same names."""
    doc = canvas._doc
    for font in [font for font in doc.delayedFonts if font.fontName in (FONT, FONT_BOLD)]:
        doc.delayedFonts.remove(font)
        state = font.state[doc]
        state.frozen = 1
        face = font.face
        for index, subset in enumerate(state.subsets):
            internal_name = font.getSubsetInternalName(index, doc)[1:]
            parts = _subset_parts(font.fontName, index, tuple(subset))
            font_file = doc.Reference(
                _compressed_stream(parts.font_file, Length1=parts.font_file_length),
                f"fontFile:{face.filename}({parts.base_font_name})",
            )
            descriptor = pdfdoc.PDFDictionary(
                {
                    "Type": "/FontDescriptor",
                    "Ascent": face.ascent,
                    "CapHeight": face.capHeight,
                    "Descent": face.descent,
                    "Flags": (face.flags & ~32) | 4,  # symbolic, not non-symbolic: as ReportLab writes it
                    "FontBBox": pdfdoc.PDFArray(face.bbox),
                    "FontName": pdfdoc.PDFName(parts.base_font_name),
                    "ItalicAngle": face.italicAngle,
                    "StemV": face.stemV,
                    "FontFile2": font_file,
                    "MissingWidth": face.defaultWidth,
                }
            )
            pdf_font = pdfdoc.PDFTrueTypeFont()
            pdf_font.Name = internal_name
            pdf_font.BaseFont = parts.base_font_name
            pdf_font.FirstChar = 0
            pdf_font.LastChar = len(subset) - 1
            pdf_font.Widths = _Raw(parts.widths)
            pdf_font.ToUnicode = doc.Reference(
                _compressed_stream(parts.to_unicode), f"toUnicodeCMap:{parts.base_font_name}"
            )
            pdf_font.FontDescriptor = doc.Reference(descriptor, f"fontDescriptor:{parts.base_font_name}")
            doc.Reference(pdf_font, internal_name)
            doc.idToObject["BasicFonts"].dict[internal_name] = pdf_font
        del font.state[doc]


# --- The page --------------------------------------------------------------------------------------


def filename_for(data: CertificateData) -> str:
    """ASCII download name: attestation-<code>.pdf."""
    code = re.sub(r"[^A-Za-z0-9-]+", "", str(data.code)).strip("-")[:40] or "code"
    return f"attestation-{code}.pdf"


@dataclass(frozen=True)
class _Texts:
    """What the page prints, through `clean_text()` once: NFC, no control characters, U+FFFD for what the
    fonts cannot draw. Drawn as is, never parsed as markup."""

    code: str
    url: str
    agent: str
    organisation: str
    title: str
    heading: str
    statement: str
    signatory_name: str
    signatory_title: str
    footer: str
    competences: tuple[str, ...]


def _texts(data: CertificateData) -> _Texts:
    def text(value: object) -> str:
        return clean_text(value if value is not None else "").strip()

    statement = text(data.statement) or DEFAULT_STATEMENT
    if data.kind == "path" and statement == DEFAULT_STATEMENT:
        statement = _("a suivi avec succès le parcours")
    competences = []
    for competence in data.competences:
        line = f"{text(competence.code)} {text(competence.name)}".strip()
        if competence.level:
            line = _("%(competence)s — niveau %(level)d") % {"competence": line, "level": competence.level}
        competences.append(line)
    return _Texts(
        code=text(data.code),
        url=text(data.verification_url),
        agent=text(data.agent_name),
        organisation=text(data.organisation),
        title=text(data.title),
        heading=text(data.heading) or DEFAULT_HEADING,
        statement=statement,
        signatory_name=text(data.signatory_name),
        signatory_title=text(data.signatory_title),
        footer=text(data.footer),
        competences=tuple(competences),
    )


@dataclass
class _Competences:
    """The competences laid out: heading, then columns of lines (None: the space between two items)."""

    heading: _Block
    size: float
    columns: list[list[str | None]]
    column_width: float
    body_height: float

    @property
    def height(self) -> float:
        return self.heading.height + 1 * mm + self.body_height


def _plan_competences(lines: tuple[str, ...], room: float) -> _Competences | None:
    """The largest size and fewest columns that hold every competence in `room` points; when even the
    smallest cannot, as many as fit and a line saying how many more there are (never off the page)."""
    if not lines:
        return None
    regular, bold = _fonts()
    heading = _Block(bold, 8.5, [_("Compétences numériques attestées (référentiel CRCN)")])
    room -= heading.height + 1 * mm
    if room < _COMPETENCE_LAYOUTS[-1][0] * 1.2:
        return None
    items = [regular.measure(line) for line in lines]
    for size, columns in _COMPETENCE_LAYOUTS:
        column_lines, height, width = _columns(regular, items, size, columns)
        if height <= room:
            return _Competences(heading, size, column_lines, width, height)
    shown = len(items)
    while height > room and shown:
        shown -= 1
        more = _("… et %(count)d autres compétences") % {"count": len(items) - shown}
        column_lines, height, width = _columns(regular, [*items[:shown], regular.measure(more)], size, columns)
    return _Competences(heading, size, column_lines, width, height) if height <= room else None


def _columns(font: _Font, items: list, size: float, columns: int):
    """(lines of each column, height of the tallest, column width): filled column by column, the same
    number of items in each."""
    width = (CONTENT_WIDTH - (columns - 1) * GAP) / columns
    per_column = max(1, math.ceil(len(items) / columns))
    leading = size * 1.2
    result, tallest = [], 0.0
    for start in range(0, len(items), per_column):
        lines: list[str | None] = []
        height = 0.0
        for words in items[start : start + per_column]:
            if lines:
                lines.append(None)
                height += leading * 0.25
            wrapped = _wrap(font, words, size, width)
            lines.extend(wrapped)
            height += len(wrapped) * leading
        result.append(lines)
        tallest = max(tallest, height)
    return result, tallest, width


def _draw_competences(canvas: Canvas, plan: _Competences, top: float) -> None:
    regular, _bold = _fonts()
    top = _draw_centred(canvas, plan.heading, top, INK) - 1 * mm
    size, leading = plan.size, plan.size * 1.2
    single = len(plan.columns) == 1
    placed = []
    for index, lines in enumerate(plan.columns):
        baseline = top - size
        x = MARGIN + index * (plan.column_width + GAP)
        for line in lines:
            if line is None:
                baseline -= leading * 0.25
                continue
            placed.append((CENTRE - regular.width(line, size) / 2 if single else x, baseline, line))
            baseline -= leading
    _draw_lines(canvas, regular, size, INK, placed)


def _draw_frame(canvas: Canvas, accent) -> None:
    canvas.setStrokeColor(accent)
    canvas.setLineWidth(2)
    canvas.rect(FRAME_INSET, FRAME_INSET, PAGE_WIDTH - 2 * FRAME_INSET, PAGE_HEIGHT - 2 * FRAME_INSET)
    canvas.setLineWidth(0.5)
    inset = FRAME_INSET + 2 * mm
    canvas.rect(inset, inset, PAGE_WIDTH - 2 * inset, PAGE_HEIGHT - 2 * inset)


def _draw_header(canvas: Canvas, texts: _Texts, logo: _Image | None, accent) -> float:
    """Logo (scaled into LOGO_BOX, aspect kept) and organisation name at the top left, the certificate
    number at the top right; returns the y under the header."""
    regular, bold = _fonts()
    box_width, box_height = LOGO_BOX
    x = MARGIN
    if logo is not None:
        scale = min(box_width / logo.width, box_height / logo.height)
        width, height = logo.width * scale, logo.height * scale
        _draw_image(canvas, logo, MARGIN, HEADER_TOP - height, width, height)
        x += width + GAP
    number = _("Attestation n° %(code)s") % {"code": texts.code}
    number_width = regular.width(number, 8)
    _draw_lines(canvas, regular, 8, MUTED, [(PAGE_WIDTH - MARGIN - number_width, HEADER_TOP - 8, number)])
    if texts.organisation:
        width = PAGE_WIDTH - MARGIN - number_width - GAP - x
        block = _fit(bold, texts.organisation, width, _ORGANISATION_SIZES, max_lines=3)
        _draw_left(canvas, block, x, HEADER_TOP - max(0, (box_height - block.height) / 2), accent)
    return HEADER_TOP - box_height


def _draw_verification(canvas: Canvas, texts: _Texts, url: str, accent, right: float) -> float:
    """QR code of `url`, the code and the URL printed in full at the bottom left, up to `right`; returns
    the top of the block."""
    regular, bold = _fonts()
    qr = _qr_image(url)
    x = MARGIN
    if qr is not None:
        _draw_image(canvas, qr, MARGIN, BOTTOM_BLOCK, QR_SIZE, QR_SIZE)
        x += QR_SIZE + 3 * mm
    width = right - x
    top = BOTTOM_BLOCK + QR_SIZE - 3 * mm
    label = _Block(regular, 7.5, [_ellipsis(regular, _("Code de vérification"), 7.5, width)])
    top = _draw_left(canvas, label, x, top, MUTED)
    code = _fit(bold, texts.code, width, ((14, 1), (12, 1), (10, 1), (8, 2)), max_lines=2)
    top = _draw_left(canvas, code, x, top - 1, accent) - 2 * mm
    prompt = _Block(regular, 7.5, [_ellipsis(regular, _("Vérifier cette attestation en ligne :"), 7.5, width)])
    top = _draw_left(canvas, prompt, x, top, MUTED)
    # Printed in full: smaller until it holds on one line, then broken between characters.
    sizes = ((8.5, 1), (8, 1), (7.5, 1), (7, 1), (6.5, 1), (6, 1), (6, 3))
    _draw_left(canvas, _fit(regular, texts.url, width, sizes, max_lines=3), x, top - 1, INK)
    return BOTTOM_BLOCK + QR_SIZE


def _draw_signatory(canvas: Canvas, texts: _Texts) -> float:
    """The signatory's title, a line to sign on and their name, at the bottom right; returns the top of
    the block (the bottom of the verification block when there is no signatory)."""
    if not (texts.signatory_name or texts.signatory_title):
        return BOTTOM_BLOCK
    regular, bold = _fonts()
    left = PAGE_WIDTH - MARGIN - SIGNATURE_WIDTH
    centre = left + SIGNATURE_WIDTH / 2
    line_y = BOTTOM_BLOCK + 11 * mm
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.6)
    canvas.line(left + 6 * mm, line_y, left + SIGNATURE_WIDTH - 6 * mm, line_y)
    if texts.signatory_name:
        block = _fit(regular, texts.signatory_name, SIGNATURE_WIDTH, _SIGNATORY_SIZES, max_lines=2)
        _draw_centred(canvas, block, line_y - 2 * mm, INK, centre)
    top = BOTTOM_BLOCK + QR_SIZE
    if texts.signatory_title:
        block = _fit(bold, texts.signatory_title, SIGNATURE_WIDTH, _SIGNATORY_SIZES, max_lines=2)
        _draw_centred(canvas, block, top, INK, centre)
    return top


def _draw_footer(canvas: Canvas, texts: _Texts) -> None:
    if texts.footer:
        regular, _bold = _fonts()
        block = _fit(regular, texts.footer, CONTENT_WIDTH, _FOOTER_SIZES, max_lines=2)
        _draw_centred(canvas, block, FRAME_INSET + 6 * mm + block.height, MUTED)


def _draw_body(canvas: Canvas, data: CertificateData, texts: _Texts, accent, top: float, bottom: float) -> None:
    """Heading, agent, statement, title, date and duration, then the competences in the room left; the
    whole centred between the header and the bottom blocks."""
    regular, bold = _fonts()
    parts = [_("le %(date)s") % {"date": date_format(data.completed_at, "j F Y")}]
    if data.duration_minutes and data.duration_minutes > 0:
        parts.append(_("Durée : %(duration)s") % {"duration": format_minutes(data.duration_minutes)})
    rows = [  # (space above, block, colour); the rule under the heading is drawn in the second space
        (0, _fit(bold, texts.heading, CONTENT_WIDTH, _HEADING_SIZES, max_lines=2), accent),
        (10 * mm, _fit(bold, texts.agent, CONTENT_WIDTH, _NAME_SIZES, max_lines=6), INK),
        (2.5 * mm, _fit(regular, texts.statement, CONTENT_WIDTH, _STATEMENT_SIZES, max_lines=3), MUTED),
        (2.5 * mm, _fit(bold, texts.title, CONTENT_WIDTH, _TITLE_SIZES, max_lines=6), accent),
        (3 * mm, _fit(regular, "   ·   ".join(parts), CONTENT_WIDTH, ((12, 1), (11, 2)), max_lines=2), INK),
    ]
    used = sum(space + block.height for space, block, _colour in rows)
    competences = _plan_competences(texts.competences, top - bottom - used - 6 * mm)
    if competences is not None:
        used += 6 * mm + competences.height
    y = top - max(0.0, top - bottom - used) * 0.45  # a little above the centre
    for index, (space, block, colour) in enumerate(rows):
        if index == 1:
            canvas.setStrokeColor(accent)
            canvas.setLineWidth(1.2)
            canvas.line(CENTRE - 20 * mm, y - 3.5 * mm, CENTRE + 20 * mm, y - 3.5 * mm)
        y = _draw_centred(canvas, block, y - space, colour)
    if competences is not None:
        _draw_competences(canvas, competences, y - 6 * mm)


def render_certificate(data: CertificateData) -> tuple[str, str, bytes]:
    """Render the certificate; returns (filename, "application/pdf", PDF bytes)."""
    regular, _bold = _fonts()
    texts = _texts(data)
    accent = accent_colour(data.accent_colour)
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        pageCompression=0,  # see the module docstring
        initialFontName=regular.name,  # otherwise the page references a non-embedded Helvetica
        lang=get_language() or settings.LANGUAGE_CODE,
    )
    canvas.setTitle(f"{texts.heading} — {texts.agent}" if texts.agent else texts.heading)
    canvas.setAuthor(texts.organisation)
    if data.kind == "path":
        subject = _("Parcours « %(title)s », attestation n° %(code)s")
    else:
        subject = _("Formation « %(title)s », attestation n° %(code)s")
    canvas.setSubject(subject % {"title": texts.title, "code": texts.code})
    canvas.setCreator(settings.WAGTAIL_SITE_NAME)
    _seed_fonts(canvas)
    _draw_frame(canvas, accent)
    header_bottom = _draw_header(canvas, texts, _logo(data.logo), accent)
    signature_right = PAGE_WIDTH - MARGIN - SIGNATURE_WIDTH - GAP
    verification_top = _draw_verification(canvas, texts, data.verification_url, accent, signature_right)
    bottom = max(verification_top, _draw_signatory(canvas, texts))
    _draw_footer(canvas, texts)
    _draw_body(canvas, data, texts, accent, header_bottom - 4 * mm, bottom + 5 * mm)
    canvas.showPage()
    _embed_fonts(canvas)
    canvas.save()
    return filename_for(data), CONTENT_TYPE, buffer.getvalue()


def sample_code() -> str:
    payload = "7K3MZQ9PX4R"
    return codes.display(payload + codes.check_character(payload))


def sample_data(organisation: str = "Commune de Saint-Aubin", **overrides) -> CertificateData:
    """A plausible certificate for the design preview; `overrides` replace any field (the design's
    heading, statement, signatory, colour, footer and logo, or a real verification_url)."""
    code = sample_code()
    data = CertificateData(
        code=code,
        verification_url=f"{settings.SITE_URL}/verify/{code.replace('-', '')}/",
        agent_name="Camille Martin",
        organisation=organisation,
        title="Bien utiliser sa messagerie électronique",
        kind="course",
        completed_at=timezone.localdate(),
        duration_minutes=90,
        competences=(
            CertificateCompetence("2.1", "Interagir", 2),
            CertificateCompetence("2.2", "Partager et publier", 1),
            CertificateCompetence("4.1", "Sécuriser l'environnement numérique", 2),
        ),
    )
    return replace(data, **overrides)
