"""Companies and connections: creation, the Link flow's outcomes, and their JSON."""

import re
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from billpay.sandbox import clock, conf, generator, store, webhooks
from billpay.sandbox.jsonutil import iso
from billpay.sandbox.models import SandboxCompany, SandboxConnection, SandboxLedgerRecord
from billpay.sandbox.profiles import get_profile

_FORBIDDEN = re.compile(r"[^\w\s\-.,&'@]", re.UNICODE)
_PLACEHOLDER = re.compile(r"\{[A-Za-z0-9_.]+\}")


def default_origin() -> str:
    """The origin for absolute links when no request is at hand (webhooks, the seed command)."""
    return getattr(settings, "APP_BASE_URL", "http://127.0.0.1:8000").rstrip("/")


def clean_name(name: str) -> str:
    """Codat strips forbidden characters: "Company (Codat[1])" becomes "Company Codat1"."""
    return " ".join(_FORBIDDEN.sub("", name).split())


def company_create(*, name: str, description: str = "", tags: dict | None = None) -> SandboxCompany:
    """Create a company with no connections."""
    company = SandboxCompany.objects.create(
        name=clean_name(name), description=description or "", tags=tags or {}, created=clock.now()
    )
    return company


def connection_create(*, company: SandboxCompany, platform_key: str) -> SandboxConnection:
    """A new PendingAuth connection; emits connection.created."""
    connection = SandboxConnection.objects.create(
        company=company, platform_key=platform_key, created=clock.now()
    )
    _emit(connection, "connection.created")
    return connection


def connection_approve(*, connection: SandboxConnection) -> SandboxConnection:
    """The user approved on the Link page: Linked, books generated if empty, first read queued.

    A first link (PendingAuth) queues the first read, whose end sends read.completed.initial, and
    emits connection.connected; linking an Unlinked or Deauthorized connection again emits
    connection.reconnected and queues an ordinary read of the same types (read.completed).
    """
    with transaction.atomic():
        connection = SandboxConnection.objects.select_for_update().get(pk=connection.pk)
        if connection.status == SandboxConnection.Status.LINKED:
            return connection
        first_link = connection.status == SandboxConnection.Status.PENDING_AUTH
        connection.status = SandboxConnection.Status.LINKED
        connection.save(update_fields=["status"])
        company = connection.company
        if not SandboxLedgerRecord.objects.filter(company=company).exists():
            generator.generate_books(
                company,
                get_profile(connection.platform_key),
                bills=int(conf.get("SANDBOX_DEFAULT_BILLS")),
                seed=company.pk.int % 100_000,
                fill_cache=False,
            )
        for data_type in store.first_read_types():
            if not store.in_progress(company, data_type):
                store.queue_dataset(company, connection, data_type, initial=first_link)
        _emit(connection, "connection.connected" if first_link else "connection.reconnected")
    return connection


def connection_set_status(*, connection: SandboxConnection, status: str) -> SandboxConnection:
    """Unlink (from the API) or deauthorize (admin, faults); emits connection.disconnected."""
    connection.status = status
    connection.save(update_fields=["status"])
    _emit(connection, "connection.disconnected")
    return connection


def redirect_url(
    connection: SandboxConnection, status_code: int, error: str = "", extra: dict | None = None
) -> str:
    """SANDBOX_REDIRECT_URL with Codat's placeholders (and custom Link params) filled in."""
    template = conf.get("SANDBOX_REDIRECT_URL") or f"{default_origin()}/"
    profile = get_profile(connection.platform_key)
    values = {
        "companyId": str(connection.company_id),
        "connectionId": str(connection.id),
        "clientId": "00000000-0000-0000-0000-00000000c0da",
        "integrationId": str(connection.integration_id),
        "sourceId": str(connection.source_id),
        "platform": connection.platform_key,
        "platformName": profile.name,
        "sourceType": "Accounting",
        "statusCode": str(status_code),
        "errorMessage": error,
        "statusText": error,
        "data.company.companyName": connection.company.name,
    }
    # Custom params appended to the Link URL fill {name} placeholders; reserved names win.
    values = {**(extra or {}), **values}
    for name, value in values.items():
        template = template.replace("{" + name + "}", quote(value, safe=""))
    return _PLACEHOLDER.sub("", template)  # missing placeholders become empty strings


def connection_json(connection: SandboxConnection, origin: str | None = None) -> dict:
    """A Connection as Codat returns it."""
    origin = origin or default_origin()
    link = reverse(
        "sandbox:link-connection",
        kwargs={"company_id": connection.company_id, "connection_id": connection.id},
    )
    body = {
        "id": str(connection.id),
        "integrationId": str(connection.integration_id),
        "integrationKey": connection.platform_key,
        "sourceId": str(connection.source_id),
        "sourceType": "Accounting",
        "platformName": get_profile(connection.platform_key).name,
        "linkUrl": origin + link,
        "status": connection.status,
        "created": iso(connection.created),
        "dataConnectionErrors": None,
        "connectionInfo": None,
    }
    if connection.last_sync:
        body["lastSync"] = iso(connection.last_sync)
    return body


def company_json(company: SandboxCompany, origin: str | None = None) -> dict:
    """A Company with its data connections."""
    origin = origin or default_origin()
    body = {
        "id": str(company.id),
        "name": company.name,
        "description": company.description,
        "platform": "",
        "redirect": origin + reverse("sandbox:link-company", kwargs={"company_id": company.id}),
        "created": iso(company.created),
        "createdByUserName": "Sandbox",
        "products": ["payables"],
        "tags": company.tags or {},
        "referenceSubsidiaryCompanies": [],
        "dataConnections": [connection_json(c, origin) for c in company.connections.all()],
    }
    if company.last_sync:
        body["lastSync"] = iso(company.last_sync)
    return body


def _emit(connection: SandboxConnection, event_type: str) -> None:
    company = connection.company
    webhooks.emit(
        company,
        event_type,
        {
            "referenceCompany": webhooks.reference_company(company),
            "connection": connection_json(connection),
        },
    )
