"""Question bank formats (GIFT, Aiken) as plain Python: no Django, no database."""

from .aiken import export_aiken, parse_aiken
from .decoding import MAX_BYTES, DecodingError, decode_text
from .gift import export_gift, parse_gift
from .model import QUESTION_TYPES, FormatError, ParsedAnswer, ParsedQuestion, ParseResult

__all__ = [
    "MAX_BYTES",
    "QUESTION_TYPES",
    "DecodingError",
    "FormatError",
    "ParseResult",
    "ParsedAnswer",
    "ParsedQuestion",
    "decode_text",
    "export_aiken",
    "export_gift",
    "parse_aiken",
    "parse_gift",
]
