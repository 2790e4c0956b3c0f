"""A credit note's write through the push machine against an autospec'd Codat client: the body,
success, refusal, and a lost answer looked up in the books (the adapter in bills/pushes.py)."""

from datetime import date
from decimal import Decimal
from unittest import mock

import pytest

from billpay.bills.models import CreditNote
from billpay.bills.services.create import credit_note_create
from billpay.bills.services.create.credit_notes import CreditNoteInput
from billpay.bills.services.create.inputs import LineInput
from billpay.codat.errors import CodatOutcomeUnknownError, CodatRequestError, ValidationItem
from billpay.codat.schemas import BillCreditNote, PushOperation
from billpay.codat.schemas.push import PushChange, RecordRef
from billpay.pushes.services import push_advance
from tests.factories import CreditNoteFactory, ExpenseAccountFactory, SupplierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_enqueue():
    with (
        mock.patch("billpay.pushes.tasks.push_advance_task.delay_on_commit"),
        mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"),
    ):
        yield


@pytest.fixture
def note(connected, company):
    supplier = SupplierFactory(company=company, codat_supplier_id="sup-7")
    account = ExpenseAccountFactory(company=company)
    import uuid

    return credit_note_create(
        company=company,
        actor=None,
        data=CreditNoteInput(
            supplier=supplier,
            number="CN-77",
            issue_date=date(2026, 11, 20),
            currency="USD",
            lines=(LineInput("Returned", Decimal("3"), Decimal("12.3456"), account),),
        ),
        submission_key=uuid.uuid4(),
    )


def _op(status="Pending", key="op-1", record=None):
    return PushOperation(
        push_operation_key=key,
        status=status,
        changes=(PushChange(type="Created", record_ref=RecordRef(id=record)),) if record else (),
    )


def _push(note):
    return note.writes.get().push


def test_the_body_is_codats_with_exact_amounts_and_the_idempotency_key(codat, note):
    codat.create_bill_credit_note.return_value = _op()

    push_advance(push_id=_push(note).pk)

    kwargs = codat.create_bill_credit_note.call_args.kwargs
    body = kwargs["bill_credit_note"]
    assert kwargs["idempotency_key"] == str(_push(note).idempotency_key)
    assert body["supplierRef"] == {"id": "sup-7"}
    assert body["billCreditNoteNumber"] == "CN-77"
    assert body["issueDate"] == "2026-11-20T00:00:00"
    assert body["status"] == "Submitted"
    # 3 × 12.3456 = 37.0368, rounded to the cent as the books round it
    assert body["subTotal"] == body["totalAmount"] == Decimal("37.04")
    assert body["totalTaxAmount"] == Decimal("0.00")
    line = body["lineItems"][0]
    assert line["unitAmount"] == Decimal("12.3456") and isinstance(line["unitAmount"], Decimal)
    assert line["subTotal"] == Decimal("37.04")


def test_success_gives_the_note_the_books_id(codat, note):
    codat.create_bill_credit_note.return_value = _op("Success", record="901")

    push_advance(push_id=_push(note).pk)

    note.refresh_from_db()
    assert (note.codat_id, note.push_state) == ("901", "in_books")
    assert note.is_in_books
    assert codat.refresh_data_type.call_args.kwargs["data_type"] == "billCreditNotes"


def test_a_refusal_fails_the_note_with_the_books_words(codat, note):
    codat.create_bill_credit_note.side_effect = CodatRequestError(
        "400", status=400, validation=(ValidationItem(message="Supplier sup-7 is archived."),)
    )

    push_advance(push_id=_push(note).pk)

    note.refresh_from_db()
    assert note.push_state == "failed"
    assert "Supplier sup-7 is archived." in note.push_error_text
    assert not note.is_in_books


def test_a_lost_answer_is_found_in_the_books_and_never_sent_again(codat, note, company):
    CreditNoteFactory(company=company, codat_id="900")  # a twin already mirrored: not ours
    codat.create_bill_credit_note.side_effect = CodatOutcomeUnknownError("502")
    push_advance(push_id=_push(note).pk)

    def books(**kwargs):
        assert kwargs["query"] == 'supplierRef.id="sup-7"'
        same = {
            "billCreditNoteNumber": "CN-77",
            "totalAmount": Decimal("37.04"),
            "currency": "USD",
            "issueDate": "2026-11-20T00:00:00",
        }
        return iter(
            [
                BillCreditNote.from_json({"id": "900", **same}),
                BillCreditNote.from_json({"id": "899", **same, "totalAmount": Decimal("1")}),
                BillCreditNote.from_json({"id": "902", **same}),
            ]
        )

    codat.list_bill_credit_notes.side_effect = books
    push_advance(push_id=_push(note).pk)

    push = _push(note)
    assert codat.create_bill_credit_note.call_count == 1
    assert (push.status, push.record_id) == ("succeeded", "902")
    note.refresh_from_db()
    assert note.codat_id == "902" and note.push_state == "in_books"


def test_a_note_removed_before_it_was_sent_fails_without_sending(codat, note):
    push = _push(note)
    CreditNote.objects.filter(pk=note.pk).delete()  # the write goes with it (cascade)

    assert push_advance(push_id=push.pk) is None
    codat.create_bill_credit_note.assert_not_called()
