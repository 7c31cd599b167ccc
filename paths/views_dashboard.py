"""PLACEHOLDER being written by a helper in this session; every view answers 404 until then."""

from django.http import Http404


def hr_dashboard(request, *args, **kwargs):
    raise Http404


def path_dashboard(request, *args, **kwargs):
    raise Http404


def path_agents(request, *args, **kwargs):
    raise Http404
