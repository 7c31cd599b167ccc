"""Reading an uploaded question file: size limit, encoding and binary content.

Trainers bring files saved by Moodle (UTF-8), by a text editor (UTF-8 with or without BOM) or by an old
Windows tool (Windows-1252). Anything else is refused with a French message the trainer can act on.
"""

from __future__ import annotations

import codecs
import re

MAX_BYTES = 10 * 1024 * 1024

# C0 controls except tab, line feed and carriage return, DEL and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class DecodingError(ValueError):
    """The file cannot be read as text; `line` is 0 when the whole file is concerned."""

    def __init__(self, message: str, line: int = 0):
        super().__init__(message)
        self.message = message
        self.line = line


def _size_error(size: int) -> DecodingError:
    megabytes = size / (1024 * 1024)
    return DecodingError(
        f"le fichier est trop volumineux ({megabytes:.1f} Mo) : la taille maximale est de "
        f"{MAX_BYTES // (1024 * 1024)} Mo"
    )


def guess_encoding(data: bytes) -> str:
    """The encoding `decode_text` reads these bytes with: "utf-8-sig", "utf-8" or "cp1252"."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def decode_text(data: bytes | str) -> str:
    """The text of an uploaded file, with "\\n" line ends; raises DecodingError with a French message."""
    if isinstance(data, str):
        if len(data) > MAX_BYTES or len(data.encode("utf-8", "surrogatepass")) > MAX_BYTES:
            raise _size_error(len(data.encode("utf-8", "surrogatepass")))
        text = data.removeprefix("\ufeff")
    else:
        if len(data) > MAX_BYTES:
            raise _size_error(len(data))
        if not data:
            raise DecodingError("le fichier est vide")
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise DecodingError(
                "le fichier est encodé en UTF-16 : enregistrez-le en UTF-8 (ou Windows-1252) puis réessayez"
            )
        if b"\x00" in data:
            line = data[: data.index(b"\x00")].count(b"\n") + 1
            raise DecodingError("le fichier semble binaire (octet nul) : envoyez un fichier texte (.txt, .gift)", line)
        encoding = guess_encoding(data)
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise DecodingError(
                "encodage non reconnu : le fichier n'est ni en UTF-8 ni en Windows-1252", line
            ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        code = f"U+{ord(bad.group()):04X}"
        if bad.group() == "\x00":
            message = "le fichier semble binaire (caractère nul) : envoyez un fichier texte (.txt, .gift)"
        else:
            message = f"caractère de contrôle {code} interdit : le fichier n'est pas un fichier texte valide"
        raise DecodingError(message, line)
    if not text.strip():
        raise DecodingError("le fichier est vide")
    return text
