"""Operations that change people data. Each one is a single transaction."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .importing import AgentRow, LineError, read_agent_csv
from .models import Agent, AgentImport, Organisation, Service, User
from .signals import agents_changed

BATCH_SIZE = 1000
INVITATION_CHUNK = 200
AGENT_FIELDS = ("matricule", "service_id", "job_title", "category", "status", "hire_date", "is_active")
USER_FIELDS = ("email", "first_name", "last_name")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    services_created: list[str] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""
    created_user_ids: list[int] = field(default_factory=list)
    changed_agent_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "services_created": self.services_created,
            "errors": [str(error) for error in self.errors],
        }


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _users_by_email(emails: set[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    for chunk in _chunks(sorted(emails), BATCH_SIZE):
        for user in User.objects.filter(email__in=chunk).select_related("agent"):
            found[user.email] = user
    return found


def _ensure_services(organisation: Organisation, paths: set[str], existing: dict[str, Service]) -> list[str]:
    """Create the services of these paths that do not exist yet, parents first."""
    created: list[str] = []
    for path in sorted(paths, key=lambda value: value.count(Service.SEPARATOR)):
        parts = path.split(Service.SEPARATOR)
        for depth in range(1, len(parts) + 1):
            full_name = Service.SEPARATOR.join(parts[:depth])
            if full_name in existing:
                continue
            values = {"organisation": organisation, "name": parts[depth - 1], "full_name": full_name}
            if depth == 1:
                node = Service.add_root(**values)
            else:
                parent = existing[Service.SEPARATOR.join(parts[: depth - 1])]
                node = parent.add_child(**values)
                parent.refresh_from_db()
            existing[full_name] = node
            created.append(full_name)
    return created


def import_agents(
    *,
    organisation_id: int,
    data: bytes,
    dry_run: bool = False,
    send_invitations: bool = True,
) -> ImportResult:
    """Create or update the agents of a CSV file in one transaction; nothing is written on any error.

    Rows are matched to existing agents of the organisation by matricule, then by e-mail address.
    Missing services are created; managers may be defined anywhere in the file or already exist.
    """
    parsed = read_agent_csv(data)
    result = ImportResult(errors=list(parsed.errors), encoding=parsed.encoding, delimiter=parsed.delimiter)
    if result.errors:
        return result
    organisation = Organisation.objects.get(pk=organisation_id)
    with transaction.atomic():
        _plan_and_apply(organisation, parsed.rows, result, dry_run=dry_run)
        if result.errors or dry_run:
            transaction.set_rollback(True)
            return result
        created_ids = result.created_user_ids
        changed_ids = result.changed_agent_ids
        transaction.on_commit(
            lambda: agents_changed.send(sender=Agent, organisation_id=organisation_id, agent_ids=changed_ids)
        )
        if send_invitations and created_ids:
            from .tasks import send_invitations as invitation_task

            for chunk in _chunks(created_ids, INVITATION_CHUNK):
                transaction.on_commit(lambda chunk=chunk: invitation_task.delay(chunk))
    return result


def _plan_and_apply(organisation: Organisation, rows: list[AgentRow], result: ImportResult, *, dry_run: bool):
    existing = list(
        Agent.objects.filter(organisation=organisation)
        .select_related("user")
        .only(*AGENT_FIELDS, "manager_id", "user_id", "organisation_id", *(f"user__{name}" for name in USER_FIELDS))
    )
    by_matricule = {agent.matricule: agent for agent in existing if agent.matricule}
    by_email = {agent.user.email: agent for agent in existing}
    email_by_agent_id = {agent.pk: agent.user.email for agent in existing}
    file_emails = {row.email for row in rows}
    users = _users_by_email(file_emails - set(by_email))
    services = {service.full_name: service for service in Service.objects.filter(organisation=organisation)}

    matched: list[tuple[AgentRow, Agent | None, User | None]] = []
    for row in rows:
        agent = by_matricule.get(row.matricule) if row.matricule else None
        if agent is None:
            agent = by_email.get(row.email)
            if agent is not None and row.matricule and agent.matricule and agent.matricule != row.matricule:
                result.errors.append(
                    LineError(
                        row.line,
                        "matricule",
                        _("l'agent %(email)s a déjà le matricule « %(value)s ».")
                        % {"email": row.email, "value": agent.matricule},
                    )
                )
                continue
        user = users.get(row.email)
        if user is not None and (agent is None or user.pk != agent.user_id) and hasattr(user, "agent"):
            result.errors.append(
                LineError(row.line, "email", _("cette adresse est déjà utilisée par un autre compte."))
            )
            continue
        if agent is not None and row.email != agent.user.email and row.email in by_email:
            result.errors.append(LineError(row.line, "email", _("cette adresse est déjà celle d'un autre agent.")))
            continue
        matched.append((row, agent, user))
    for row, _agent, _user in matched:
        if row.manager_email and row.manager_email not in file_emails and row.manager_email not in by_email:
            result.errors.append(
                LineError(
                    row.line,
                    "manager_email",
                    _("responsable inconnu « %(value)s » : aucun agent de l'organisation ni du fichier.")
                    % {"value": row.manager_email},
                )
            )
    if result.errors:
        return

    missing_paths = {row.service for row, _a, _u in matched if row.service and row.service not in services}
    if dry_run:
        result.services_created = sorted(_with_parents(missing_paths) - set(services))
    else:
        result.services_created = sorted(_ensure_services(organisation, missing_paths, services))

    new_users: list[User] = []
    new_agents: list[tuple[AgentRow, Agent]] = []
    changed_users: list[tuple[tuple[str, ...], User]] = []
    changed_agents: list[tuple[tuple[str, ...], Agent]] = []
    all_agents: list[tuple[AgentRow, Agent]] = []
    for row, agent, user in matched:
        service = services.get(row.service) if row.service else None
        values = {
            "matricule": row.matricule or (agent.matricule if agent else ""),
            "service_id": service.pk if service else None,
            "job_title": row.job_title,
            "category": row.category,
            "status": row.status,
            "hire_date": row.hire_date,
            "is_active": True,
        }
        user_values = {"email": row.email, "first_name": row.first_name, "last_name": row.last_name}
        if agent is None:
            if user is None:
                password = "" if dry_run else UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)
                user = User(password=password, **user_values)
                new_users.append(user)
            else:
                changed = _changed_fields(user, user_values)
                if changed:
                    changed_users.append((changed, user))
            agent = Agent(user=user, organisation=organisation, **values)
            new_agents.append((row, agent))
            result.created += 1
        else:
            user_changed = _changed_fields(agent.user, user_values)
            agent_changed = _changed_fields(agent, values)
            manager_changed = email_by_agent_id.get(agent.manager_id, "") != row.manager_email
            if user_changed:
                changed_users.append((user_changed, agent.user))
            if agent_changed:
                changed_agents.append((agent_changed, agent))
            if user_changed or agent_changed or manager_changed:
                result.updated += 1
            else:
                result.unchanged += 1
        all_agents.append((row, agent))
    if dry_run:
        return

    for chunk in _chunks(new_users, BATCH_SIZE):
        User.objects.bulk_create(chunk)
    result.created_user_ids = [user.pk for user in new_users]
    _bulk_update_changed(User, changed_users)
    for _row, agent in new_agents:
        agent.user_id = agent.user.pk
    Agent.objects.bulk_create([agent for _row, agent in new_agents], batch_size=BATCH_SIZE)
    _bulk_update_changed(Agent, changed_agents)
    changed_agents = [agent for _fields, agent in changed_agents]

    agent_ids_by_email = {agent.user.email: agent.pk for agent in existing}
    agent_ids_by_email.update({row.email: agent.pk for row, agent in all_agents})
    manager_changes: list[Agent] = []
    for row, agent in all_agents:
        manager_id = agent_ids_by_email.get(row.manager_email) if row.manager_email else None
        if agent.manager_id != manager_id:
            agent.manager_id = manager_id
            manager_changes.append(agent)
    reports_by_manager: dict[int | None, list[int]] = defaultdict(list)
    for agent in manager_changes:
        reports_by_manager[agent.manager_id].append(agent.pk)
    for manager_id, agent_ids in reports_by_manager.items():
        for chunk in _chunks(agent_ids, BATCH_SIZE):
            Agent.objects.filter(pk__in=chunk).update(manager_id=manager_id)
    now = timezone.now()
    Agent.objects.filter(pk__in=[agent.pk for agent in changed_agents]).update(updated_at=now)
    result.changed_agent_ids = sorted(
        {agent.pk for _row, agent in new_agents}
        | {agent.pk for agent in changed_agents}
        | {agent.pk for agent in manager_changes}
    )


def _with_parents(paths: set[str]) -> set[str]:
    every: set[str] = set()
    for path in paths:
        parts = path.split(Service.SEPARATOR)
        every.update(Service.SEPARATOR.join(parts[:depth]) for depth in range(1, len(parts) + 1))
    return every


def _changed_fields(instance, values: dict) -> tuple[str, ...]:
    """Set the values that differ; return the names of the fields that changed."""
    changed = []
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return tuple(changed)


def _bulk_update_changed(model, changes: list[tuple[tuple[str, ...], object]]) -> None:
    """bulk_update() builds one CASE WHEN per row and field: give it only the fields that changed."""
    by_fields: dict[tuple[str, ...], list] = defaultdict(list)
    for fields, instance in changes:
        by_fields[fields].append(instance)
    for fields, instances in by_fields.items():
        model.objects.bulk_update(instances, fields, batch_size=BATCH_SIZE)


def preview_agent_import(
    *, organisation_id: int, uploaded_by_id: int, filename: str, data: bytes, send_invitations: bool
) -> AgentImport:
    """Check a file without writing agents, and keep it for the confirmation step."""
    result = import_agents(organisation_id=organisation_id, data=data, dry_run=True)
    try:
        content = data.decode(result.encoding) if result.encoding else ""
    except (LookupError, UnicodeDecodeError):
        content = ""
    return AgentImport.objects.create(
        organisation_id=organisation_id,
        uploaded_by_id=uploaded_by_id,
        filename=filename[:255],
        content=content if result.ok else "",
        state=AgentImport.State.PREVIEWED if result.ok else AgentImport.State.REJECTED,
        summary=result.summary(),
        send_invitations=send_invitations,
    )


def apply_agent_import(*, import_id: int, organisation_id: int) -> ImportResult:
    """Apply a previewed import; applying it twice (a double click) changes nothing more."""
    with transaction.atomic():
        record = AgentImport.objects.select_for_update().get(pk=import_id, organisation_id=organisation_id)
        if record.state != AgentImport.State.PREVIEWED:
            return ImportResult(
                errors=[LineError(1, "", _("Cet import a déjà été traité."))],
            )
        result = import_agents(
            organisation_id=organisation_id,
            data=record.content.encode("utf-8"),
            send_invitations=record.send_invitations,
        )
        record.summary = result.summary()
        if result.ok:
            record.state = AgentImport.State.APPLIED
            record.applied_at = timezone.now()
            record.content = ""  # personal data is not kept once applied
        else:
            record.state = AgentImport.State.REJECTED
        record.save()
    return result


def set_agent_active(*, agent_id: int, organisation_id: int, active: bool) -> Agent:
    """Deactivate (or reactivate) an agent: the account can no longer log in; history is kept."""
    with transaction.atomic():
        agent = (
            Agent.objects.select_for_update().select_related("user").get(pk=agent_id, organisation_id=organisation_id)
        )
        agent.is_active = active
        agent.save(update_fields=["is_active", "updated_at"])
        agent.user.is_active = active
        agent.user.save(update_fields=["is_active"])
        transaction.on_commit(
            lambda: agents_changed.send(sender=Agent, organisation_id=organisation_id, agent_ids=[agent_id])
        )
    return agent


def reinvite(*, user_id: int) -> None:
    """Send the set-password invitation again (HR action), after the current transaction."""
    from .tasks import send_invitations as invitation_task

    User.objects.filter(pk=user_id).update(invited_at=None)
    transaction.on_commit(lambda: invitation_task.delay([user_id]))
