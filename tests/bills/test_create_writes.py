"""Writes of bills through the push machine against an autospec'd Codat client: retries,
failures, unknown outcomes (the bills' adapters in billpay/bills/pushes.py)."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from billpay.codat import serialize
from billpay.codat.errors import (
    CodatOutcomeUnknownError,
    CodatRequestError,
    CodatTransientError,
    ValidationItem,
)
from billpay.codat.schemas import PushOperation
from billpay.codat.schemas.push import PushChange, PushOperationValidation, RecordRef
from billpay.onboarding.models import WebhookEvent
from billpay.pushes.models import Push
from billpay.pushes.services import push_advance
from billpay.pushes.tasks import push_advance_task, push_write_event
from tests.factories import BillFactory, BillLineFactory, LedgerWriteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def write(connected, company):
    bill = BillFactory(
        company=company,
        origin="app",
        push_state="sending",
        codat_bill_id="local:abc",
        reference="INV-9",
        sub_total=Decimal("100.00"),
        tax_amount=Decimal("20.00"),
        total_amount=Decimal("120.00"),
    )
    BillLineFactory(bill=bill, sub_total=Decimal("100.00"), tax_amount=Decimal("20.00"))
    return LedgerWriteFactory(company=company, bill=bill)


def _op(status="Pending", key="op-1", record=None, errors=()):
    return PushOperation(
        push_operation_key=key,
        status=status,
        changes=(PushChange(type="Created", record_ref=RecordRef(id=record)),) if record else (),
        validation=PushOperationValidation(errors=tuple(errors)),
    )


@pytest.fixture(autouse=True)
def _no_enqueue():
    with (
        mock.patch("billpay.pushes.tasks.push_advance_task.delay_on_commit") as enqueue,
        mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"),
    ):
        yield enqueue


def _advance(write):
    push_advance(push_id=write.push_id)
    write.push.refresh_from_db()
    write.bill.refresh_from_db()


def test_the_push_carries_the_idempotency_key_and_exact_amounts(codat, write):
    codat.create_bill.return_value = _op()

    assert push_advance(push_id=write.push_id) is not None  # followed up later

    kwargs = codat.create_bill.call_args.kwargs
    assert kwargs["idempotency_key"] == str(write.push.idempotency_key)
    assert kwargs["bill"]["totalAmount"] == Decimal("120.00")
    assert kwargs["bill"]["lineItems"][0]["subTotal"] == Decimal("100.00")
    write.push.refresh_from_db()
    push = write.push
    assert (push.status, push.push_operation_key, push.attempts) == ("sent", "op-1", 1)
    assert serialize.loads(push.body)["reference"] == "INV-9"


def test_success_links_the_bill_to_the_ledger_record(codat, write):
    codat.create_bill.return_value = _op()
    codat.get_push_operation.return_value = _op("Success", record="145")
    push_advance(push_id=write.push_id)

    assert push_advance(push_id=write.push_id) is None  # settled

    _advance(write)
    assert write.push.status == "succeeded" and write.push.record_id == "145"
    assert write.bill.codat_bill_id == "145" and write.bill.push_state == "in_books"
    codat.refresh_data_type.assert_called_once()


def test_a_transient_error_puts_the_write_back_and_retries(codat, write):
    codat.create_bill.side_effect = CodatTransientError("503")

    with pytest.raises(CodatTransientError):
        push_advance(push_id=write.push_id)

    write.push.refresh_from_db()
    assert write.push.status == "queued"
    assert CodatTransientError in push_advance_task.autoretry_for


def test_a_permanent_error_fails_the_write_with_a_readable_reason(codat, write):
    codat.create_bill.side_effect = CodatRequestError(
        "400", status=400, validation=(ValidationItem(message="Reference is too long."),)
    )

    assert push_advance(push_id=write.push_id) is None

    _advance(write)
    assert write.push.status == "failed" and write.bill.push_state == "failed"
    assert "Reference is too long." in write.bill.push_error
    assert CodatRequestError not in push_advance_task.autoretry_for


def test_codat_refusing_the_push_shows_its_validation_messages(codat, write):
    codat.create_bill.return_value = _op(
        "Failed",
        errors=[ValidationItem(item_id="supplierRef.id", message="Supplier 7 is archived.")],
    )

    _advance(write)

    assert write.bill.push_error == "QuickBooks Online refused it: Supplier 7 is archived."
    assert write.push.validation == [
        {"field": "supplierRef.id", "message": "Supplier 7 is archived."}
    ]


def test_timed_out_is_looked_up_in_the_books_not_failed(codat, write):
    # The push machine's rule (issue 11): TimedOut may still land, so it is looked up. The old
    # ledger-write machine failed it at once, asking the user to check the books.
    codat.create_bill.return_value = _op("TimedOut")

    _advance(write)

    assert write.push.status == "checking" and write.push.lookup == {"op_final": True}
    assert write.bill.push_state == "sending" and write.bill.push_error == ""


def test_an_unknown_outcome_is_looked_up_in_history_before_sending_again(codat, write):
    codat.create_bill.side_effect = CodatOutcomeUnknownError("502")
    _advance(write)
    assert write.push.status == "checking"
    echo = serialize.loads(write.push.body)
    codat.list_push_operations.side_effect = lambda **_: iter(
        [
            PushOperation(
                push_operation_key="someone-else", status="Success", data={"reference": "X"}
            ),
            PushOperation(
                push_operation_key="ours",
                status="Success",
                data=echo,
                changes=(PushChange(record_ref=RecordRef(id="146")),),
            ),
        ]
    )

    _advance(write)

    push = write.push
    assert codat.create_bill.call_count == 1  # never sent again
    assert (push.status, push.push_operation_key, push.record_id) == ("succeeded", "ours", "146")


def test_an_unknown_outcome_found_in_the_books_is_not_sent_again(codat, write):
    from billpay.codat.schemas import Bill as CodatBill

    codat.create_bill.side_effect = CodatOutcomeUnknownError("502")
    push_advance(push_id=write.push_id)
    codat.list_bills.side_effect = lambda **_: iter(
        [CodatBill(id="147", reference="INV-9", total_amount=Decimal("120.00"))]
    )

    _advance(write)

    assert codat.create_bill.call_count == 1
    assert write.push.status == "succeeded" and write.push.record_id == "147"
    assert 'reference="INV-9"' in codat.list_bills.call_args.kwargs["query"]


def test_an_unknown_outcome_past_the_replay_window_is_not_resent(codat, write):
    codat.create_bill.side_effect = CodatOutcomeUnknownError("502")
    push_advance(push_id=write.push_id)
    Push.objects.filter(pk=write.push_id).update(first_sent_at=timezone.now() - timedelta(hours=3))

    _advance(write)  # not in the books: Codat is asked to read them again
    _advance(write)  # still not there after that read

    assert codat.refresh_data_type.call_args.kwargs["data_type"] == "bills"
    assert codat.create_bill.call_count == 1
    assert write.push.status == "failed" and "Check your books" in write.push.error
    assert write.bill.push_state == "failed"


def test_a_bill_waits_for_its_new_supplier(codat, write, company):
    from tests.factories import SupplierFactory

    supplier = SupplierFactory(company=company, codat_supplier_id="local:s1", push_state="sending")
    write.bill.supplier = supplier
    write.bill.save()

    assert push_advance(push_id=write.push_id) is not None  # asked to come back
    codat.create_bill.assert_not_called()
    write.push.refresh_from_db()
    assert write.push.status == "queued"

    supplier.push_state, supplier.push_error = "failed", "Name taken."
    supplier.save()
    _advance(write)
    assert write.push.status == "failed" and "Name taken." in write.push.error


def test_the_task_follows_up_while_pending_and_a_final_write_is_left_alone(codat, write):
    codat.create_bill.return_value = _op()

    with mock.patch.object(push_advance_task, "apply_async") as follow_up:
        push_advance_task.run(push_id=write.push_id)
    Push.objects.filter(pk=write.push_id).update(status="succeeded")
    result = push_advance_task.run(push_id=write.push_id)

    assert follow_up.call_args.kwargs["kwargs"]["push_id"] == write.push_id
    assert result.endswith("settled")
    assert codat.create_bill.call_count == 1


def test_when_the_task_gives_up_the_write_is_looked_up_not_failed(write):
    # The push machine's rule (issue 11): running out of retries never fails a write (it may
    # have been sent); it is looked up and the sweep keeps going. The old machine failed it.
    push_advance_task.on_failure(Exception("boom"), "task-id", (), {"push_id": write.push_id}, None)

    write.push.refresh_from_db()
    write.bill.refresh_from_db()
    assert write.push.status == "checking"
    assert write.bill.push_state == "sending"


def test_a_write_webhook_follows_the_push_it_names(codat, write, company):
    Push.objects.filter(pk=write.push_id).update(status="sent", push_operation_key="op-9")
    event = WebhookEvent.objects.create(
        webhook_id="msg_1",
        event_type="bills.write.successful",
        company=company,
        payload={"payload": {"id": "op-9", "status": "Success", "record": {"id": "145"}}},
    )
    unknown = WebhookEvent.objects.create(
        webhook_id="msg_2",
        event_type="bills.write.successful",
        company=company,
        payload={"payload": {"id": "not-ours"}},
    )

    with mock.patch.object(push_advance_task, "delay") as follow:
        push_write_event(event=event)
        push_write_event(event=unknown)

    write.push.refresh_from_db()
    write.bill.refresh_from_db()
    assert write.push.status == "succeeded" and write.bill.codat_bill_id == "145"
    follow.assert_not_called()


def test_a_write_webhook_without_a_record_is_followed_up(write, company):
    Push.objects.filter(pk=write.push_id).update(status="sent", push_operation_key="op-9")
    event = WebhookEvent.objects.create(
        webhook_id="msg_3",
        event_type="bills.write.unsuccessful",
        company=company,
        payload={"payload": {"id": "op-9", "status": "Failed"}},
    )

    with mock.patch.object(push_advance_task, "delay") as follow:
        push_write_event(event=event)

    follow.assert_called_once_with(push_id=write.push_id)


def test_the_webhook_dispatch_knows_bills_and_suppliers():
    from billpay.onboarding.hooks import webhook_handlers

    for event_type in ("bills.write.successful", "suppliers.write.unsuccessful"):
        assert webhook_handlers(event_type) == [push_write_event]


def test_the_sweep_enqueues_only_stale_unfinished_writes(write, company):
    from billpay.pushes.tasks import push_sweep_task

    stale = LedgerWriteFactory(company=company, push__status="sent", push__push_operation_key="k-1")
    done = LedgerWriteFactory(company=company, push__status="succeeded")
    Push.objects.filter(pk__in=[stale.push_id, done.push_id]).update(
        updated_at=timezone.now() - timedelta(hours=1)
    )

    with mock.patch.object(push_advance_task, "delay") as kick:
        assert push_sweep_task.run() == 1

    kick.assert_called_once_with(push_id=stale.push_id)


def test_a_row_a_sync_made_first_gives_way_to_the_apps_bill(codat, write, company):
    from billpay.bills.models import Bill

    twin = BillFactory(company=company, codat_bill_id="145", reference="INV-9")
    codat.create_bill.return_value = _op("Success", record="145")

    _advance(write)

    assert not Bill.objects.filter(pk=twin.pk).exists()
    assert write.bill.codat_bill_id == "145" and write.bill.origin == "app"
    assert Bill.objects.filter(company=company, codat_bill_id="145").count() == 1
