"""The write state machine against an autospec'd Codat client: retries, failures, unknown outcomes."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from billpay.bills.models import LedgerWrite
from billpay.bills.services.writes import WriteOutcome, ledger_write_advance, ledger_write_webhook
from billpay.bills.tasks import ledger_write_task
from billpay.codat import CodatClient, serialize
from billpay.codat.errors import (
    CodatOutcomeUnknownError,
    CodatRequestError,
    CodatTransientError,
    ValidationItem,
)
from billpay.codat.schemas import PushOperation
from billpay.codat.schemas.push import PushChange, PushOperationValidation, RecordRef
from billpay.onboarding.models import WebhookEvent
from tests.factories import BillFactory, BillLineFactory, LedgerWriteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def codat(monkeypatch):
    client = mock.create_autospec(CodatClient, instance=True)
    client.__enter__.return_value = client
    monkeypatch.setattr(
        "billpay.bills.services.writes.get_codat_client", mock.Mock(return_value=client)
    )
    client.list_push_operations.return_value = iter(())
    client.list_bills.return_value = iter(())
    return client


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
        mock.patch("billpay.bills.tasks.ledger_write_task.delay_on_commit") as enqueue,
        mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"),
    ):
        yield enqueue


def test_the_push_carries_the_idempotency_key_and_exact_amounts(codat, write):
    codat.create_bill.return_value = _op()

    assert ledger_write_advance(write_id=write.pk) == WriteOutcome.WAITING

    kwargs = codat.create_bill.call_args.kwargs
    assert kwargs["idempotency_key"] == str(write.idempotency_key)
    assert kwargs["bill"]["totalAmount"] == Decimal("120.00")
    assert kwargs["bill"]["lineItems"][0]["subTotal"] == Decimal("100.00")
    write.refresh_from_db()
    assert (write.status, write.push_operation_key, write.attempts) == ("pending", "op-1", 1)
    assert serialize.loads(write.body)["reference"] == "INV-9"


def test_success_links_the_bill_to_the_ledger_record(codat, write):
    codat.create_bill.return_value = _op()
    codat.get_push_operation.return_value = _op("Success", record="145")
    ledger_write_advance(write_id=write.pk)

    assert ledger_write_advance(write_id=write.pk) == WriteOutcome.DONE

    write.refresh_from_db()
    write.bill.refresh_from_db()
    assert write.status == "succeeded" and write.record_id == "145"
    assert write.bill.codat_bill_id == "145" and write.bill.push_state == "in_books"
    codat.refresh_data_type.assert_called_once()


def test_a_transient_error_puts_the_write_back_and_retries(codat, write):
    codat.create_bill.side_effect = CodatTransientError("503")

    with pytest.raises(CodatTransientError):
        ledger_write_advance(write_id=write.pk)

    write.refresh_from_db()
    assert write.status == "queued"
    assert CodatTransientError in ledger_write_task.autoretry_for


def test_a_permanent_error_fails_the_write_with_a_readable_reason(codat, write):
    codat.create_bill.side_effect = CodatRequestError(
        "400", status=400, validation=(ValidationItem(message="Reference is too long."),)
    )

    assert ledger_write_advance(write_id=write.pk) == WriteOutcome.DONE

    write.refresh_from_db()
    write.bill.refresh_from_db()
    assert write.status == "failed" and write.bill.push_state == "failed"
    assert "Reference is too long." in write.bill.push_error
    assert CodatRequestError not in ledger_write_task.autoretry_for


def test_codat_refusing_the_push_shows_its_validation_messages(codat, write):
    codat.create_bill.return_value = _op(
        "Failed",
        errors=[ValidationItem(item_id="supplierRef.id", message="Supplier 7 is archived.")],
    )

    ledger_write_advance(write_id=write.pk)

    write.bill.refresh_from_db()
    assert write.bill.push_error == "QuickBooks Online refused it: Supplier 7 is archived."


def test_timed_out_asks_the_user_to_check_the_books(codat, write):
    codat.create_bill.return_value = _op("TimedOut")

    ledger_write_advance(write_id=write.pk)

    write.bill.refresh_from_db()
    assert "may still appear in your books" in write.bill.push_error


def test_an_unknown_outcome_is_looked_up_in_history_before_sending_again(codat, write):
    codat.create_bill.side_effect = CodatOutcomeUnknownError("502")
    ledger_write_advance(write_id=write.pk)
    write.refresh_from_db()
    assert write.status == "unknown"
    echo = serialize.loads(write.body)
    codat.list_push_operations.return_value = iter(
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

    ledger_write_advance(write_id=write.pk)

    write.refresh_from_db()
    assert codat.create_bill.call_count == 1  # never sent again
    assert (write.status, write.push_operation_key, write.record_id) == ("succeeded", "ours", "146")


def test_an_unknown_outcome_found_in_the_books_is_not_sent_again(codat, write):
    from billpay.codat.schemas import Bill as CodatBill

    codat.create_bill.side_effect = CodatOutcomeUnknownError("502")
    ledger_write_advance(write_id=write.pk)
    codat.list_bills.return_value = iter(
        [CodatBill(id="147", reference="INV-9", total_amount=Decimal("120.00"))]
    )

    ledger_write_advance(write_id=write.pk)

    write.refresh_from_db()
    assert codat.create_bill.call_count == 1
    assert write.status == "succeeded" and write.record_id == "147"
    assert 'reference="INV-9"' in codat.list_bills.call_args.kwargs["query"]


def test_an_unknown_outcome_past_the_replay_window_is_not_resent(codat, write):
    codat.create_bill.side_effect = CodatOutcomeUnknownError("502")
    ledger_write_advance(write_id=write.pk)
    LedgerWrite.objects.filter(pk=write.pk).update(
        first_sent_at=timezone.now() - timedelta(hours=3)
    )

    ledger_write_advance(write_id=write.pk)

    write.refresh_from_db()
    assert codat.create_bill.call_count == 1
    assert write.status == "failed" and "Check your books" in write.error


def test_a_bill_waits_for_its_new_supplier(codat, write, company):
    from tests.factories import SupplierFactory

    supplier = SupplierFactory(company=company, codat_supplier_id="local:s1", push_state="sending")
    write.bill.supplier = supplier
    write.bill.save()

    assert ledger_write_advance(write_id=write.pk) == WriteOutcome.WAITING
    codat.create_bill.assert_not_called()

    supplier.push_state, supplier.push_error = "failed", "Name taken."
    supplier.save()
    ledger_write_advance(write_id=write.pk)
    write.refresh_from_db()
    assert write.status == "failed" and "Name taken." in write.error


def test_the_task_retries_while_pending_and_a_final_write_is_left_alone(codat, write):
    codat.create_bill.return_value = _op()

    with pytest.raises(Retry):
        ledger_write_task.apply(kwargs={"write_id": write.pk}, throw=True)
    LedgerWrite.objects.filter(pk=write.pk).update(status="succeeded")
    result = ledger_write_task.run(write_id=write.pk)

    assert result == WriteOutcome.DONE
    assert codat.create_bill.call_count == 1


def test_when_the_task_gives_up_the_write_fails_with_a_reason(write):
    ledger_write_task.on_failure(Exception("boom"), "task-id", (), {"write_id": write.pk}, None)

    write.refresh_from_db()
    write.bill.refresh_from_db()
    assert write.status == "failed"
    assert "Check your books before sending it again" in write.bill.push_error


def test_a_write_webhook_follows_the_push_it_names(write, company, _no_enqueue):
    LedgerWrite.objects.filter(pk=write.pk).update(status="pending", push_operation_key="op-9")
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

    ledger_write_webhook(event=event)
    ledger_write_webhook(event=unknown)

    _no_enqueue.assert_called_once_with(write_id=write.pk)


def test_the_webhook_dispatch_knows_bills_and_suppliers():
    from billpay.bills.services.writes import ledger_write_webhook
    from billpay.onboarding.hooks import webhook_handlers

    for event_type in ("bills.write.successful", "suppliers.write.unsuccessful"):
        assert webhook_handlers(event_type) == [ledger_write_webhook]


def test_the_sweep_enqueues_only_stale_unfinished_writes(write, company, _no_enqueue):
    from billpay.bills.tasks import ledger_write_sweep_task

    stale = LedgerWriteFactory(company=company, status="pending", push_operation_key="k-1")
    done = LedgerWriteFactory(company=company, status="succeeded")
    LedgerWrite.objects.filter(pk__in=[stale.pk, done.pk]).update(
        updated_at=timezone.now() - timedelta(hours=1)
    )

    assert ledger_write_sweep_task.run() == 1

    _no_enqueue.assert_called_once_with(write_id=stale.pk)


def test_a_row_a_sync_made_first_gives_way_to_the_apps_bill(codat, write, company):
    from billpay.bills.models import Bill

    twin = BillFactory(company=company, codat_bill_id="145", reference="INV-9")
    codat.create_bill.return_value = _op("Success", record="145")

    ledger_write_advance(write_id=write.pk)

    assert not Bill.objects.filter(pk=twin.pk).exists()
    write.bill.refresh_from_db()
    assert write.bill.codat_bill_id == "145" and write.bill.origin == "app"
    assert Bill.objects.filter(company=company, codat_bill_id="145").count() == 1
