"""Read queries of the catalogue, courses and lessons, built to keep query counts flat."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from skills.models import Domain

from .models import Audience, CatalogPage, CourseCompetence, CoursePage, CourseTag, LessonPage, Level
from .search import plain_query

DURATION_BANDS = {
    "lt30": (0, 29),
    "30-60": (30, 60),
    "60-120": (61, 120),
    "gt120": (121, None),
}

DURATION_LABELS = {
    "lt30": _("Moins de 30 min"),
    "30-60": _("30 min à 1 h"),
    "60-120": _("1 h à 2 h"),
    "gt120": _("Plus de 2 h"),
}


@dataclass(frozen=True)
class CatalogueFilters:
    q: str = ""
    domain: str = ""
    level: str = ""
    audience: str = ""
    duration: str = ""
    tag: str = ""

    def active(self) -> bool:
        return any(vars(self).values())


@dataclass(frozen=True)
class OutlineItem:
    pk: int
    title: str
    url: str
    minutes: int
    required: bool


@dataclass
class Outline:
    lessons: list[OutlineItem] = field(default_factory=list)

    @property
    def total_minutes(self) -> int:
        return sum(item.minutes for item in self.lessons)


def parse_filters(params) -> CatalogueFilters:
    """Keep only known values: unknown or malformed filters are ignored, never an error."""

    def pick(name: str, allowed) -> str:
        value = params.get(name, "")
        return value if isinstance(value, str) and value in allowed else ""

    tag = params.get("tag", "")
    if not (isinstance(tag, str) and tag and len(tag) <= 100 and _is_course_tag(tag)):
        tag = ""
    return CatalogueFilters(
        q=plain_query(params.get("q", "")),
        domain=pick("domain", set(Domain.objects.values_list("code", flat=True))),
        level=pick("level", set(Level.values)),
        audience=pick("audience", set(Audience.objects.values_list("code", flat=True))),
        duration=pick("duration", set(DURATION_BANDS)),
        tag=tag,
    )


def _is_course_tag(slug: str) -> bool:
    from taggit.models import Tag

    return Tag.objects.filter(slug=slug, courses_coursetag_items__isnull=False).exists()


def catalogue_courses(catalog: CatalogPage, filters: CatalogueFilters) -> QuerySet[CoursePage]:
    # Filters on related rows are EXISTS subqueries: no join, so no DISTINCT over wide page rows.
    courses = CoursePage.objects.live().descendant_of(catalog)
    if filters.domain:
        courses = courses.filter(
            Exists(CourseCompetence.objects.filter(course=OuterRef("pk"), competence__domain__code=filters.domain))
        )
    if filters.level:
        courses = courses.filter(level=filters.level)
    if filters.audience:
        courses = courses.filter(
            Exists(
                CoursePage.audiences.through.objects.filter(coursepage=OuterRef("pk"), audience__code=filters.audience)
            )
        )
    if filters.duration:
        low, high = DURATION_BANDS[filters.duration]
        courses = courses.filter(duration_minutes__gte=low)
        if high is not None:
            courses = courses.filter(duration_minutes__lte=high)
    if filters.tag:
        courses = courses.filter(Exists(CourseTag.objects.filter(content_object=OuterRef("pk"), tag__slug=filters.tag)))
    if filters.q:
        courses = courses.filter(pk__in=_search_course_ids(catalog, filters.q))
    return (
        courses.select_related("cover_image")
        .prefetch_related(
            Prefetch(
                "competences",
                queryset=CourseCompetence.objects.select_related("competence").order_by("sort_order"),
            ),
            "tags",
        )
        .order_by("title")
    )


def _search_course_ids(catalog: CatalogPage, query: str) -> set[int]:
    """Courses whose own text or one of whose lessons matches the query."""
    courses = CoursePage.objects.live().descendant_of(catalog).only("id")
    lessons = LessonPage.objects.live().descendant_of(catalog).only("id", "path")
    ids = {page.pk for page in courses.search(query, operator="and")}
    lesson_paths = {page.path for page in lessons.search(query, operator="and")}
    if lesson_paths:
        parent_paths = {path[: -CoursePage.steplen] for path in lesson_paths}
        ids |= set(CoursePage.objects.filter(path__in=parent_paths).values_list("pk", flat=True))
    return ids


def course_outline(course: CoursePage) -> Outline:
    """The published lessons of a course, in order, in one query."""
    lessons = (
        LessonPage.objects.live()
        .child_of(course)
        .order_by("path")
        .only("id", "title", "url_path", "minutes", "completion_required", "path", "depth")
    )
    return Outline(
        lessons=[
            OutlineItem(
                pk=lesson.pk,
                title=lesson.title,
                url=lesson.url,
                minutes=lesson.minutes,
                required=lesson.completion_required,
            )
            for lesson in lessons
        ]
    )


def filter_choices() -> dict:
    """The values offered by the catalogue filters."""
    from taggit.models import Tag

    return {
        "domains": list(Domain.objects.order_by("code")),
        "levels": Level.choices,
        "audiences": list(Audience.objects.all()),
        "durations": list(DURATION_LABELS.items()),
        "tags": list(Tag.objects.filter(courses_coursetag_items__isnull=False).distinct().order_by("name")),
    }


def page_url(url_path: str) -> str:
    """The URL of a page from its `url_path`, without loading the page (Wagtail's own rule for pages of
    this instance's site); "" when the page is outside every site."""
    from django.urls import reverse
    from wagtail.models import Site

    for root in Site.get_site_root_paths():
        if url_path.startswith(root.root_path):
            return reverse("wagtail_serve", args=(url_path[len(root.root_path) :],))
    return ""
