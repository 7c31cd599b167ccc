"""PLACEHOLDER being written by a helper in this session; every view answers 404 until then."""

from django.http import Http404


def exports(request, *args, **kwargs):
    raise Http404


def assignment_status_csv(request, *args, **kwargs):
    raise Http404


def training_hours_csv(request, *args, **kwargs):
    raise Http404


def social_report_csv(request, *args, **kwargs):
    raise Http404


def request_export(request, *args, **kwargs):
    raise Http404


def download_export(request, *args, **kwargs):
    raise Http404
