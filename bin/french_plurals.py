#!/usr/bin/env python3
"""Write locale/fr/LC_MESSAGES/django.po: the French plural forms of our own strings.

French is the source language, so its strings need no translation — except plurals: for a msgid that
no catalogue holds, gettext falls back to the English rule (n != 1) and prints "0 formations". This
catalogue lists each plural msgid of the English catalogue with the French rule (n > 1) and the French
forms themselves, so that 0 and 1 take the singular.

    .venv/bin/python bin/french_plurals.py          # `make messages` runs it before compiling
    .venv/bin/python bin/french_plurals.py --check  # fails when the French catalogue is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
TARGET = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def french_catalogue() -> polib.POFile:
    english = polib.pofile(str(SOURCE))
    french = polib.POFile(wrapwidth=0)
    french.metadata = {
        "Project-Id-Version": "Cap Numérique",
        "Language": "fr",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": "nplurals=2; plural=(n > 1);",
    }
    for entry in english:
        if entry.msgid_plural and not entry.obsolete:
            french.append(
                polib.POEntry(
                    msgctxt=entry.msgctxt,
                    msgid=entry.msgid,
                    msgid_plural=entry.msgid_plural,
                    msgstr_plural={0: entry.msgid, 1: entry.msgid_plural},
                )
            )
    return french


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the French catalogue is out of date")
    args = parser.parse_args()
    text = str(french_catalogue())
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            sys.stderr.write(f"{TARGET.relative_to(ROOT)} is out of date: run `make messages`.\n")
            return 1
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
