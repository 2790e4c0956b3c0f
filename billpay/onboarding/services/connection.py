"""Connecting the company's accounting software through Codat's hosted Link flow.

The local AccountingConnection mirrors Codat's connection: pending_auth → linked →
unlinked | deauthorized. Codat's redirect back to us is unsigned, so `connection_verify`
trusts nothing in the query string: the ids must be this company's, and the connection is
read back from Codat before it counts as linked. Webhooks (`connection.*`) keep the status fresh.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billpay.codat import get_codat_client
from billpay.codat.errors import CodatError, CodatNotFoundError
from billpay.core.services import audit_record
from billpay.onboarding.errors import AlreadyConnected, LinkFailed, NotConnected
from billpay.onboarding.hooks import connection_status_handlers, linked_handlers
from billpay.onboarding.models import AccountingConnection, Company
from billpay.onboarding.selectors import connection_get, connection_get_linked

if TYPE_CHECKING:
    from billpay.core.services import Actor

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Integration:
    key: str  # Codat's platformKey
    name: str
    badge: str  # plain words, translated when shown


INTEGRATIONS = (
    Integration("qhyg", "QuickBooks Online", _("Most popular")),
    Integration("gbol", "Xero", _("Popular")),
    Integration("knfz", "Sage Intacct", _("Mid-market")),
    Integration("akxx", "Oracle NetSuite", _("Enterprise")),
    Integration("fbrh", "FreeAgent", _("UK")),
    Integration("rwuv", "Zoho Books", ""),
)
INTEGRATION_NAMES = {i.key: i.name for i in INTEGRATIONS}


def connection_start(*, company: Company, platform_key: str, actor: Actor) -> str:
    """Create the Codat company (once) and a connection; returns the Link URL to send the user to.

    **Raises:** AlreadyConnected, LinkFailed.
    """
    current = connection_get(company=company)
    if current is not None and current.is_linked:
        raise AlreadyConnected(
            gettext("%(company)s is already connected to %(platform)s. Disconnect it first.")
            % {"company": company.name, "platform": current.platform_name}
        )
    if platform_key not in INTEGRATION_NAMES:
        raise LinkFailed(gettext("Choose one of the accounting platforms listed."))
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
                "status_read_at": None,
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
        raise LinkFailed(
            gettext("Codat did not return a link to authorize the connection. Try again.")
        )
    return connection.link_url


def connection_verify(
    *,
    company: Company,
    actor: Actor,
    codat_company_id: str,
    connection_id: str,
    status_code: str,
    error_message: str,
) -> AccountingConnection:
    """Check the Link redirect against this company and Codat, then mark the connection linked.

    **Raises:** LinkFailed (cancelled, forged, not linked). **Idempotent.**
    """
    local = connection_get(company=company)
    if (
        local is None
        or codat_company_id != company.codat_company_id
        or connection_id != local.codat_connection_id
    ):
        logger.warning("link return for company %s did not match its connection", company.pk)
        raise LinkFailed(
            gettext(
                "This connection link does not belong to your company. Start again from Connect."
            )
        )
    if status_code == "403":
        raise LinkFailed(
            gettext(
                "You cancelled the connection. Nothing was changed; you can connect whenever you "
                "are ready."
            )
        )
    try:
        current = connection_refresh(
            company=company, codat_connection_id=connection_id, actor=actor
        )
    except CodatError as exc:
        raise LinkFailed(exc.user_message) from exc
    if current is None or not current.is_linked:
        if error_message:
            raise LinkFailed(
                gettext(
                    "%(platform)s did not confirm the connection (%(error)s). Please try again."
                )
                % {"platform": local.platform_name, "error": error_message}
            )
        raise LinkFailed(
            gettext("%(platform)s did not confirm the connection. Please try again.")
            % {"platform": local.platform_name}
        )
    return current


def connection_refresh(
    *, company: Company, codat_connection_id: str, actor: Actor = None
) -> AccountingConnection | None:
    """Read the connection's status from Codat and apply it unless a newer reading was applied.

    Why a re-read rather than the status an event carries: Codat's webhooks arrive late, twice
    and out of order (a retried `connection.connected` can come after `connection.disconnected`),
    and the return from the consent page races them in other workers. Codat's own answer, asked
    after an event was generated, is at least as new as that event. Readings are ordered by when
    we *asked* (`status_read_at`, under a row lock), so a slow worker holding an older answer
    cannot undo a newer one; and since every change at Codat sends a `connection.*` event whose
    re-read is asked after the change, the last reading applied is the state Codat holds. We
    order by our own clock, not Codat's `generatedDate`, so that the two clocks never meet.

    Only the company's current connection is touched: an event about another connection (an
    abandoned earlier Link attempt) returns None and changes nothing.
    **Idempotent.** **Raises:** CodatError (the caller turns it into words or a task retry).
    """
    local = AccountingConnection.objects.filter(
        company=company, codat_connection_id=codat_connection_id
    ).first()
    if local is None or not company.codat_company_id:
        return None
    asked_at = timezone.now()
    client = get_codat_client()
    try:
        remote = client.get_connection(
            company_id=company.codat_company_id, connection_id=codat_connection_id
        )
        status = AccountingConnection.FROM_CODAT.get(remote.status or "")
    except CodatNotFoundError:  # deleted at Codat (connection.deleted): nothing to read or write
        status = AccountingConnection.Status.UNLINKED
    finally:
        client.close()
    if status is None:  # a status Codat added after this code was written: keep ours
        logger.warning("connection %s has an unknown status %r", local.pk, remote.status)
        return local
    return _connection_apply(local, status=status, asked_at=asked_at, actor=actor)


def _connection_apply(
    local: AccountingConnection, *, status: str, asked_at, actor: Actor
) -> AccountingConnection:
    """Record a status read at `asked_at` if no later reading was recorded; act on a change.

    A change to linked runs the linked handlers (bills: the first sync) in this transaction.
    """
    with transaction.atomic():
        row = AccountingConnection.objects.select_for_update().get(pk=local.pk)
        if row.codat_connection_id != local.codat_connection_id or (
            row.status_read_at is not None and row.status_read_at >= asked_at
        ):
            return row  # a newer reading (or a new Link attempt) is already in place
        before = row.status
        row.status, row.status_read_at = status, asked_at
        fields = ["status", "status_read_at", "updated_at"]
        if status == AccountingConnection.Status.LINKED and before != status:
            row.linked_at = timezone.now()
            fields.append("linked_at")
        row.save(update_fields=fields)
        if before != status:
            audit_record(
                company=row.company,
                actor=actor,
                action=f"connection.{status}",
                target=row.platform_name,
            )
            if status == AccountingConnection.Status.LINKED:
                for handler in linked_handlers():
                    handler(company=row.company)
            for handler in connection_status_handlers():
                handler(company=row.company, connection=row, before=before)
    return row


def connection_disconnect(*, company: Company, actor: Actor) -> AccountingConnection:
    """Unlink the connection at Codat (PATCH status Unlinked). **Raises:** LinkFailed."""
    try:
        local = connection_get_linked(company=company)
    except NotConnected as exc:
        raise LinkFailed(gettext("There is no active connection to disconnect.")) from exc
    asked_at = timezone.now()
    client = get_codat_client()
    try:
        client.unlink_connection(
            company_id=company.codat_company_id, connection_id=local.codat_connection_id
        )
    except CodatError as exc:
        raise LinkFailed(exc.user_message) from exc
    finally:
        client.close()
    return _connection_apply(
        local, status=AccountingConnection.Status.UNLINKED, asked_at=asked_at, actor=actor
    )
