"""Page factories for courses; the demo loader and the tests build pages through these."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory
from wagtail.models import Page

from skills.models import Competence

from .models import Audience, CatalogPage, CourseCompetence, CoursePage, LessonPage


def _add_and_publish(parent: Page, page: Page, publish: bool) -> Page:
    parent.add_child(instance=page)
    if publish:
        page.save_revision().publish()
    else:
        page.live = False
        page.save_revision()
        Page.objects.filter(pk=page.pk).update(live=False)
    return page


class CatalogPageFactory(DjangoModelFactory):
    """The catalogue created by migration is reused; a new one is made only where none exists."""

    class Meta:
        model = CatalogPage

    title = "Catalogue des formations"
    slug = "catalogue"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        existing = CatalogPage.objects.first()
        if existing is not None:
            return existing
        home = Page.objects.get(depth=2)
        return _add_and_publish(home, model_class(**kwargs), True)


class CoursePageFactory(DjangoModelFactory):
    class Meta:
        model = CoursePage

    title = factory.Sequence(lambda n: f"Cours {n}")
    slug = factory.Sequence(lambda n: f"cours-{n}")
    summary = "Un cours court pour prendre en main un usage numérique du quotidien."
    duration_minutes = 45
    level = "decouverte"

    @classmethod
    def _create(
        cls,
        model_class,
        *args,
        parent=None,
        competences=(("4.1", 2),),
        audiences=("all_staff",),
        tags=(),
        objectives=(),
        prerequisites=(),
        publish=True,
        **kwargs,
    ):
        parent = parent or CatalogPageFactory()
        page = model_class(**kwargs)
        page.objectives = [("objective", text) for text in objectives]
        codes = dict(competences)
        by_code = {item.code: item for item in Competence.objects.filter(code__in=codes)}
        page.competences = [
            CourseCompetence(competence=by_code[code], target_level=level) for code, level in competences
        ]
        page.audiences = list(Audience.objects.filter(code__in=audiences))
        page.prerequisites = list(prerequisites)
        if tags:
            page.tags.add(*tags)
        return _add_and_publish(parent, page, publish)


class LessonPageFactory(DjangoModelFactory):
    class Meta:
        model = LessonPage

    title = factory.Sequence(lambda n: f"Leçon {n}")
    slug = factory.Sequence(lambda n: f"lecon-{n}")
    minutes = 10
    body = factory.LazyFunction(
        lambda: [{"type": "text", "value": "<p>Une leçon courte, lisible sur un téléphone.</p>"}]
    )

    @classmethod
    def _create(cls, model_class, *args, parent=None, publish=True, **kwargs):
        parent = parent or CoursePageFactory()
        return _add_and_publish(parent, model_class(**kwargs), publish)
