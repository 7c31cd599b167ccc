"""Read queries of certificates, scoped through people.permissions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from people import permissions
from people.models import Agent, Service

from .models import Certificate


@dataclass(frozen=True)
class CertificateFilters:
    q: str = ""
    service: Service | None = None
    status: str = ""
    issued_from: date | None = None
    issued_to: date | None = None

    def as_json(self) -> dict:
        return {
            "q": self.q,
            "service": self.service.pk if self.service else None,
            "status": self.status,
            "issued_from": self.issued_from.isoformat() if self.issued_from else None,
            "issued_to": self.issued_to.isoformat() if self.issued_to else None,
        }


def agent_certificates(agent: Agent) -> QuerySet[Certificate]:
    """An agent's own certificates, replaced ones left out (their replacement is listed)."""
    return Certificate.objects.filter(agent=agent, replaced_at__isnull=True).order_by("-issued_at")


def hr_certificates(user) -> QuerySet[Certificate]:
    """Certificates of the organisations this user administers as HR; none for anyone else."""
    return Certificate.objects.filter(organisation__in=permissions.hr_organisations(user))


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filter_certificates(certificates: QuerySet[Certificate], filters: CertificateFilters) -> QuerySet[Certificate]:
    if filters.q:
        for word in filters.q.split()[:5]:
            certificates = certificates.filter(
                Q(agent__user__first_name__icontains=word)
                | Q(agent__user__last_name__icontains=word)
                | Q(code__iexact=word.replace("-", "").upper())
            )
    if filters.service is not None:
        certificates = certificates.filter(agent__service__path__startswith=filters.service.path)
    if filters.status == "replaced":
        certificates = certificates.filter(replaced_at__isnull=False)
    elif filters.status:
        certificates = certificates.filter(status=filters.status, replaced_at__isnull=True)
    if filters.issued_from:
        certificates = certificates.filter(issued_at__gte=_day_start(filters.issued_from))
    if filters.issued_to:
        certificates = certificates.filter(issued_at__lt=_day_start(filters.issued_to) + timedelta(days=1))
    return certificates.select_related("agent__user", "agent__service").order_by("-issued_at", "-pk")


def filters_from_json(data: dict, organisation_id: int) -> CertificateFilters:
    service = None
    if data.get("service"):
        service = Service.objects.filter(pk=data["service"], organisation_id=organisation_id).first()
    return CertificateFilters(
        q=data.get("q") or "",
        service=service,
        status=data.get("status") or "",
        issued_from=date.fromisoformat(data["issued_from"]) if data.get("issued_from") else None,
        issued_to=date.fromisoformat(data["issued_to"]) if data.get("issued_to") else None,
    )
