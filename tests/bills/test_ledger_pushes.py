"""The push adapters of suppliers, bill changes and deletes, and invoice files (bills/pushes.py),
against an autospec'd Codat client: what each kind sends, waits for, finds, and leaves behind."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from billpay.bills.models import Bill, BillAttachment, LedgerWrite
from billpay.codat.errors import (
    CodatNotFoundError,
    CodatOutcomeUnknownError,
    CodatRequestError,
    ValidationItem,
)
from billpay.codat.schemas import Attachment, PushOperation
from billpay.codat.schemas import Bill as CodatBill
from billpay.codat.schemas import Supplier as CodatSupplier
from billpay.codat.schemas.push import PushChange, PushOperationValidation, RecordRef
from billpay.core.models import AuditEvent
from billpay.pushes.models import Push
from billpay.pushes.services import adapter_for, push_advance
from tests.factories import (
    PDF_BYTES,
    BillFactory,
    BillLineFactory,
    LedgerWriteFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db
K = LedgerWrite.Kind


@pytest.fixture(autouse=True)
def started():
    """Pushes started after commit (push_start), captured: the tests advance them."""
    with (
        mock.patch("billpay.pushes.tasks.push_advance_task.delay_on_commit") as start,
        mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"),
    ):
        yield start


def _op(status="Success", key="op-1", record=None, attachment=None, errors=()):
    change = PushChange(type="Created", record_ref=RecordRef(id=record), attachment_id=attachment)
    return PushOperation(
        push_operation_key=key,
        status=status,
        changes=(change,) if record else (),
        validation=PushOperationValidation(errors=tuple(errors)),
    )


def _advance(write: LedgerWrite) -> Push:
    push_advance(push_id=write.push_id)
    write.push.refresh_from_db()
    return write.push


def _started(started) -> set[int]:
    return {c.kwargs["push_id"] for c in started.call_args_list}


@pytest.fixture
def new_supplier(connected, company):
    supplier = SupplierFactory(
        company=company,
        codat_supplier_id="local:s1",
        name="Northwind",
        push_state="sending",
        origin="app",
    )
    write = LedgerWriteFactory(
        company=company, bill=None, supplier=supplier, push__kind=K.SUPPLIER_CREATE
    )
    bill = BillFactory(
        company=company,
        supplier=supplier,
        codat_bill_id="local:b1",
        origin="app",
        push_state="sending",
    )
    BillLineFactory(bill=bill)
    waiting = LedgerWriteFactory(company=company, bill=bill)
    return write, waiting


# --- suppliers ------------------------------------------------------------------------------------


def test_a_new_supplier_in_the_books_starts_the_bills_that_waited_for_it(
    codat, new_supplier, started
):
    write, waiting = new_supplier
    codat.create_supplier.return_value = _op(record="sup-77")

    assert _advance(write).status == "succeeded"

    supplier = write.supplier
    supplier.refresh_from_db()
    bill = Bill.objects.get(pk=waiting.bill_id)
    assert supplier.codat_supplier_id == "sup-77" and supplier.push_state == "in_books"
    assert bill.codat_supplier_id == "sup-77"
    assert waiting.push_id in _started(started)
    assert codat.create_supplier.call_args.kwargs["supplier"]["supplierName"] == "Northwind"
    assert codat.refresh_data_type.call_args.kwargs["data_type"] == "suppliers"
    assert AuditEvent.objects.filter(
        action="suppliers.write.create", ref=f"supplier:{supplier.pk}"
    ).exists()
    # The bill now goes, with the supplier's ledger id.
    codat.create_bill.return_value = _op(record="bill-9", key="op-2")
    assert _advance(waiting).status == "succeeded"
    assert codat.create_bill.call_args.kwargs["bill"]["supplierRef"] == {"id": "sup-77"}


def test_a_refused_supplier_fails_the_bills_that_waited_for_it(codat, new_supplier, started):
    write, waiting = new_supplier
    codat.create_supplier.return_value = _op(
        "Failed", errors=[ValidationItem(item_id="currency", message="JPY is not enabled.")]
    )

    assert _advance(write).status == "failed"
    assert waiting.push_id in _started(started)  # started now, so it fails now
    assert _advance(waiting).status == "failed"

    write.supplier.refresh_from_db()
    bill = Bill.objects.get(pk=waiting.bill_id)
    assert write.supplier.push_error == "QuickBooks Online refused it: JPY is not enabled."
    assert bill.push_state == "failed"
    assert bill.push_error.startswith("The supplier could not be created in your books:")
    codat.create_bill.assert_not_called()


def test_a_supplier_whose_answer_was_lost_is_found_by_name(codat, new_supplier, company):
    write, _ = new_supplier
    SupplierFactory(company=company, codat_supplier_id="sup-1", name="Northwind")  # ours already
    codat.create_supplier.side_effect = CodatOutcomeUnknownError("502")
    _advance(write)
    codat.list_suppliers.side_effect = lambda **_: iter(
        [CodatSupplier(id="sup-1", supplier_name="Northwind"), CodatSupplier(id="sup-2")]
    )

    push = _advance(write)

    assert (push.status, push.record_id) == ("succeeded", "sup-2")
    assert codat.list_suppliers.call_args.kwargs["query"] == 'supplierName="Northwind"'
    assert codat.create_supplier.call_count == 1


def test_a_supplier_update_is_sent_again_after_a_lookup_even_late(codat, connected, company):
    # An update is a PUT of the same body: sending it again cannot make a second supplier.
    supplier = SupplierFactory(company=company, codat_supplier_id="sup-5", push_state="sending")
    write = LedgerWriteFactory(
        company=company, bill=None, supplier=supplier, push__kind=K.SUPPLIER_UPDATE
    )
    codat.update_supplier.side_effect = [CodatOutcomeUnknownError("502"), _op(record="sup-5")]
    _advance(write)
    Push.objects.filter(pk=write.push_id).update(first_sent_at=timezone.now() - timedelta(hours=3))

    _advance(write)  # not findable: Codat is asked to read the books again
    push = _advance(write)

    assert adapter_for(push.kind).resend_is_idempotent
    assert push.status == "succeeded" and codat.update_supplier.call_count == 2
    first, second = codat.update_supplier.call_args_list
    assert first.kwargs["supplier_id"] == second.kwargs["supplier_id"] == "sup-5"
    assert first.kwargs["idempotency_key"] == second.kwargs["idempotency_key"]


# --- bill changes and deletes ---------------------------------------------------------------------


@pytest.fixture
def bill_in_books(connected, company):
    bill = BillFactory(company=company, codat_bill_id="bill-5", origin="app", push_state="sending")
    BillLineFactory(bill=bill)
    return bill


def test_a_bill_change_is_a_put_of_the_bill(codat, bill_in_books, company):
    write = LedgerWriteFactory(company=company, bill=bill_in_books, push__kind=K.BILL_UPDATE)
    codat.update_bill.return_value = _op(record="bill-5")

    assert _advance(write).status == "succeeded"

    assert codat.update_bill.call_args.kwargs["bill_id"] == "bill-5"
    bill_in_books.refresh_from_db()
    assert bill_in_books.push_state == "in_books"
    assert AuditEvent.objects.filter(action="bills.write.update").exists()


def test_a_deleted_bill_is_marked_deleted(codat, bill_in_books, company):
    write = LedgerWriteFactory(company=company, bill=bill_in_books, push__kind=K.BILL_DELETE)
    codat.delete_bill.return_value = _op(record="bill-5")

    assert _advance(write).status == "succeeded"

    bill_in_books.refresh_from_db()
    assert bill_in_books.is_deleted and bill_in_books.push_state == "in_books"
    assert codat.delete_bill.call_args.kwargs["bill_id"] == "bill-5"
    assert write.push.body == ""


def test_a_platform_that_voids_marks_the_bill_void(codat, bill_in_books, company, connected):
    connected.platform_key = "gbol"
    connected.save()
    write = LedgerWriteFactory(company=company, bill=bill_in_books, push__kind=K.BILL_DELETE)
    codat.delete_bill.return_value = _op(record="bill-5")

    _advance(write)

    bill_in_books.refresh_from_db()
    assert bill_in_books.codat_status == "Void" and bill_in_books.amount_due == 0
    assert not bill_in_books.is_deleted


@pytest.mark.parametrize(
    "answer",
    [CodatBill(id="bill-5", status="Void"), CodatNotFoundError("404")],
    ids=["voided", "gone"],
)
def test_a_delete_whose_answer_was_lost_is_found_gone_from_the_books(
    codat, bill_in_books, company, answer
):
    write = LedgerWriteFactory(company=company, bill=bill_in_books, push__kind=K.BILL_DELETE)
    codat.delete_bill.side_effect = CodatOutcomeUnknownError("502")
    _advance(write)
    if isinstance(answer, Exception):
        codat.get_bill.side_effect = answer
    else:
        codat.get_bill.return_value = answer

    push = _advance(write)

    assert push.status == "succeeded" and codat.delete_bill.call_count == 1


# --- invoice files --------------------------------------------------------------------------------


def _upload(company, bill, name="invoice.pdf") -> BillAttachment:
    attachment = BillAttachment(
        company=company,
        bill=bill,
        name=name,
        content_type="application/pdf",
        size=len(PDF_BYTES),
        sha256="0" * 64,
    )
    attachment.file.save(name, SimpleUploadedFile(name, PDF_BYTES), save=False)
    attachment.save()
    return attachment


def _file_write(company, bill, upload=None) -> LedgerWrite:
    return LedgerWriteFactory(
        company=company,
        bill=bill,
        attachment=upload or _upload(company, bill),
        push__kind=K.BILL_ATTACHMENT,
    )


def test_a_file_waits_for_its_bill_and_fails_if_the_bill_does(codat, connected, company):
    bill = BillFactory(company=company, codat_bill_id="local:b2", origin="app")
    write = _file_write(company, bill)

    assert push_advance(push_id=write.push_id) is not None  # come back later
    codat.upload_bill_attachment.assert_not_called()

    Bill.objects.filter(pk=bill.pk).update(push_state="failed")
    push = _advance(write)
    assert push.status == "failed"
    assert push.error == "The bill is not in your books, so the file was not attached."


def test_a_file_uploaded_with_an_empty_answer_is_in_the_books(codat, bill_in_books, company):
    write = _file_write(company, bill_in_books)
    codat.upload_bill_attachment.return_value = None  # the spec's empty 200

    push = _advance(write)

    assert (push.status, push.record_id) == ("succeeded", "bill-5")
    kwargs = codat.upload_bill_attachment.call_args.kwargs
    assert kwargs["content"] == PDF_BYTES and kwargs["filename"] == "invoice.pdf"
    assert kwargs["idempotency_key"] == str(push.idempotency_key)
    codat.refresh_data_type.assert_not_called()  # a file changes no mirrored record


def test_a_files_push_operation_gives_it_its_ledger_id(codat, bill_in_books, company):
    write = _file_write(company, bill_in_books)
    codat.upload_bill_attachment.return_value = _op(record="bill-5", attachment="att-3")

    _advance(write)

    write.attachment.refresh_from_db()
    assert write.attachment.codat_attachment_id == "att-3"
    assert AuditEvent.objects.filter(action="bills.write.attachment").exists()


def test_a_422_on_a_files_resend_is_looked_up_not_failed(codat, bill_in_books, company):
    # A multipart re-send has new bytes (a new boundary): Codat refuses the reused key with a
    # 422, which means the first upload arrived. The file is looked up in the bill's files.
    write = _file_write(company, bill_in_books)
    Push.objects.filter(pk=write.push_id).update(attempts=1, first_sent_at=timezone.now())
    codat.upload_bill_attachment.side_effect = CodatRequestError("422", status=422)

    assert _advance(write).status == "checking"

    codat.list_bill_attachments.return_value = [Attachment(id="att-4", name="invoice.pdf")]
    push = _advance(write)
    write.attachment.refresh_from_db()
    assert push.status == "succeeded" and write.attachment.codat_attachment_id == "att-4"


def test_a_422_on_a_files_first_send_is_a_refusal(codat, bill_in_books, company):
    write = _file_write(company, bill_in_books)
    codat.upload_bill_attachment.side_effect = CodatRequestError("422", status=422)

    push = _advance(write)

    bill_in_books.refresh_from_db()
    assert push.status == "failed"
    assert bill_in_books.push_error.startswith("The invoice file was not attached:")
    assert bill_in_books.push_state == "sending"  # the bill's own state is not the file's


def test_a_new_bill_in_the_books_sends_its_files_again_if_they_failed(
    codat, connected, company, started
):
    bill = BillFactory(company=company, codat_bill_id="local:b3", origin="app")
    BillLineFactory(bill=bill)
    write = LedgerWriteFactory(company=company, bill=bill)
    failed_upload = _upload(company, bill, "old.pdf")
    failed = _file_write(company, bill, failed_upload)
    Push.objects.filter(pk=failed.push_id).update(status="failed")
    queued = _file_write(company, bill)
    codat.create_bill.return_value = _op(record="bill-33")

    _advance(write)

    retry = LedgerWrite.objects.filter(attachment=failed_upload).order_by("-pk").first()
    assert retry.push.status == "queued" and retry.push.kind == K.BILL_ATTACHMENT
    assert {queued.push_id, retry.push_id} <= _started(started)


def test_a_new_bill_the_books_refuse_fails_its_files_too(codat, connected, company, started):
    bill = BillFactory(company=company, codat_bill_id="local:b4", origin="app")
    BillLineFactory(bill=bill)
    write = LedgerWriteFactory(company=company, bill=bill)
    queued = _file_write(company, bill)
    codat.create_bill.side_effect = CodatRequestError("400", status=400)

    assert _advance(write).status == "failed"
    assert queued.push_id in _started(started)  # started now, so it fails now

    assert _advance(queued).status == "failed"
    assert queued.push.error == "The bill is not in your books, so the file was not attached."
    codat.upload_bill_attachment.assert_not_called()


# --- shared rules ---------------------------------------------------------------------------------


def test_a_validation_failure_forgets_the_platforms_cached_rules(codat, bill_in_books, company):
    write = LedgerWriteFactory(company=company, bill=bill_in_books, push__kind=K.BILL_UPDATE)
    codat.update_bill.return_value = _op(
        "Failed", errors=[ValidationItem(item_id="reference", message="Too long.")]
    )

    with mock.patch("billpay.bills.services.writes.push_rules_forget") as forget:
        _advance(write)

    forget.assert_called_once_with(company=company)
    assert AuditEvent.objects.filter(action="bills.write.failed").exists()


def test_a_record_in_push_history_is_ours_only_if_it_matches(company):
    write = LedgerWriteFactory(
        company=company,
        push__body='{"reference": "INV-1", "totalAmount": 120.00, "supplierRef": {"id": "s1"}}',
    )
    adapter = adapter_for(K.BILL_CREATE)
    echo = {"reference": "INV-1", "totalAmount": Decimal("120.00"), "supplierRef": {"id": "s1"}}

    assert adapter.same_record(write.push, echo)
    assert not adapter.same_record(write.push, {**echo, "totalAmount": Decimal("12.00")})
    assert not adapter.same_record(write.push, {**echo, "supplierRef": {"id": "s2"}})


def test_a_write_whose_bill_was_removed_fails_without_sending(codat, connected, company):
    write = LedgerWriteFactory(company=company)
    push = write.push
    Bill.objects.filter(pk=write.bill_id).delete()  # the write goes with it; its push stays

    push_advance(push_id=push.pk)

    push.refresh_from_db()
    assert push.status == "failed" and "removed" in push.error
    codat.create_bill.assert_not_called()
