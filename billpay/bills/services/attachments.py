"""Invoice attachments of synced bills, read through Codat on demand (not mirrored)."""

from dataclasses import dataclass

from billpay.bills.models import Bill
from billpay.codat import get_codat_client
from billpay.codat.errors import CodatError
from billpay.core.errors import DomainError
from billpay.onboarding.selectors import connection_get_linked


@dataclass(frozen=True)
class AttachmentFile:
    name: str
    content_type: str
    content: bytes


def _ids(bill: Bill) -> dict[str, str]:
    """**Raises:** NotConnected (a DomainError)."""
    connection = connection_get_linked(company=bill.company)
    return {
        "company_id": bill.company.codat_company_id,
        "connection_id": connection.codat_connection_id,
        "bill_id": bill.codat_bill_id,
    }


def bill_attachments_list(*, bill: Bill) -> list:
    """The bill's attachments in the books. **Raises:** DomainError with a readable reason."""
    ids = _ids(bill)
    with get_codat_client() as client:
        try:
            return client.list_bill_attachments(**ids)
        except CodatError as exc:
            raise DomainError(exc.user_message) from exc


def bill_attachment_download(*, bill: Bill, attachment_id: str) -> AttachmentFile:
    """One attachment's file. **Raises:** DomainError (missing or unreachable)."""
    ids = _ids(bill)
    with get_codat_client() as client:
        try:
            meta = client.get_bill_attachment(**ids, attachment_id=attachment_id)
            content = client.download_bill_attachment(**ids, attachment_id=attachment_id)
        except CodatError as exc:
            raise DomainError(exc.user_message) from exc
    return AttachmentFile(
        meta.name or f"attachment-{attachment_id}",
        meta.content_type or "application/octet-stream",
        content,
    )
