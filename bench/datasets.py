"""Deterministic datasets for the benches: the same arguments always give the same bytes.

No Django import here, so a bench (or a test) can build a file before setting Django up.

`agent_csv()` writes an agent file as an HR department would export it: French names with accents,
apostrophes and hyphens, a service tree of directions, services and units (up to three levels) written
with the separators a human types, managers that appear both before and after their reports, elected
members without a matricule, and hire dates in both accepted formats (`AAAA-MM-JJ` and `JJ/MM/AAAA`).

Every row of a file is valid: a bench file is meant to be imported, not rejected. With
`modified_share=0.1` one row in ten carries a change the importer sees (a transfer, a new job, a name
change, a promotion, a corrected hire date, a new manager), so a re-import updates exactly
`modified_rows(rows, 0.1)` agents and leaves the others unchanged.
"""

from __future__ import annotations

import csv
import io
import random
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, timedelta

DEFAULT_SEED = 20_260
DOMAIN = "ville-de-bench.example"  # a reserved top-level domain: no bench address can ever receive mail
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

FEMALE_FIRST_NAMES = (
    "Élodie", "Hélène", "Cécile", "Gaëlle", "Noémie", "Anaïs", "Zoé", "Chloé", "Thérèse", "Léa",
    "Agnès", "Aurélie", "Mélanie", "Céline", "Valérie", "Amélie", "Inès", "Maëlle", "Héloïse", "Clémence",
    "Marie", "Sophie", "Julie", "Camille", "Emma", "Nathalie", "Isabelle", "Sandrine", "Christine", "Laura",
    "Marie-Hélène", "Anne-Sophie", "Marie-Françoise", "Bérénice", "Solène", "Océane", "Françoise", "Lætitia",
)  # fmt: skip
MALE_FIRST_NAMES = (
    "Jérôme", "François", "Loïc", "Maël", "Benoît", "Raphaël", "Joël", "Clément", "Stéphane", "Frédéric",
    "Sébastien", "Jérémy", "Grégory", "Anthony", "Hervé", "Gaël", "Noël", "Rémi", "Théo", "Mathéo",
    "Jean", "Pierre", "Nicolas", "Thomas", "Lucas", "Philippe", "Laurent", "Christophe", "Olivier", "David",
    "Jean-Étienne", "Jean-François", "Pierre-Yves", "Jean-Noël", "Aurélien", "Cédric", "Valère", "Hugo",
)  # fmt: skip
LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Lefèvre", "Michel",
    "Garcia", "Bertrand", "Roux", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert",
    "Bonnet", "François", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Müller", "Henry",
    "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont", "Fontaine", "Chevalier", "Masson", "Gérard",
    "Nguyen", "Boyer", "Lemaire", "Duval", "Noël", "Meyer", "Pérez", "Marchand", "Dufour", "Blanchard",
    "Barbier", "Brunet", "Schmitt", "Leroux", "Colin", "Renard", "Arnaud", "Caron", "Giraud", "Leclerc",
    "Rivière", "Le Gall", "Ménard", "Prévost", "Carré", "Rémy", "Lévêque", "Bégué", "Le Goff", "Hébert",
    "D'Almeida", "N'Diaye", "Saint-Martin", "Da Silva", "Béranger", "Lefèbvre", "Thévenin", "Cœur", "Baudoin",
    "Mény", "Ferré", "Jégou", "Kéré", "Le Bihan", "Desprès", "Pénicaud", "Van der Berg", "Dupré", "Éluard",
)  # fmt: skip

# Each direction with the services it usually holds; a large organisation that needs more directions or
# services than these lists hold repeats the names with a number ("Service Voirie 2").
DIRECTIONS = (
    ("Direction Générale des Services", ("Service Assemblées", "Service Juridique", "Service Qualité")),
    (
        "Direction des Ressources Humaines",
        ("Service Paie et Carrières", "Service Formation", "Service Recrutement", "Service Santé au Travail"),
    ),
    (
        "Direction des Finances et de la Commande Publique",
        ("Service Comptabilité", "Service Marchés Publics", "Service Budget"),
    ),
    (
        "Direction de l'Éducation et de l'Enfance",
        ("Service Écoles", "Service Restauration Scolaire", "Service Petite Enfance", "Service Périscolaire"),
    ),
    (
        "Direction des Services Techniques",
        ("Service Espaces Verts", "Service Voirie", "Service Bâtiments", "Service Propreté Urbaine"),
    ),
    ("Direction de la Culture et du Patrimoine", ("Service Médiathèque", "Service Archives", "Service Musée")),
    ("Direction de l'Action Sociale", ("Service Seniors", "Service Insertion", "Service Logement")),
    ("Direction des Systèmes d'Information", ("Service Informatique", "Service Téléphonie")),
    ("Direction de l'Aménagement et de l'Urbanisme", ("Service Urbanisme Réglementaire", "Service Foncier")),
    ("Direction de la Citoyenneté", ("Service État Civil", "Service Élections", "Service Accueil")),
    ("Direction des Sports et de la Vie Associative", ("Service Sports", "Service Vie Associative")),
    ("Direction de la Communication", ("Service Communication", "Service Événementiel")),
)
UNITS = (
    "Unité Accueil", "Pôle Entretien", "Cellule Maintenance", "Unité Ateliers", "Pôle Qualité",
    "Équipe de Nuit", "Unité Secteur Nord", "Unité Secteur Sud", "Pôle Régie", "Cellule Prévention",
)  # fmt: skip

# category -> job titles; the category is the one the job belongs to in the French public service.
JOBS = {
    "A": ("Attaché territorial", "Ingénieur territorial", "Chargée de mission", "Conservateur du patrimoine"),
    "B": ("Rédacteur", "Technicienne territoriale", "Animateur", "Éducateur des APS", "Assistante de conservation"),
    "C": (
        "Adjoint administratif",
        "Adjointe technique",
        "Agent d'entretien",
        "ATSEM",
        "Agent de restauration",
        "Auxiliaire de puériculture",
        "Agent d'accueil",
        "Gardien d'équipement",
        "Agent polyvalent des écoles",
    ),
    "": ("Apprenti", "Agent saisonnier", "Médecin vacataire"),
}
# (value as written in the file, weight); several spellings of the same value, as HR exports have.
CATEGORY_SPELLINGS = (("C", 48), ("c", 4), ("Catégorie C", 6), ("B", 18), ("Catégorie B", 3), ("A", 10), ("", 11))
STATUS_SPELLINGS = (
    ("titulaire", 55),
    ("Titulaire", 12),
    ("stagiaire", 4),
    ("contractuel", 14),
    ("Contractuelle", 7),
    ("", 6),
    ("autre", 2),
)
ELECTED_JOBS = ("Conseiller municipal", "Conseillère municipale", "Adjoint au maire", "Adjointe au maire")


@dataclass(frozen=True)
class ServiceNode:
    path: tuple[str, ...]  # names from the root down
    parent: int | None  # index of the parent node


@dataclass(frozen=True)
class AgentRecord:
    """One line of an agent file, as written (not normalised), plus what the generator knows about it."""

    email: str
    first_name: str
    last_name: str
    matricule: str
    service: str
    job_title: str
    category: str
    status: str
    manager_email: str
    hire_date: str
    node: int | None  # index of the agent's service node; None for elected members
    heads: int | None  # index of the node this agent heads, if any
    elected: bool = False

    def values(self) -> tuple[str, ...]:
        return tuple(getattr(self, column) for column in COLUMNS)


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("æ", "ae"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _email_local(first_name: str, last_name: str) -> str:
    def part(name: str) -> str:
        return "".join(char for char in _ascii(name).lower() if char.isalnum() or char == "-")

    return f"{part(first_name)}.{part(last_name)}"


def _numbered(names: tuple[str, ...], index: int) -> str:
    name = names[index % len(names)]
    return name if index < len(names) else f"{name} {index // len(names) + 1}"


def service_tree(nodes: int) -> list[ServiceNode]:
    """`nodes` services: about 15 % directions, 55 % services, 30 % units; parents come before children."""
    nodes = max(1, nodes)
    directions = max(1, round(nodes * 0.15))
    units = (nodes - directions) * 30 // 85 if nodes - directions >= 2 else 0
    services = nodes - directions - units
    tree: list[ServiceNode] = []
    direction_names = tuple(name for name, _services in DIRECTIONS)
    for index in range(directions):
        tree.append(ServiceNode((_numbered(direction_names, index),), None))
    service_indexes = []
    for index in range(services):
        parent, rank = index % directions, index // directions
        names = DIRECTIONS[parent % len(DIRECTIONS)][1]
        tree.append(ServiceNode((*tree[parent].path, _numbered(names, rank)), parent))
        service_indexes.append(len(tree) - 1)
    for index in range(units):
        parent, rank = service_indexes[index % len(service_indexes)], index // len(service_indexes)
        tree.append(ServiceNode((*tree[parent].path, _numbered(UNITS, rank)), parent))
    return tree


def _write_path(rng: random.Random, path: tuple[str, ...]) -> str:
    """The path as a person types it: usually "A / B", sometimes "A/B" or with stray spaces."""
    roll = rng.random()
    if roll < 0.90:
        return " / ".join(path)
    if roll < 0.95:
        return "/".join(path)
    return " " + "  /  ".join(path) + " "


def _write_date(rng: random.Random, value: date) -> str:
    return value.strftime("%Y-%m-%d") if rng.random() < 0.5 else value.strftime("%d/%m/%Y")


def _weighted(rng: random.Random, spellings: tuple[tuple[str, int], ...]) -> str:
    values, weights = zip(*spellings, strict=True)
    return rng.choices(values, weights=weights)[0]


def _category_letter(written: str) -> str:
    return written.removeprefix("Catégorie ").strip().upper()


def _hire_date(rng: random.Random) -> date:
    return date(1988, 1, 1) + timedelta(days=rng.randrange(38 * 365))


def agent_records(rows: int, *, organisation_services: int = 20, seed: int = DEFAULT_SEED) -> list[AgentRecord]:
    """`rows` agents of one organisation in file order (shuffled, so managers come before and after).

    Each of the `organisation_services` services has a head (its first agent): the head of a direction
    reports to the head of the first direction (the DGS), the head of a service or unit to the head of the
    parent, and every other agent to the head of their own service. About 1 % of the rows are elected
    members (no matricule, no service, no manager) and about 2 % of the agents have no matricule, so
    matching by e-mail address is exercised too.
    """
    rng = random.Random(seed)
    tree = service_tree(organisation_services)
    elected = min(69, rows // 100) if rows >= 100 else 0
    no_matricule = rows // 50
    homonyms: dict[str, int] = {}
    matricules = rng.sample(range(100_000, 1_000_000), rows)

    def person() -> tuple[str, str, str]:
        female = rng.random() < 0.6
        first_name = rng.choice(FEMALE_FIRST_NAMES if female else MALE_FIRST_NAMES)
        last_name = rng.choice(LAST_NAMES)
        local = _email_local(first_name, last_name)
        homonyms[local] = homonyms.get(local, 0) + 1  # the second Léa Martin is lea.martin2@…
        suffix = str(homonyms[local]) if homonyms[local] > 1 else ""
        return f"{local}{suffix}@{DOMAIN}", first_name, last_name

    # Heads first (one per service, parents first), then the other agents spread over the services.
    staff = rows - elected
    head_emails: list[str | None] = [None] * len(tree)
    records: list[AgentRecord] = []
    for index in range(staff):
        node = index if index < len(tree) else rng.randrange(len(tree))
        heads = node if index < len(tree) else None
        email, first_name, last_name = person()
        if heads is not None:
            head_emails[node] = email
            depth = len(tree[node].path)
            category = "A" if depth < 3 else "B"
            job = ("Directeur", "Chef de service", "Responsable d'unité")[depth - 1]
            if node == 0:
                job = "Directeur général des services"
            manager = head_emails[tree[node].parent] if tree[node].parent is not None else head_emails[0]
            manager = "" if manager == email else manager or ""
            status = "titulaire"
        else:
            category = _weighted(rng, CATEGORY_SPELLINGS)
            job = rng.choice(JOBS[_category_letter(category)])
            manager = _nearest_head(tree, head_emails, node)
            status = _weighted(rng, STATUS_SPELLINGS)
        roll = rng.random()
        records.append(
            AgentRecord(
                email=email,
                first_name=first_name,
                last_name=last_name,
                matricule="" if index >= staff - no_matricule else f"M{matricules[index]}",
                service=_write_path(rng, tree[node].path),
                job_title=job,
                category=category,
                status=status,
                manager_email=manager,
                hire_date="" if roll < 0.05 else _write_date(rng, _hire_date(rng)),
                node=node,
                heads=heads,
            )
        )
    for _index in range(elected):
        email, first_name, last_name = person()
        records.append(
            AgentRecord(
                email=email,
                first_name=first_name,
                last_name=last_name,
                matricule="",
                service="",
                job_title=rng.choice(ELECTED_JOBS),
                category="",
                status=rng.choice(("Élu", "élue", "elu")),
                manager_email="",
                hire_date=_write_date(rng, date(2020, 7, 3) if rng.random() < 0.5 else date(2026, 3, 22)),
                node=None,
                heads=None,
                elected=True,
            )
        )
    rng.shuffle(records)
    return records


def _nearest_head(tree: list[ServiceNode], head_emails: list[str | None], node: int | None) -> str:
    while node is not None:
        email = head_emails[node]
        if email:
            return email
        node = tree[node].parent
    return ""


def modified_rows(rows: int, share: float) -> int:
    """How many rows `modify_records()` changes: the importer must report exactly this many updates."""
    return round(rows * share)


def modify_records(
    records: list[AgentRecord], *, share: float, organisation_services: int = 20, seed: int = DEFAULT_SEED
) -> list[AgentRecord]:
    """A copy where `modified_rows(len(records), share)` rows carry one change the importer must apply.

    E-mail addresses and matricules never change, so every row still matches the same agent.
    """
    rng = random.Random(seed + 1)
    tree = service_tree(organisation_services)
    head_emails: list[str | None] = [None] * len(tree)
    for record in records:
        if record.heads is not None:
            head_emails[record.heads] = record.email
    changed = list(records)
    for index in rng.sample(range(len(records)), modified_rows(len(records), share)):
        record = records[index]
        kinds = ["job_title", "last_name", "hire_date", "category"]
        if not record.elected and record.heads is None:
            kinds += ["transfer", "transfer", "manager"]
        kind = rng.choice(kinds)
        if kind == "job_title":
            pool = [job for jobs in JOBS.values() for job in jobs if job != record.job_title]
            changed[index] = replace(record, job_title=rng.choice(pool))
        elif kind == "last_name":  # a marriage: the address stays as it was
            pool = [name for name in LAST_NAMES if name != record.last_name]
            changed[index] = replace(record, last_name=rng.choice(pool))
        elif kind == "hire_date":
            corrected = _hire_date(rng)
            changed[index] = replace(record, hire_date=_write_date(rng, corrected))
            if _same_date(record.hire_date, changed[index].hire_date):
                changed[index] = replace(record, hire_date=_write_date(rng, corrected + timedelta(days=1)))
        elif kind == "category":  # a promotion (or a first category)
            promoted = {"C": "B", "B": "A", "A": "B", "": "C"}[_category_letter(record.category)]
            changed[index] = replace(record, category=promoted)
        elif kind == "transfer":  # a new service, and its head as the new manager
            node = rng.choice([other for other in range(len(tree)) if other != record.node])
            changed[index] = replace(
                record,
                node=node,
                service=_write_path(rng, tree[node].path),
                manager_email=_nearest_head(tree, head_emails, node),
            )
        else:  # a new manager in the same service tree
            pool = [email for email in head_emails if email and email != record.manager_email]
            changed[index] = replace(record, manager_email=rng.choice(pool))
    return changed


def _same_date(first: str, second: str) -> bool:
    def parse(value: str) -> str:
        if "/" in value:
            day, month, year = value.split("/")
            return f"{year}-{month}-{day}"
        return value

    return parse(first) == parse(second)


def render_csv(records: list[AgentRecord], *, delimiter: str = ";", encoding: str = "utf-8") -> bytes:
    """The file's bytes: a header with the canonical column names, then one line per record (CRLF)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(record.values() for record in records)
    return buffer.getvalue().encode(encoding)


def agent_csv(
    rows: int,
    *,
    organisation_services: int = 20,
    delimiter: str = ";",
    encoding: str = "utf-8",
    modified_share: float = 0.0,
    seed: int = DEFAULT_SEED,
) -> bytes:
    """A realistic agent file of `rows` lines (see `agent_records()`); `encoding` may be utf-8,
    utf-8-sig (with a BOM, as Excel writes it) or cp1252. With `modified_share`, the same file with
    that share of rows changed (see `modify_records()`)."""
    records = agent_records(rows, organisation_services=organisation_services, seed=seed)
    if modified_share:
        records = modify_records(records, share=modified_share, organisation_services=organisation_services, seed=seed)
    return render_csv(records, delimiter=delimiter, encoding=encoding)


# --- Courses, lessons and enrolments (the progress bench) -------------------------------------------

COURSE_ANGLES = (
    "Prendre en main", "Bien utiliser", "Sécuriser", "Maîtriser", "Découvrir", "Accompagner les usagers dans",
    "Organiser son travail avec", "Aller plus loin avec",
)  # fmt: skip
COURSE_SUBJECTS = (
    "la messagerie", "le tableur", "la visioconférence", "les réseaux sociaux", "la sécurité du poste",
    "les mots de passe", "le cloud", "la signature électronique", "le RGPD", "les données ouvertes",
    "le traitement de texte", "les démarches en ligne", "l'accessibilité numérique", "le smartphone",
    "le télétravail", "la gestion électronique des documents", "les outils collaboratifs", "l'hameçonnage",
    "la sobriété numérique", "les marchés publics dématérialisés",
)  # fmt: skip
LESSON_STEPS = (
    "Pourquoi c'est important", "Les notions de base", "Premiers pas", "Les gestes du quotidien",
    "Les pièges à éviter", "Cas pratique au guichet", "Partager avec son équipe", "Protéger les données",
    "Quand demander de l'aide", "Pour aller plus loin", "Exercice guidé", "Le point réglementaire",
)  # fmt: skip
COURSE_CRCN_CODES = (
    "1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2", "3.3", "3.4", "4.1", "4.2", "4.3", "5.1", "5.2",
)  # fmt: skip
COURSE_LEVELS = ("decouverte", "intermediaire", "avance")


@dataclass(frozen=True)
class LessonSpec:
    slug: str
    title: str
    minutes: int
    body_index: int  # which starter lesson lends its body (modulo the number of starter lessons)


@dataclass(frozen=True)
class CourseSpec:
    slug: str
    title: str
    summary: str
    level: str
    competences: tuple[tuple[str, int], ...]  # (CRCN code, target level)
    lessons: tuple[LessonSpec, ...]

    @property
    def duration_minutes(self) -> int:
        return sum(lesson.minutes for lesson in self.lessons)


def course_catalogue(
    courses: int, *, slug_prefix: str, min_lessons: int = 6, max_lessons: int = 10, seed: int = DEFAULT_SEED
) -> list[CourseSpec]:
    """`courses` courses with `min_lessons` to `max_lessons` lessons each (8 on average with the defaults),
    French titles, 1 to 3 CRCN competences and a level; slugs `<slug_prefix>0000`, lessons `lecon-01`…
    Every lesson is required (none holds a quiz), so a course is done when each of its lessons is."""
    rng = random.Random(seed + 2)
    specs = []
    for number in range(courses):
        angle, subject = rng.choice(COURSE_ANGLES), rng.choice(COURSE_SUBJECTS)
        steps = rng.sample(LESSON_STEPS, rng.randint(min_lessons, max_lessons))
        lessons = tuple(
            LessonSpec(
                slug=f"lecon-{position + 1:02d}",
                title=f"{position + 1}. {step}",
                minutes=rng.choice((5, 10, 10, 15, 20)),
                body_index=rng.randrange(1000),
            )
            for position, step in enumerate(steps)
        )
        specs.append(
            CourseSpec(
                slug=f"{slug_prefix}{number:04d}",
                title=f"{angle} {subject} ({number + 1})",
                summary=f"{angle} {subject} : les gestes du quotidien, expliqués pas à pas pour les agents.",
                level=rng.choice(COURSE_LEVELS),
                competences=tuple(
                    (code, rng.randint(1, 5)) for code in rng.sample(COURSE_CRCN_CODES, rng.randint(1, 3))
                ),
                lessons=lessons,
            )
        )
    return specs


@dataclass(frozen=True)
class EnrolmentPlan:
    course: int  # index in the catalogue
    visited: int  # lessons opened, the first ones of the course
    completed: int  # lessons done among those (the first ones); == the course's lessons: the course is done


def heavy_learner_plan(
    lesson_counts: list[int], *, enrolments: int = 100, completed_share: float = 0.3, seed: int = DEFAULT_SEED
) -> list[EnrolmentPlan]:
    """One agent's enrolments in the first `enrolments` courses of a catalogue whose courses have
    `lesson_counts` lessons: `completed_share` of them finished (every lesson done), the others in progress
    with at least two lessons opened and at least one left to do."""
    if enrolments > len(lesson_counts):
        raise ValueError(f"{enrolments} enrolments need at least as many courses, not {len(lesson_counts)}")
    rng = random.Random(seed + 3)
    finished = set(rng.sample(range(enrolments), round(enrolments * completed_share)))
    plans = []
    for course in range(enrolments):
        lessons = lesson_counts[course]
        if course in finished:
            plans.append(EnrolmentPlan(course, lessons, lessons))
            continue
        visited = rng.randint(min(2, lessons), lessons)
        completed = rng.randint(max(0, visited - 2), min(visited, lessons - 1))
        plans.append(EnrolmentPlan(course, visited, completed))
    return plans
