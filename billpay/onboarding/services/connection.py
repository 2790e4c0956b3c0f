"""Connecting the company's accounting software through Codat's hosted Link flow.

The local AccountingConnection mirrors Codat's connection: pending_auth → linked →
unlinked | deauthorized. Codat's redirect back to us is unsigned, so `connection_verify`
trusts nothing in the query string: the ids must be this company's, and the connection is
read back from Codat before it counts as linked. Webhooks (`connection.*`) keep the status fresh.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from billpay.codat import get_codat_client
from billpay.codat.errors import CodatError
from billpay.core.services import audit_record
from billpay.onboarding.errors import AlreadyConnected, LinkFailed
from billpay.onboarding.models import AccountingConnection, Company

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Integration:
    key: str  # Codat's platformKey
    name: str
    badge: str


INTEGRATIONS = (
    Integration("qhyg", "QuickBooks Online", "Most popular"),
    Integration("gbol", "Xero", "Popular"),
    Integration("knfz", "Sage Intacct", "Mid-market"),
    Integration("akxx", "Oracle NetSuite", "Enterprise"),
    Integration("fbrh", "FreeAgent", "UK"),
    Integration("rwuv", "Zoho Books", ""),
)
INTEGRATION_NAMES = {i.key: i.name for i in INTEGRATIONS}


def connection_start(*, company: Company, platform_key: str, actor) -> str:
    """Create the Codat company (once) and a connection; returns the Link URL to send the user to.

    **Raises:** AlreadyConnected, LinkFailed.
    """
    current = AccountingConnection.objects.filter(company=company).first()
    if current is not None and current.is_linked:
        raise AlreadyConnected(
            f"{company.name} is already connected to {current.platform_name}. Disconnect it first."
        )
    if platform_key not in INTEGRATION_NAMES:
        raise LinkFailed("Choose one of the accounting platforms listed.")
    client = get_codat_client()
    try:
        if not company.codat_company_id:
            remote = client.create_company(
                name=company.name, description=f"BillPay company {company.pk}"
            )
            # Two tabs may race here; the first id stored wins and the other Codat company is unused.
            Company.objects.filter(pk=company.pk, codat_company_id__isnull=True).update(
                codat_company_id=remote.id
            )
            company.refresh_from_db(fields=["codat_company_id"])
        connection = client.create_connection(
            company_id=company.codat_company_id, platform_key=platform_key
        )
    except CodatError as exc:
        raise LinkFailed(exc.user_message) from exc
    finally:
        client.close()
    with transaction.atomic():
        AccountingConnection.objects.update_or_create(
            company=company,
            defaults={
                "codat_connection_id": connection.id,
                "platform_key": platform_key,
                "platform_name": connection.platform_name or INTEGRATION_NAMES[platform_key],
                "status": AccountingConnection.Status.PENDING_AUTH,
                "linked_at": None,
            },
        )
        audit_record(
            company=company,
            actor=actor,
            action="connection.started",
            target=INTEGRATION_NAMES[platform_key],
        )
    if not connection.link_url:
        raise LinkFailed("Codat did not return a link to authorize the connection. Try again.")
    return connection.link_url


def connection_verify(
    *,
    company: Company,
    actor,
    codat_company_id: str,
    connection_id: str,
    status_code: str,
    error_message: str,
) -> AccountingConnection:
    """Check the Link redirect against this company and Codat, then mark the connection linked.

    **Raises:** LinkFailed (cancelled, forged, not linked). **Idempotent.**
    """
    local = AccountingConnection.objects.filter(company=company).first()
    if (
        local is None
        or codat_company_id != company.codat_company_id
        or connection_id != local.codat_connection_id
    ):
        logger.warning("link return for company %s did not match its connection", company.pk)
        raise LinkFailed(
            "This connection link does not belong to your company. Start again from Connect."
        )
    if status_code == "403":
        raise LinkFailed(
            "You cancelled the connection. Nothing was changed; you can connect whenever you are ready."
        )
    client = get_codat_client()
    try:
        remote = client.get_connection(company_id=codat_company_id, connection_id=connection_id)
    except CodatError as exc:
        raise LinkFailed(exc.user_message) from exc
    finally:
        client.close()
    status = AccountingConnection.FROM_CODAT.get(
        remote.status or "", AccountingConnection.Status.PENDING_AUTH
    )
    if status != AccountingConnection.Status.LINKED:
        detail = f" ({error_message})" if error_message else ""
        raise LinkFailed(
            f"{local.platform_name} did not confirm the connection{detail}. Please try again."
        )
    return _mark_linked(local, actor=actor)


def _mark_linked(local: AccountingConnection, *, actor) -> AccountingConnection:
    from billpay.bills.models import SyncRun
    from billpay.bills.services import sync_request

    with transaction.atomic():
        claimed = (
            AccountingConnection.objects.filter(pk=local.pk)
            .exclude(status=AccountingConnection.Status.LINKED)
            .update(status=AccountingConnection.Status.LINKED, linked_at=timezone.now())
        )
        local.refresh_from_db()
        if claimed:
            audit_record(
                company=local.company,
                actor=actor,
                action="connection.linked",
                target=local.platform_name,
            )
            sync_request(company=local.company, trigger=SyncRun.Trigger.LINK)
    return local


def connection_status_update(*, company: Company, codat_status: str) -> AccountingConnection | None:
    """Apply a status Codat reported (webhook). **Idempotent.**"""
    local = AccountingConnection.objects.filter(company=company).first()
    status = AccountingConnection.FROM_CODAT.get(codat_status)
    if local is None or status is None or local.status == status:
        return local
    if status == AccountingConnection.Status.LINKED:
        return _mark_linked(local, actor=None)
    AccountingConnection.objects.filter(pk=local.pk).update(status=status)
    audit_record(
        company=company, actor=None, action=f"connection.{status}", target=local.platform_name
    )
    local.status = status
    return local


def connection_disconnect(*, company: Company, actor) -> AccountingConnection:
    """Unlink the connection at Codat (PATCH status Unlinked). **Raises:** LinkFailed."""
    local = AccountingConnection.objects.filter(company=company).first()
    if local is None or not local.is_linked:
        raise LinkFailed("There is no active connection to disconnect.")
    client = get_codat_client()
    try:
        client.unlink_connection(
            company_id=company.codat_company_id, connection_id=local.codat_connection_id
        )
    except CodatError as exc:
        raise LinkFailed(exc.user_message) from exc
    finally:
        client.close()
    with transaction.atomic():
        AccountingConnection.objects.filter(pk=local.pk).update(
            status=AccountingConnection.Status.UNLINKED
        )
        audit_record(
            company=company, actor=actor, action="connection.unlinked", target=local.platform_name
        )
    local.refresh_from_db()
    return local
