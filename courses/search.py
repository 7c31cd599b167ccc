"""Accent- and case-blind catalogue search.

Wagtail's database backend (and PostgreSQL's full-text search) compares words as written, so "reseaux"
would not find "réseaux". Pages index a plain copy of their text (`search_text`), and queries are made
plain the same way before searching.
"""

import re

from anyascii import anyascii

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 12


def plain_text(text: str) -> str:
    """Lower case, without accents or markup."""
    without_tags = re.sub(r"<[^>]+>", " ", text or "")
    return anyascii(without_tags).lower()


def plain_query(query: str) -> str:
    """A query reduced to at most a dozen plain words; empty when nothing searchable is left."""
    words = re.findall(r"[^\W_]+", plain_text((query or "")[:MAX_QUERY_LENGTH]))
    return " ".join(words[:MAX_QUERY_WORDS])
