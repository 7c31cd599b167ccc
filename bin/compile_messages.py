#!/usr/bin/env python3
"""Compile the translation catalogues: every locale/*/LC_MESSAGES/*.po into its .mo, with polib.

    .venv/bin/python bin/compile_messages.py           # `make messages`: check the .po files, write the .mo
    .venv/bin/python bin/compile_messages.py --check   # verify each committed .mo matches its .po

The .mo files are committed, so nothing at runtime or in CI needs GNU gettext, and neither does this
script (polib is in requirements-dev.txt). A .po file with an untranslated or fuzzy entry stops the
compilation (exit status 1, nothing written) and names the entries to fix. `--check` writes nothing: it
compares the entries and header of each .mo with those its .po compiles to (not the bytes, nor the
creation and revision dates) and fails on any difference, on a missing .mo and on a .mo without its .po.

The French text is the msgid; to refresh the English catalogue after changing strings (makemessages does
need GNU gettext on the developer's machine), keep --no-location so that line numbers do not churn:

    .venv/bin/python manage.py makemessages -l en --no-location --ignore=.venv --ignore=var \\
        --ignore=tests --ignore=bench --ignore=deploy --ignore=courses/starter
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locale"

# Dates that change without changing any translation (GNU msgfmt even leaves POT-Creation-Date out).
UNCOMPARED_HEADERS = {"POT-Creation-Date", "PO-Revision-Date"}

Catalogue = tuple[dict[str, str], dict[tuple[str, str, str], tuple[str, ...]]]


def po_files(locale_dir: Path) -> list[Path]:
    return sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))


def _name(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def incomplete_entries(po: polib.POFile) -> list[str]:
    """The entries that would be missing from the .mo: untranslated (plural forms included) or fuzzy."""
    problems = []
    if po.metadata_is_fuzzy:
        problems.append("the header is marked fuzzy")
    for entry in po:
        if entry.obsolete:
            continue
        if entry.fuzzy:
            problems.append(f"fuzzy: {_short(entry.msgid)!r}")
        elif not entry.translated():
            problems.append(f"untranslated: {_short(entry.msgid)!r}")
    return problems


def _entries(entries: list) -> dict[tuple[str, str, str], tuple[str, ...]]:
    """Entries keyed by (context, msgid, plural msgid), each with its translation(s)."""
    result = {}
    for entry in entries:
        if not entry.msgid:
            continue  # the header, compared as metadata
        if entry.msgid_plural:
            msgstr = tuple(entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural))
        else:
            msgstr = (entry.msgstr,)
        result[(entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")] = msgstr
    return result


def _header(metadata: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in metadata.items() if key not in UNCOMPARED_HEADERS}


def parsed_po(po: polib.POFile) -> Catalogue:
    """What this .po compiles to: its header and its translated entries (fuzzy and obsolete ones left out)."""
    return _header(po.metadata), _entries(po.translated_entries())


def parsed_mo(path: Path) -> Catalogue:
    mo = polib.mofile(str(path))
    return _header(mo.metadata), _entries(list(mo))


def differences(expected: Catalogue, actual: Catalogue) -> list[str]:
    """How a compiled catalogue differs from what its .po gives, entry by entry."""
    problems = []
    header, found_header = expected[0], actual[0]
    if header != found_header:
        keys = sorted(key for key in header.keys() | found_header.keys() if header.get(key) != found_header.get(key))
        problems.append(f"header differs ({', '.join(keys)})")
    wanted, found = expected[1], actual[1]
    for key in sorted(wanted.keys() - found.keys()):
        problems.append(f"missing from the .mo: {_short(key[1])!r}")
    for key in sorted(found.keys() - wanted.keys()):
        problems.append(f"not in the .po: {_short(key[1])!r}")
    for key in sorted(wanted.keys() & found.keys()):
        if wanted[key] != found[key]:
            problems.append(f"different translation: {_short(key[1])!r}")
    return problems


def check(locale_dir: Path = LOCALE_DIR) -> list[str]:
    """Problems found comparing each .mo with its .po; an empty list when all are up to date."""
    problems = []
    sources = po_files(locale_dir)
    if not sources:
        problems.append(f"{_name(locale_dir)}: no */LC_MESSAGES/*.po file")
    for po_path in sources:
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists():
            problems.append(f"{_name(mo_path)}: missing")
            continue
        try:
            expected = parsed_po(polib.pofile(str(po_path)))
            actual = parsed_mo(mo_path)
        except (OSError, ValueError) as exc:
            problems.append(f"{_name(mo_path)}: unreadable ({exc})")
            continue
        problems += [f"{_name(mo_path)}: {problem}" for problem in differences(expected, actual)]
    for mo_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.mo")):
        if not mo_path.with_suffix(".po").exists():
            problems.append(f"{_name(mo_path)}: no .po file to compile it from")
    return problems


def compile_all(locale_dir: Path = LOCALE_DIR) -> tuple[list[str], list[str]]:
    """Write every .mo when every .po is complete. Returns (problems, lines reporting what was written)."""
    sources = po_files(locale_dir)
    if not sources:
        return [f"{_name(locale_dir)}: no */LC_MESSAGES/*.po file"], []
    catalogues, problems = [], []
    for po_path in sources:
        try:
            po = polib.pofile(str(po_path))
        except (OSError, ValueError) as exc:
            problems.append(f"{_name(po_path)}: unreadable ({exc})")
            continue
        problems += [f"{_name(po_path)}: {problem}" for problem in incomplete_entries(po)]
        catalogues.append((po_path, po))
    if problems:
        return problems, []
    written = []
    for po_path, po in catalogues:
        mo_path = po_path.with_suffix(".mo")
        po.save_as_mofile(str(mo_path))
        written.append(f"{_name(mo_path)}: {len(po.translated_entries())} entries")
    return [], written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the committed .mo files, write nothing")
    parser.add_argument("--locale-dir", type=Path, default=LOCALE_DIR, help="default: locale/ of the project")
    args = parser.parse_args(argv)
    if args.check:
        problems = check(args.locale_dir)
        if problems:
            sys.stderr.write("\n".join(problems) + "\n")
            sys.stderr.write("The .mo files are out of date: run `make messages` and commit the result.\n")
            return 1
        sys.stdout.write("The .mo files match their .po files.\n")
        return 0
    problems, written = compile_all(args.locale_dir)
    if problems:
        sys.stderr.write("\n".join(problems) + "\n")
        sys.stderr.write(f"{len(problems)} entries to fix before compiling: nothing was written.\n")
        return 1
    sys.stdout.write("Compiled " + "; ".join(written) + ".\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
