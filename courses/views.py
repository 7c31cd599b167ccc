"""The catalogue page: filters and search, all in the URL."""

from django.core.paginator import Paginator
from django.template.response import TemplateResponse

from .selectors import catalogue_courses, filter_choices, parse_filters

COURSES_PER_PAGE = 12


def catalogue(request, catalog):
    filters = parse_filters(request.GET)
    page = Paginator(catalogue_courses(catalog, filters), COURSES_PER_PAGE).get_page(request.GET.get("page"))
    query = {key: value for key, value in vars(filters).items() if value}
    from urllib.parse import urlencode

    return TemplateResponse(
        request,
        "courses/catalog_page.html",
        {
            "page": catalog,
            "self": catalog,
            "courses": page,
            "filters": filters,
            "choices": filter_choices(),
            "query": urlencode(query),
            "raw_q": request.GET.get("q", "")[:200],
        },
    )
