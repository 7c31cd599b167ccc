"""PLACEHOLDER being written by a helper in this session; every view answers 404 until then."""

from django.http import Http404


def team(request, *args, **kwargs):
    raise Http404


def remind(request, *args, **kwargs):
    raise Http404
