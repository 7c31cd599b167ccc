"""Reading an agent CSV file: decoding, delimiter, columns and per-line checks.

Pure functions of bytes and plain values (no database): `read_agent_csv()` returns the rows it
understood and every error with its line and column, in French. `people.services` compares the rows
with the database and writes them.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from .models import Agent, Service

COLUMNS = (
    "email",
    "first_name",
    "last_name",
    "matricule",
    "service",
    "job_title",
    "category",
    "status",
    "manager_email",
    "hire_date",
)
REQUIRED_VALUES = ("email", "first_name", "last_name")
# French headings that HR software commonly exports, accepted as the same columns.
COLUMN_ALIASES = {
    "courriel": "email",
    "mail": "email",
    "e-mail": "email",
    "adresse e-mail": "email",
    "prenom": "first_name",
    "nom": "last_name",
    "service_path": "service",
    "metier": "job_title",
    "emploi": "job_title",
    "categorie": "category",
    "statut": "status",
    "email_responsable": "manager_email",
    "responsable": "manager_email",
    "date_arrivee": "hire_date",
    "date d'arrivee": "hire_date",
}
STATUS_VALUES = {
    "": Agent.Status.TITULAIRE,
    "titulaire": Agent.Status.TITULAIRE,
    "stagiaire": Agent.Status.TITULAIRE,
    "contractuel": Agent.Status.CONTRACTUEL,
    "contractuelle": Agent.Status.CONTRACTUEL,
    "elu": Agent.Status.ELU,
    "elue": Agent.Status.ELU,
    "other": Agent.Status.OTHER,
    "autre": Agent.Status.OTHER,
}
CATEGORY_VALUES = {"": "", "a": "A", "b": "B", "c": "C", "aucune": "", "sans": "", "none": ""}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y")
MAX_FIELD_LENGTH = {"first_name": 150, "last_name": 150, "matricule": 50, "job_title": 200, "service": 1000}


@dataclass(frozen=True)
class LineError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Ligne %(line)s, colonne « %(column)s » : %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        return _("Ligne %(line)s : %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class AgentRow:
    line: int
    email: str
    first_name: str
    last_name: str
    matricule: str
    service: str  # canonical path "A / B / C", or ""
    job_title: str
    category: str
    status: str
    manager_email: str
    hire_date: date | None


@dataclass
class ParsedFile:
    rows: list[AgentRow] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""


def _plain(text: str) -> str:
    """Lower case without accents, for comparing headings and choice values."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def decode(data: bytes) -> tuple[str, str]:
    """Decode UTF-8 (with or without BOM) or Windows-1252; raise ValueError for binary content."""
    if not data.strip():
        raise ValueError(_("Le fichier est vide."))
    if b"\x00" in data[:8192]:
        raise ValueError(_("Ce fichier n'est pas un fichier texte CSV (il contient des données binaires)."))
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
        except UnicodeDecodeError as exc:  # a BOM, then something else: the file says UTF-8 but is not
            raise ValueError(
                _("L'encodage du fichier n'est pas reconnu : enregistrez-le en UTF-8 ou en Windows-1252.")
            ) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ValueError(
            _("L'encodage du fichier n'est pas reconnu : enregistrez-le en UTF-8 ou en Windows-1252.")
        ) from exc
    controls = sum(1 for char in text[:8192] if unicodedata.category(char) == "Cc" and char not in "\r\n\t")
    if controls > 0:
        raise ValueError(_("Ce fichier n'est pas un fichier texte CSV (il contient des données binaires)."))
    return text, "cp1252"


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") >= header_line.count(",") else ","


def canonical_service_path(value: str) -> str:
    parts = [" ".join(part.split()) for part in value.split("/")]
    return Service.SEPARATOR.join(part for part in parts if part)


def _parse_date(value: str) -> date:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def read_agent_csv(data: bytes) -> ParsedFile:
    """Read an agent file; every problem is an error with its line (1 = the header) and column."""
    result = ParsedFile()
    try:
        text, result.encoding = decode(data)
    except ValueError as exc:
        result.errors.append(LineError(1, "", str(exc)))
        return result
    text = text.lstrip("\ufeff")
    first_line = text.splitlines()[0] if text.splitlines() else ""
    result.delimiter = _delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=result.delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        result.errors.append(LineError(1, "", _("Le fichier est vide.")))
        return result
    names = [COLUMN_ALIASES.get(_plain(name), _plain(name)) for name in header]
    missing = [column for column in COLUMNS if column not in names]
    for column in missing:
        result.errors.append(LineError(1, column, _("colonne manquante dans l'en-tête.")))
    duplicated = {name for name in names if names.count(name) > 1 and name in COLUMNS}
    for column in sorted(duplicated):
        result.errors.append(LineError(1, column, _("cette colonne apparaît plusieurs fois.")))
    if missing or duplicated:
        return result
    index = {name: names.index(name) for name in COLUMNS}

    seen_matricules: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) < len(header):
                record = record + [""] * (len(header) - len(record))
            values = {column: record[index[column]].strip() for column in COLUMNS}
            row = _check_row(line, values, result.errors, seen_matricules, seen_emails)
            if row is not None:
                result.rows.append(row)
    except csv.Error as exc:
        result.errors.append(LineError(reader.line_num, "", _("ligne illisible (%(error)s).") % {"error": exc}))
    if not result.rows and not result.errors:
        result.errors.append(LineError(2, "", _("Le fichier ne contient aucun agent.")))
    return result


def _check_row(line, values, errors, seen_matricules, seen_emails) -> AgentRow | None:
    before = len(errors)
    for column in REQUIRED_VALUES:
        if not values[column]:
            errors.append(LineError(line, column, _("valeur obligatoire.")))
    for column, limit in MAX_FIELD_LENGTH.items():
        if len(values[column]) > limit:
            errors.append(LineError(line, column, _("%(limit)s caractères au plus.") % {"limit": limit}))
    email = values["email"].lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(LineError(line, "email", _("adresse e-mail invalide : « %(value)s ».") % {"value": email}))
        if email in seen_emails:
            errors.append(
                LineError(line, "email", _("adresse déjà présente ligne %(line)s.") % {"line": seen_emails[email]})
            )
        seen_emails.setdefault(email, line)
    matricule = values["matricule"]
    if matricule:
        if matricule in seen_matricules:
            errors.append(
                LineError(
                    line,
                    "matricule",
                    _("matricule « %(value)s » déjà présent ligne %(line)s.")
                    % {"value": matricule, "line": seen_matricules[matricule]},
                )
            )
        seen_matricules.setdefault(matricule, line)
    category = CATEGORY_VALUES.get(_plain(values["category"]).removeprefix("categorie ").strip())
    if category is None:
        errors.append(
            LineError(
                line,
                "category",
                _("catégorie inconnue « %(value)s » : A, B, C ou vide.") % {"value": values["category"]},
            )
        )
    status = STATUS_VALUES.get(_plain(values["status"]))
    if status is None:
        errors.append(
            LineError(
                line,
                "status",
                _("statut inconnu « %(value)s » : titulaire, contractuel, élu ou autre.") % {"value": values["status"]},
            )
        )
    hire_date = None
    if values["hire_date"]:
        try:
            hire_date = _parse_date(values["hire_date"])
        except ValueError:
            errors.append(
                LineError(
                    line,
                    "hire_date",
                    _("date invalide « %(value)s » : écrivez-la AAAA-MM-JJ ou JJ/MM/AAAA.")
                    % {"value": values["hire_date"]},
                )
            )
    manager_email = values["manager_email"].lower()
    if manager_email and manager_email == email:
        errors.append(LineError(line, "manager_email", _("un agent ne peut pas être son propre responsable.")))
    if len(errors) > before:
        return None
    return AgentRow(
        line=line,
        email=email,
        first_name=values["first_name"],
        last_name=values["last_name"],
        matricule=matricule,
        service=canonical_service_path(values["service"]),
        job_title=values["job_title"],
        category=category,
        status=status,
        manager_email=manager_email,
        hire_date=hire_date,
    )
