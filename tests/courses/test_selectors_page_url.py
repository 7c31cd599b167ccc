"""courses.selectors.page_url: a page's URL from its url_path, without loading the page."""

import pytest

from courses.factories import CatalogPageFactory, CoursePageFactory
from courses.selectors import page_url

pytestmark = pytest.mark.django_db


def test_page_url_matches_wagtails_own_url_of_the_page():
    """For a page of the site, the URL is the one Wagtail gives the page itself."""
    course = CoursePageFactory(parent=CatalogPageFactory(), slug="cybersecurite")
    assert page_url(course.url_path) == course.url
    assert page_url(course.url_path).endswith("/cybersecurite/")


def test_page_url_outside_every_site_is_empty():
    """A path under no site's root page has no URL."""
    assert page_url("/not-a-site-root/some-page/") == ""
