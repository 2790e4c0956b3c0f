"""Reads of a company's accounting data (`/companies/{companyId}/data/...`).

List methods are generators over *all* pages: they fetch a page only when the caller has
consumed the previous one, so a sync can stream 100,000 bills without holding them. Paging is
bounded (see `paging`). By default a record that cannot be decoded fails the whole list with
`CodatInvalidResponseError`; with `on_invalid=callback` it is passed to
`callback(raw_item, reason)` instead and left out, so one bad record does not sink a page.
With `on_total=callback`, each page's `totalResults` (how many records the whole list holds)
is passed to `callback(total)` before its records are yielded: a sync's progress.
`query` is Codat's query language (e.g. "amountDue>0&&metadata.isDeleted!=true") and
`order_by` a field name, "-" first for descending; both are URL-encoded for you.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from billpay.codat.decode import decode
from billpay.codat.errors import CodatInvalidResponseError
from billpay.codat.paging import DEFAULT_PAGE_SIZE, OnInvalid, OnTotal
from billpay.codat.schemas import (
    Account,
    Attachment,
    Bill,
    BillCreditNote,
    BillPayment,
    CompanyInfo,
    PaymentMethod,
    Supplier,
    TaxRate,
)
from billpay.codat.transport import CodatTransport

T = TypeVar("T")

DATA = "/companies/{companyId}/data"
BILL_ATTACHMENTS = (
    "/companies/{companyId}/connections/{connectionId}/data/bills/{billId}/attachments"
)


class DataReads(CodatTransport):
    def _list(
        self,
        resource: str,
        record: type[T],
        *,
        company_id: str,
        query: str | None,
        order_by: str | None,
        page_size: int,
        on_invalid: OnInvalid | None = None,
        on_total: OnTotal | None = None,
    ) -> Iterator[T]:
        pages = self.pages(
            f"{DATA}/{resource}",
            record,
            path={"companyId": company_id},
            query=query,
            order_by=order_by,
            page_size=page_size,
            on_invalid=on_invalid,
        )
        for page in pages:
            if on_total is not None and page.total_results is not None:
                on_total(page.total_results)
            yield from page.results

    def _get_one(self, template: str, record: type[T], **path: str) -> T:
        return decode(record, self.request_json("GET", template, path=path))

    def get_company_info(self, *, company_id: str) -> CompanyInfo:
        """Get company info: https://docs.codat.io/sync-for-payables-v1-api#/operations/get-accounting-profile"""
        return self._get_one(f"{DATA}/info", CompanyInfo, companyId=company_id)

    def list_bills(
        self,
        *,
        company_id: str,
        query: str | None = None,
        order_by: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        on_invalid: OnInvalid | None = None,
        on_total: OnTotal | None = None,
    ) -> Iterator[Bill]:
        """List bills: https://docs.codat.io/sync-for-payables-v1-api#/operations/list-bills"""
        return self._list(
            "bills",
            Bill,
            company_id=company_id,
            query=query,
            order_by=order_by,
            page_size=page_size,
            on_invalid=on_invalid,
            on_total=on_total,
        )

    def get_bill(self, *, company_id: str, bill_id: str) -> Bill:
        """Get bill: https://docs.codat.io/sync-for-payables-v1-api#/operations/get-bill"""
        return self._get_one(f"{DATA}/bills/{{billId}}", Bill, companyId=company_id, billId=bill_id)

    def list_suppliers(
        self,
        *,
        company_id: str,
        query: str | None = None,
        order_by: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        on_invalid: OnInvalid | None = None,
        on_total: OnTotal | None = None,
    ) -> Iterator[Supplier]:
        """List suppliers: https://docs.codat.io/sync-for-payables-v1-api#/operations/list-suppliers"""
        return self._list(
            "suppliers",
            Supplier,
            company_id=company_id,
            query=query,
            order_by=order_by,
            page_size=page_size,
            on_invalid=on_invalid,
            on_total=on_total,
        )

    def get_supplier(self, *, company_id: str, supplier_id: str) -> Supplier:
        """Get supplier: https://docs.codat.io/sync-for-payables-v1-api#/operations/get-supplier"""
        return self._get_one(
            f"{DATA}/suppliers/{{supplierId}}",
            Supplier,
            companyId=company_id,
            supplierId=supplier_id,
        )

    def list_accounts(
        self,
        *,
        company_id: str,
        query: str | None = None,
        order_by: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        on_invalid: OnInvalid | None = None,
        on_total: OnTotal | None = None,
    ) -> Iterator[Account]:
        """List accounts: https://docs.codat.io/sync-for-payables-v1-api#/operations/list-accounts"""
        # Bank accounts are read here with query="isBankAccount=true" (no data/bankAccounts
        # in Sync for Payables v1).
        return self._list(
            "accounts",
            Account,
            company_id=company_id,
            query=query,
            order_by=order_by,
            page_size=page_size,
            on_invalid=on_invalid,
            on_total=on_total,
        )

    def get_account(self, *, company_id: str, account_id: str) -> Account:
        """Get account: https://docs.codat.io/sync-for-payables-v1-api#/operations/get-account"""
        return self._get_one(
            f"{DATA}/accounts/{{accountId}}", Account, companyId=company_id, accountId=account_id
        )

    def list_bill_payments(
        self,
        *,
        company_id: str,
        query: str | None = None,
        order_by: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        on_invalid: OnInvalid | None = None,
        on_total: OnTotal | None = None,
    ) -> Iterator[BillPayment]:
        """List bill payments: https://docs.codat.io/sync-for-payables-v1-api#/operations/list-bill-payments"""
        return self._list(
            "billPayments",
            BillPayment,
            company_id=company_id,
            query=query,
            order_by=order_by,
            page_size=page_size,
            on_invalid=on_invalid,
            on_total=on_total,
        )

    def get_bill_payment(self, *, company_id: str, bill_payment_id: str) -> BillPayment:
        """Get bill payment: https://docs.codat.io/sync-for-payables-v1-api#/operations/get-bill-payments"""
        return self._get_one(
            f"{DATA}/billPayments/{{billPaymentId}}",
            BillPayment,
            companyId=company_id,
            billPaymentId=bill_payment_id,
        )

    def list_bill_credit_notes(
        self,
        *,
        company_id: str,
        query: str | None = None,
        order_by: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        on_invalid: OnInvalid | None = None,
        on_total: OnTotal | None = None,
    ) -> Iterator[BillCreditNote]:
        """List bill credit notes: https://docs.codat.io/sync-for-payables-v1-api#/operations/list-bill-credit-notes"""
        return self._list(
            "billCreditNotes",
            BillCreditNote,
            company_id=company_id,
            query=query,
            order_by=order_by,
            page_size=page_size,
            on_invalid=on_invalid,
            on_total=on_total,
        )

    def get_bill_credit_note(self, *, company_id: str, bill_credit_note_id: str) -> BillCreditNote:
        """Get bill credit note: https://docs.codat.io/sync-for-payables-v1-api#/operations/get-bill-credit-note"""
        return self._get_one(
            f"{DATA}/billCreditNotes/{{billCreditNoteId}}",
            BillCreditNote,
            companyId=company_id,
            billCreditNoteId=bill_credit_note_id,
        )

    def list_tax_rates(
        self,
        *,
        company_id: str,
        query: str | None = None,
        order_by: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        on_invalid: OnInvalid | None = None,
        on_total: OnTotal | None = None,
    ) -> Iterator[TaxRate]:
        """List tax rates: https://docs.codat.io/sync-for-payables-v1-api#/operations/list-tax-rates"""
        return self._list(
            "taxRates",
            TaxRate,
            company_id=company_id,
            query=query,
            order_by=order_by,
            page_size=page_size,
            on_invalid=on_invalid,
            on_total=on_total,
        )

    def get_tax_rate(self, *, company_id: str, tax_rate_id: str) -> TaxRate:
        """Get tax rate: https://docs.codat.io/sync-for-payables-v1-api#/operations/get-tax-rate"""
        return self._get_one(
            f"{DATA}/taxRates/{{taxRateId}}", TaxRate, companyId=company_id, taxRateId=tax_rate_id
        )

    def list_payment_methods(
        self,
        *,
        company_id: str,
        query: str | None = None,
        order_by: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        on_invalid: OnInvalid | None = None,
        on_total: OnTotal | None = None,
    ) -> Iterator[PaymentMethod]:
        """List payment methods: https://docs.codat.io/sync-for-payables-v1-api#/operations/list-payment-methods"""
        return self._list(
            "paymentMethods",
            PaymentMethod,
            company_id=company_id,
            query=query,
            order_by=order_by,
            page_size=page_size,
            on_invalid=on_invalid,
            on_total=on_total,
        )

    def get_payment_method(self, *, company_id: str, payment_method_id: str) -> PaymentMethod:
        """Get payment method: https://docs.codat.io/sync-for-payables-v1-api#/operations/get-payment-method"""
        return self._get_one(
            f"{DATA}/paymentMethods/{{paymentMethodId}}",
            PaymentMethod,
            companyId=company_id,
            paymentMethodId=payment_method_id,
        )

    def list_bill_attachments(
        self, *, company_id: str, connection_id: str, bill_id: str
    ) -> list[Attachment]:
        """List bill attachments: https://docs.codat.io/sync-for-payables-v1-api#/operations/list-bill-attachments"""
        path = {"companyId": company_id, "connectionId": connection_id, "billId": bill_id}
        body = self.request_json("GET", BILL_ATTACHMENTS, path=path)
        if not isinstance(body, dict):
            raise CodatInvalidResponseError(f"GET {BILL_ATTACHMENTS}: not an Attachments object")
        return [decode(Attachment, item) for item in body.get("attachments") or ()]

    def get_bill_attachment(
        self, *, company_id: str, connection_id: str, bill_id: str, attachment_id: str
    ) -> Attachment:
        """Get bill attachment: https://docs.codat.io/sync-for-payables-v1-api#/operations/get-bill-attachment"""
        return self._get_one(
            f"{BILL_ATTACHMENTS}/{{attachmentId}}",
            Attachment,
            companyId=company_id,
            connectionId=connection_id,
            billId=bill_id,
            attachmentId=attachment_id,
        )

    def download_bill_attachment(
        self, *, company_id: str, connection_id: str, bill_id: str, attachment_id: str
    ) -> bytes:
        """Download bill attachment: https://docs.codat.io/sync-for-payables-v1-api#/operations/download-bill-attachment"""
        path = {
            "companyId": company_id,
            "connectionId": connection_id,
            "billId": bill_id,
            "attachmentId": attachment_id,
        }
        template = f"{BILL_ATTACHMENTS}/{{attachmentId}}/download"
        return self.request("GET", template, path=path, accept="application/octet-stream").content
