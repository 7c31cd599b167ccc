"""Reading a Pix Orga campaign export ("collecte de profils"): columns, participants and levels.

Reads the database (the organisation's agents, the CRCN competences) but never writes:
`read_pix_file()` returns the rows it understood and every problem with its line and column, in French.
`skills.services_pix` keeps the file for the preview and records the levels on confirmation.

What Pix Orga writes (CSV, `;`, UTF-8 with BOM): campaign and participant columns, the campaign's own
external-id column (its header is whatever label the campaign asked for: "Matricule", "N° agent"…),
"Envoi (O/N)" (Oui/Non), "Date de l'envoi" (AAAA-MM-JJ), then for each competence
"Niveau pour la compétence <nom>" and "Nombre de pix pour la compétence <nom>". A participant who did
not send their profile has "NA" in those cells.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _

from people.importing import DATE_FORMATS, LineError, decode
from people.models import Agent

from .models import MAX_LEVEL, Competence

MAX_BYTES = 5 * 1024 * 1024
SAMPLE_ROWS = 20
MAX_LISTED = 200  # errors and notices kept in the summary; the total is kept beside them
EMAIL_CHUNK = 1000

# Roles of the columns we read, by their header without accents, in lower case.
EXTERNAL_ID_HEADERS = frozenset(
    {
        "matricule",
        "identifiant externe",
        "n° agent",
        "n° d'agent",
        "no agent",
        "numero agent",
        "numero d'agent",
    }
)
EMAIL_HEADERS = frozenset({"adresse e-mail", "adresse email", "adresse mail", "e-mail", "email", "mail", "courriel"})
ROLE_HEADERS = {
    "id campagne": "campaign_id",
    "code": "campaign_code",
    "code campagne": "campaign_code",
    "nom de la campagne": "campaign_name",
    "nom du participant": "last_name",
    "prenom du participant": "first_name",
    "envoi (o/n)": "shared",
    "partage (o/n)": "shared",
    "date de l'envoi": "shared_on",
    "date du partage": "shared_on",
}
# Informational columns of the export, read by nobody.
OTHER_PIX_HEADERS = frozenset(
    {
        "nom de l'organisation",
        "nombre de pix total",
        "certifiable (o/n)",
        "nombre de competences certifiables",
        "groupe",
        "classe",
        "numero etudiant",
    }
)
LEVEL_PREFIX = "niveau pour la competence "
PIX_PREFIX = "nombre de pix pour la competence "
COMPETENCE_CODE = re.compile(r"^(\d\.\d)\.?(?:\s*[-–—:]\s*|\s+|$)(.*)$")
YES = frozenset({"o", "oui", "y", "yes"})
NO = frozenset({"n", "non", "no"})
NOT_AVAILABLE = frozenset({"na", "n/a"})  # what Pix writes where there is no value


def plain(text: str) -> str:
    """A header or value compared loosely: no accents, lower case, one space, straight apostrophes."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'").lower())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.split())


@dataclass
class PixRow:
    """One participant who sent their profile, found among the organisation's agents."""

    line: int
    agent_id: int
    name: str
    matricule: str
    levels: dict[str, int]  # competence code -> level 0..8 (competences not measured are absent)
    observed_at: datetime


@dataclass
class PixFile:
    rows: list[PixRow] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    notices: list[LineError] = field(default_factory=list)
    skipped: int = 0
    competences: list[tuple[str, str]] = field(default_factory=list)  # (code, name) in the file's order
    campaign_id: str = ""
    campaign_code: str = ""
    campaign_name: str = ""
    encoding: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def level_count(self) -> int:
        return sum(len(row.levels) for row in self.rows)

    def summary(self) -> dict:
        """What the preview page shows, as plain JSON (errors and notices capped, with their total)."""
        codes = [code for code, _name in self.competences]
        return {
            "campaign": {"id": self.campaign_id, "code": self.campaign_code, "name": self.campaign_name},
            "encoding": self.encoding,
            "participants": len(self.rows),
            "levels": self.level_count,
            "skipped": self.skipped,
            "competences": [list(item) for item in self.competences],
            "sample": [
                {
                    "line": row.line,
                    "name": row.name,
                    "matricule": row.matricule,
                    "levels": [row.levels.get(code) for code in codes],
                }
                for row in self.rows[:SAMPLE_ROWS]
            ],
            "errors": [_as_dict(error) for error in self.errors[:MAX_LISTED]],
            "error_count": len(self.errors),
            "notices": [_as_dict(notice) for notice in self.notices[:MAX_LISTED]],
            "notice_count": len(self.notices),
        }


def _as_dict(error: LineError) -> dict:
    return {"line": error.line, "column": error.column, "message": error.message}


@dataclass
class _Agent:
    pk: int
    name: str
    matricule: str
    is_active: bool


@dataclass
class _Columns:
    """Where each column we read sits in the header (None: absent)."""

    external_id: int | None = None
    email: int | None = None
    campaign_id: int | None = None
    campaign_code: int | None = None
    campaign_name: int | None = None
    last_name: int | None = None
    first_name: int | None = None
    shared: int | None = None
    shared_on: int | None = None
    levels: list[tuple[int, str]] = field(default_factory=list)  # (index, competence code)

    @property
    def identifier(self) -> int:
        return self.external_id if self.external_id is not None else self.email


# --- reading ---------------------------------------------------------------------------------------


def read_pix_file(data: bytes, *, organisation_id: int, uploaded_at: datetime) -> PixFile:
    """Read an uploaded export: UTF-8 (with or without BOM) or Windows-1252, `;` or `,`."""
    try:
        text, encoding = decode(data)
    except ValueError as exc:
        return PixFile(errors=[LineError(1, "", str(exc))])
    return read_pix_text(text, organisation_id=organisation_id, uploaded_at=uploaded_at, encoding=encoding)


def read_pix_text(text: str, *, organisation_id: int, uploaded_at: datetime, encoding: str = "") -> PixFile:
    """Read a decoded export; every problem is an error with its line (1 = the header) and column.

    A share date in the file dates the levels; without one, `uploaded_at` does.
    """
    result = PixFile(encoding=encoding)
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    first_line = lines[0] if lines else ""
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [cell.strip() for cell in next(reader)]
    except (StopIteration, csv.Error):
        result.errors.append(LineError(1, "", _("Le fichier est vide.")))
        return result
    competences = dict(Competence.objects.values_list("code", "name"))
    columns = _read_header(header, competences, result)
    if columns is None:
        return result
    result.competences = [(code, competences[code]) for _index, code in columns.levels]

    records: list[tuple[int, list[str]]] = []
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                records.append((reader.line_num, [cell.strip() for cell in record]))
    except csv.Error as exc:
        result.errors.append(LineError(reader.line_num, "", _("ligne illisible (%(error)s).") % {"error": exc}))

    by_matricule, by_email = _directory(organisation_id)
    addresses = {
        record[index].lower()
        for _line, record in records
        for index in (columns.email, columns.external_id)
        if index is not None and index < len(record) and "@" in record[index]
    }
    elsewhere = _emails_elsewhere(addresses - set(by_email), organisation_id)
    checker = _RowChecker(header, columns, result, by_matricule, by_email, elsewhere, uploaded_at)
    for line, record in records:
        checker.check(line, record)
    if not records and not result.errors:
        result.errors.append(LineError(2, "", _("Le fichier ne contient aucun participant.")))
    elif not result.rows and not result.errors:
        result.errors.append(LineError(2, "", _("Aucun participant n'a envoyé son profil : il n'y a rien à importer.")))
    result.errors.sort(key=lambda error: error.line)
    return result


def _read_header(header: list[str], competences: dict[str, str], result: PixFile) -> _Columns | None:
    """Map the header; None when the rows cannot be read at all (the errors say why)."""
    columns = _Columns()
    by_name = {plain(name): code for code, name in competences.items()}
    seen: dict[str, str] = {}
    seen_competences: set[str] = set()
    level_headers = 0
    blocking = False
    for index, name in enumerate(header):
        key = plain(name)
        if not key:
            continue
        if key.startswith((LEVEL_PREFIX, PIX_PREFIX)):
            is_level = key.startswith(LEVEL_PREFIX)
            level_headers += is_level
            code = _competence_code(key.removeprefix(LEVEL_PREFIX if is_level else PIX_PREFIX), competences, by_name)
            if code is None:
                result.errors.append(
                    LineError(1, name, _("compétence inconnue : ce n'est pas une compétence du référentiel CRCN."))
                )
            elif is_level and code in seen_competences:
                result.errors.append(LineError(1, name, _("cette compétence apparaît plusieurs fois.")))
                blocking = True
            elif is_level:
                seen_competences.add(code)
                columns.levels.append((index, code))
            continue
        if key in EXTERNAL_ID_HEADERS:
            role = "external_id"
        elif key in EMAIL_HEADERS:
            role = "email"
        elif key in ROLE_HEADERS:
            role = ROLE_HEADERS[key]
        elif key in OTHER_PIX_HEADERS:
            continue
        else:
            result.errors.append(
                LineError(1, name, _("colonne inconnue : ce n'est pas une colonne d'un export Pix Orga."))
            )
            continue
        if role in seen:
            result.errors.append(
                LineError(
                    1, name, _("colonne en double avec « %(other)s » : gardez-en une seule.") % {"other": seen[role]}
                )
            )
            blocking = True
            continue
        seen[role] = name
        setattr(columns, role, index)
    if columns.external_id is None and columns.email is None:
        result.errors.append(
            LineError(
                1,
                "",
                _(
                    "aucune colonne pour reconnaître les agents : il faut une colonne « Matricule » (l'identifiant "
                    "externe demandé par la campagne) ou « Adresse e-mail »."
                ),
            )
        )
        blocking = True
    if not level_headers:
        result.errors.append(
            LineError(
                1,
                "",
                _(
                    "aucune colonne « Niveau pour la compétence … » : exportez les résultats d'une campagne de "
                    "collecte de profils."
                ),
            )
        )
        blocking = True
    return None if blocking or not columns.levels else columns


def _competence_code(rest: str, competences: dict[str, str], by_name: dict[str, str]) -> str | None:
    """The CRCN code named by the end of a header: "1.1", "1.1 Mener une…" or "Mener une…"."""
    match = COMPETENCE_CODE.match(rest)
    if match:
        code, name = match.group(1), match.group(2).strip()
        if code not in competences:
            return None
        if name and plain(name) != plain(competences[code]):
            return None
        return code
    return by_name.get(rest)


def _directory(organisation_id: int) -> tuple[dict[str, _Agent], dict[str, _Agent]]:
    """Every agent of the organisation by matricule and by e-mail, in one query."""
    by_matricule: dict[str, _Agent] = {}
    by_email: dict[str, _Agent] = {}
    rows = Agent.objects.filter(organisation_id=organisation_id).values_list(
        "pk", "matricule", "is_active", "user__email", "user__first_name", "user__last_name"
    )
    for pk, matricule, is_active, email, first_name, last_name in rows.iterator(chunk_size=5000):
        name = f"{first_name} {last_name}".strip() or email
        agent = _Agent(pk=pk, name=name, matricule=matricule, is_active=is_active)
        if matricule:
            by_matricule[matricule.strip().casefold()] = agent
        by_email[email.lower()] = agent
    return by_matricule, by_email


def _emails_elsewhere(emails: set[str], organisation_id: int) -> set[str]:
    """Those of these addresses that belong to an agent of another organisation."""
    found: set[str] = set()
    ordered = sorted(email for email in emails if email)
    for start in range(0, len(ordered), EMAIL_CHUNK):
        chunk = ordered[start : start + EMAIL_CHUNK]
        found.update(
            email.lower()
            for email in Agent.objects.filter(user__email__in=chunk)
            .exclude(organisation_id=organisation_id)
            .values_list("user__email", flat=True)
        )
    return found


# --- rows ------------------------------------------------------------------------------------------


class _RowChecker:
    """Checks the rows one by one, remembering what earlier rows said (participants, campaign)."""

    def __init__(self, header, columns, result, by_matricule, by_email, elsewhere, uploaded_at):
        self.header = header
        self.columns = columns
        self.result = result
        self.by_matricule = by_matricule
        self.by_email = by_email
        self.elsewhere = elsewhere
        self.uploaded_at = uploaded_at
        self.today = timezone.localdate()
        self.seen_agents: dict[int, int] = {}
        self.campaign_line = 0

    def value(self, record: list[str], index: int | None) -> str:
        if index is None or index >= len(record):
            return ""
        return record[index]

    def error(self, line: int, index: int | None, message: str) -> None:
        self.result.errors.append(LineError(line, self.header[index] if index is not None else "", message))

    def check(self, line: int, record: list[str]) -> None:
        if len(record) > len(self.header):
            self.error(
                line,
                None,
                _("%(found)s cellules pour %(expected)s colonnes dans l'en-tête.")
                % {"found": len(record), "expected": len(self.header)},
            )
            return
        self._campaign(line, record)
        shared = self._shared(line, record)
        if shared is None:
            return
        if not shared:
            self._skip(line, record)
            return
        before = len(self.result.errors)
        agent = self._agent(line, record)
        levels = self._levels(line, record)
        observed_at = self._observed_at(line, record)
        if len(self.result.errors) > before or agent is None:
            return
        self.result.rows.append(
            PixRow(
                line=line,
                agent_id=agent.pk,
                name=agent.name,
                matricule=agent.matricule,
                levels=levels,
                observed_at=observed_at,
            )
        )

    def _skip(self, line: int, record: list[str]) -> None:
        """A participant who did not send their profile: counted and named, not an error."""
        self.result.skipped += 1
        parts = (self.value(record, self.columns.first_name), self.value(record, self.columns.last_name))
        name = " ".join(part for part in parts if part)
        if name:
            text = _("%(name)s n'a pas envoyé son profil : ligne ignorée.") % {"name": name}
        else:
            text = _("le participant n'a pas envoyé son profil : ligne ignorée.")
        self.result.notices.append(LineError(line, "", text))

    def _campaign(self, line: int, record: list[str]) -> None:
        """One campaign per file: its code (or id) and name come from the first row."""
        columns = self.columns
        key_index = columns.campaign_code if columns.campaign_code is not None else columns.campaign_id
        key = self.value(record, key_index)
        if not self.campaign_line:
            self.campaign_line = line
            self.result.campaign_id = self.value(record, columns.campaign_id)[:50]
            self.result.campaign_code = self.value(record, columns.campaign_code)[:50]
            self.result.campaign_name = self.value(record, columns.campaign_name)[:200]
            return
        first = self.result.campaign_code if columns.campaign_code is not None else self.result.campaign_id
        if key and first and key != first:
            self.error(
                line,
                key_index,
                _(
                    "campagne « %(value)s » différente de celle de la ligne %(line)s (« %(first)s ») : importez "
                    "un fichier par campagne."
                )
                % {"value": key, "line": self.campaign_line, "first": first},
            )

    def _shared(self, line: int, record: list[str]) -> bool | None:
        if self.columns.shared is None:
            return True
        value = plain(self.value(record, self.columns.shared))
        if value in YES:
            return True
        if value in NO:
            return False
        self.error(
            line,
            self.columns.shared,
            _("valeur « %(value)s » inattendue : O (ou Oui) si le profil a été envoyé, N (ou Non) sinon.")
            % {"value": self.value(record, self.columns.shared)},
        )
        return None

    def _agent(self, line: int, record: list[str]) -> _Agent | None:
        columns = self.columns
        external_id = self.value(record, columns.external_id)
        email = self.value(record, columns.email).lower()
        agent = self.by_matricule.get(external_id.casefold()) if external_id else None
        if agent is None and email:
            agent = self.by_email.get(email)
        if agent is None and external_id and columns.email is None and "@" in external_id:
            agent = self.by_email.get(external_id.lower())  # the campaign asked for the e-mail as identifier
            email = external_id.lower()
        if agent is None:
            if not external_id and not email:
                self.error(line, columns.identifier, _("identifiant du participant manquant."))
            elif email and email in self.elsewhere:
                self.error(
                    line,
                    columns.email if columns.email is not None else columns.identifier,
                    _("ce participant n'appartient pas à votre organisation."),
                )
            elif external_id:
                self.error(
                    line,
                    columns.external_id,
                    _("participant inconnu : aucun agent de votre organisation n'a l'identifiant « %(value)s ».")
                    % {"value": external_id},
                )
            else:
                self.error(
                    line,
                    columns.email,
                    _("participant inconnu : aucun agent de votre organisation n'a l'adresse « %(value)s ».")
                    % {"value": email},
                )
            return None
        if not agent.is_active:
            self.error(
                line,
                columns.identifier,
                _("le compte de %(name)s est désactivé : réactivez-le ou retirez cette ligne.") % {"name": agent.name},
            )
            return None
        if agent.pk in self.seen_agents:
            self.error(
                line,
                columns.identifier,
                _("%(name)s figure déjà ligne %(line)s.") % {"name": agent.name, "line": self.seen_agents[agent.pk]},
            )
            return None
        self.seen_agents[agent.pk] = line
        return agent

    def _levels(self, line: int, record: list[str]) -> dict[str, int]:
        levels: dict[str, int] = {}
        for index, code in self.columns.levels:
            value = self.value(record, index)
            if not value or plain(value) in NOT_AVAILABLE:
                continue  # not measured
            if value.isascii() and value.isdigit() and 0 <= int(value) <= MAX_LEVEL:
                levels[code] = int(value)
            else:
                self.error(
                    line,
                    index,
                    _("niveau « %(value)s » invalide : un nombre entier de 0 à %(max)s, ou une cellule vide.")
                    % {"value": value, "max": MAX_LEVEL},
                )
        return levels

    def _observed_at(self, line: int, record: list[str]) -> datetime:
        value = self.value(record, self.columns.shared_on)
        if not value or plain(value) in NOT_AVAILABLE:
            return self.uploaded_at
        shared_on = _parse_date(value)
        if shared_on is None:
            self.error(
                line,
                self.columns.shared_on,
                _("date « %(value)s » invalide : écrivez-la AAAA-MM-JJ ou JJ/MM/AAAA.") % {"value": value},
            )
            return self.uploaded_at
        if shared_on > self.today:
            self.error(
                line, self.columns.shared_on, _("date « %(value)s » postérieure à aujourd'hui.") % {"value": value}
            )
            return self.uploaded_at
        return timezone.make_aware(datetime.combine(shared_on, time(12, 0)))


def _parse_date(value: str) -> date | None:
    """A date as Pix writes it (AAAA-MM-JJ) or as a spreadsheet rewrites it (JJ/MM/AAAA…)."""
    day = value.split("T")[0].split(" ")[0]
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(day, fmt).date()
        except ValueError:
            continue
    return None
