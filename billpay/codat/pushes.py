"""Writes ("pushes") to the company's accounting software, and their push options.

Every push returns at once with a `PushOperation`, usually `Pending`; poll
`get_push_operation` or wait for the `{dataType}.write.*` webhook for the outcome.
Bodies are plain mappings in Codat's JSON shape (camelCase keys, `Decimal` amounts, no
floats); `serialize.dumps` writes them exactly. Codat says `modifiedDate`,
`sourceModifiedDate` and `metadata` are read-only and may fail validation, so they are
dropped from the top level of every body (convenient when sending back a mirrored record).
Every push requires an `idempotency_key`, sent as the `Idempotency-Key` header: Codat
replays the first answer for 90 minutes, so re-sending with the same key cannot duplicate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from billpay.codat import serialize
from billpay.codat.decode import decode
from billpay.codat.schemas import PushOperation, PushOption
from billpay.codat.transport import CodatTransport

PUSH = "/companies/{companyId}/connections/{connectionId}/push"
READ_ONLY_FIELDS = frozenset({"modifiedDate", "sourceModifiedDate", "metadata"})
# Spec paths are literal per data type (get-create-update-bill-model etc.).
PUSH_OPTION_DATA_TYPES = frozenset(
    {
        "bills",
        "suppliers",
        "billPayments",
        "bankAccounts",
        "chartOfAccounts",
        "billCreditNotes",
        "journals",
        "journalEntries",
    }
)


class Pushes(CodatTransport):
    def _push(
        self,
        method: str,
        template: str,
        *,
        path: Mapping[str, str],
        idempotency_key: str,
        body: Mapping[str, Any] | None = None,
        timeout_in_minutes: int | None = None,
        force_update: bool = False,
    ) -> PushOperation:
        if not idempotency_key:
            raise ValueError("idempotency_key is required on every push")
        params = {
            "timeoutInMinutes": timeout_in_minutes,
            "forceUpdate": "true" if force_update else None,
        }
        payload = None
        if body is not None:
            payload = {key: value for key, value in body.items() if key not in READ_ONLY_FIELDS}
        data = self.request_json(
            method,
            template,
            path=path,
            params=params,
            body=payload,
            idempotency_key=idempotency_key,
        )
        return decode(PushOperation, data)

    def get_push_options(
        self, *, company_id: str, connection_id: str, data_type: str
    ) -> PushOption:
        """Get push options, e.g. bills: https://docs.codat.io/sync-for-payables-v1-api#/operations/get-create-update-bill-model"""
        if data_type not in PUSH_OPTION_DATA_TYPES:
            raise ValueError(f"no push options for data type {data_type!r}")
        template = f"/companies/{{companyId}}/connections/{{connectionId}}/options/{data_type}"
        path = {"companyId": company_id, "connectionId": connection_id}
        return decode(PushOption, self.request_json("GET", template, path=path))

    def create_bill(
        self,
        *,
        company_id: str,
        connection_id: str,
        bill: Mapping[str, Any],
        idempotency_key: str,
        timeout_in_minutes: int | None = None,
    ) -> PushOperation:
        """Create bill: https://docs.codat.io/sync-for-payables-v1-api#/operations/create-bill"""
        return self._push(
            "POST",
            f"{PUSH}/bills",
            path=_ids(company_id, connection_id),
            body=bill,
            idempotency_key=idempotency_key,
            timeout_in_minutes=timeout_in_minutes,
        )

    def update_bill(
        self,
        *,
        company_id: str,
        connection_id: str,
        bill_id: str,
        bill: Mapping[str, Any],
        idempotency_key: str,
        force_update: bool = False,
        timeout_in_minutes: int | None = None,
    ) -> PushOperation:
        """Update bill: https://docs.codat.io/sync-for-payables-v1-api#/operations/update-bill"""
        return self._push(
            "PUT",
            f"{PUSH}/bills/{{billId}}",
            path=_ids(company_id, connection_id, billId=bill_id),
            body=bill,
            idempotency_key=idempotency_key,
            force_update=force_update,
            timeout_in_minutes=timeout_in_minutes,
        )

    def delete_bill(
        self, *, company_id: str, connection_id: str, bill_id: str, idempotency_key: str
    ) -> PushOperation:
        """Delete bill: https://docs.codat.io/sync-for-payables-v1-api#/operations/delete-bill"""
        return self._push(
            "DELETE",
            f"{PUSH}/bills/{{billId}}",
            path=_ids(company_id, connection_id, billId=bill_id),
            idempotency_key=idempotency_key,
        )

    def upload_bill_attachment(
        self,
        *,
        company_id: str,
        connection_id: str,
        bill_id: str,
        filename: str,
        content: bytes,
        content_type: str,
        idempotency_key: str,
    ) -> PushOperation | None:
        """Upload bill attachment: https://docs.codat.io/sync-for-payables-v1-api#/operations/upload-bill-attachment"""
        if not idempotency_key:
            raise ValueError("idempotency_key is required on every push")
        # The spec documents an empty 200; decode a push operation if Codat sends one.
        response = self.request(
            "POST",
            f"{PUSH}/bills/{{billId}}/attachments",
            path=_ids(company_id, connection_id, billId=bill_id),
            files={"file": (filename, content, content_type)},
            idempotency_key=idempotency_key,
        )
        data = _json_or_none(response.content)
        return decode(PushOperation, data) if _is_push_operation(data) else None

    def delete_bill_attachment(
        self,
        *,
        company_id: str,
        connection_id: str,
        bill_id: str,
        attachment_id: str,
        idempotency_key: str,
    ) -> PushOperation:
        """Delete bill attachment: https://docs.codat.io/sync-for-payables-v1-api#/operations/delete-bill-attachment"""
        path = _ids(company_id, connection_id, billId=bill_id, attachmentId=attachment_id)
        return self._push(
            "DELETE",
            f"{PUSH}/bills/{{billId}}/attachments/{{attachmentId}}",
            path=path,
            idempotency_key=idempotency_key,
        )

    def create_bill_credit_note(
        self,
        *,
        company_id: str,
        connection_id: str,
        bill_credit_note: Mapping[str, Any],
        idempotency_key: str,
        timeout_in_minutes: int | None = None,
    ) -> PushOperation:
        """Create bill credit note: https://docs.codat.io/sync-for-payables-v1-api#/operations/create-bill-credit-note"""
        return self._push(
            "POST",
            f"{PUSH}/billCreditNotes",
            path=_ids(company_id, connection_id),
            body=bill_credit_note,
            idempotency_key=idempotency_key,
            timeout_in_minutes=timeout_in_minutes,
        )

    def create_supplier(
        self,
        *,
        company_id: str,
        connection_id: str,
        supplier: Mapping[str, Any],
        idempotency_key: str,
        timeout_in_minutes: int | None = None,
    ) -> PushOperation:
        """Create supplier: https://docs.codat.io/sync-for-payables-v1-api#/operations/create-supplier"""
        return self._push(
            "POST",
            f"{PUSH}/suppliers",
            path=_ids(company_id, connection_id),
            body=supplier,
            idempotency_key=idempotency_key,
            timeout_in_minutes=timeout_in_minutes,
        )

    def update_supplier(
        self,
        *,
        company_id: str,
        connection_id: str,
        supplier_id: str,
        supplier: Mapping[str, Any],
        idempotency_key: str,
        force_update: bool = False,
        timeout_in_minutes: int | None = None,
    ) -> PushOperation:
        """Update supplier: https://docs.codat.io/sync-for-payables-v1-api#/operations/update-supplier"""
        return self._push(
            "PUT",
            f"{PUSH}/suppliers/{{supplierId}}",
            path=_ids(company_id, connection_id, supplierId=supplier_id),
            body=supplier,
            idempotency_key=idempotency_key,
            force_update=force_update,
            timeout_in_minutes=timeout_in_minutes,
        )

    def create_bank_account(
        self,
        *,
        company_id: str,
        connection_id: str,
        bank_account: Mapping[str, Any],
        idempotency_key: str,
        timeout_in_minutes: int | None = None,
    ) -> PushOperation:
        """Create bank account: https://docs.codat.io/sync-for-payables-v1-api#/operations/create-bank-account"""
        return self._push(
            "POST",
            f"{PUSH}/bankAccounts",
            path=_ids(company_id, connection_id),
            body=bank_account,
            idempotency_key=idempotency_key,
            timeout_in_minutes=timeout_in_minutes,
        )

    def create_bill_payment(
        self,
        *,
        company_id: str,
        connection_id: str,
        bill_payment: Mapping[str, Any],
        idempotency_key: str,
        timeout_in_minutes: int | None = None,
    ) -> PushOperation:
        """Create bill payment: https://docs.codat.io/sync-for-payables-v1-api#/operations/create-bill-payment"""
        return self._push(
            "POST",
            f"{PUSH}/billPayments",
            path=_ids(company_id, connection_id),
            body=bill_payment,
            idempotency_key=idempotency_key,
            timeout_in_minutes=timeout_in_minutes,
        )

    def delete_bill_payment(
        self, *, company_id: str, connection_id: str, bill_payment_id: str, idempotency_key: str
    ) -> PushOperation:
        """Delete bill payment: https://docs.codat.io/sync-for-payables-v1-api#/operations/delete-billPayment"""
        return self._push(
            "DELETE",
            f"{PUSH}/billPayments/{{billPaymentId}}",
            path=_ids(company_id, connection_id, billPaymentId=bill_payment_id),
            idempotency_key=idempotency_key,
        )


def _ids(company_id: str, connection_id: str, **more: str) -> dict[str, str]:
    return {"companyId": company_id, "connectionId": connection_id, **more}


def _json_or_none(content: bytes) -> Any:
    try:
        return serialize.loads(content) if content.strip() else None
    except ValueError:
        return None


def _is_push_operation(data: Any) -> bool:
    return isinstance(data, Mapping) and bool(data.get("pushOperationKey"))
