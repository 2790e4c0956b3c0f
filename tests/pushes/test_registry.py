"""One machine for every kind of write: each app's adapter is registered, swept and followed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from billpay.onboarding.hooks import webhook_handlers
from billpay.pushes.models import Push
from billpay.pushes.services.adapters import _REGISTRY, registered_data_types
from billpay.pushes.tasks import push_sweep_task, push_write_event
from tests.factories import PushFactory

KINDS = {
    "payment",
    "payment.delete",
    "payment.credit",
    "bank_account.create",
    "bill.create",
    "bill.update",
    "bill.delete",
    "bill.attachment",
    "supplier.create",
    "supplier.update",
    "credit_note.create",
}


def test_every_write_to_the_books_has_its_adapter():
    assert set(_REGISTRY) == KINDS
    assert registered_data_types() == {
        "billPayments",
        "bankAccounts",
        "bills",
        "suppliers",
        "billCreditNotes",
    }


@pytest.mark.parametrize("data_type", ["billPayments", "bankAccounts", "bills", "suppliers"])
def test_the_write_webhooks_of_every_kind_reach_the_machine(data_type):
    for outcome in ("successful", "unsuccessful"):
        assert webhook_handlers(f"{data_type}.write.{outcome}") == [push_write_event]
    assert webhook_handlers("invoices.write.successful") == []


@pytest.mark.django_db
def test_the_sweep_covers_every_kind_and_every_unfinished_state(company, enqueued):
    quiet = timezone.now() - timedelta(hours=1)
    active = [
        PushFactory(company=company, kind=kind, status=status)
        for kind in sorted(KINDS)
        for status in Push.ACTIVE
    ]
    done = [PushFactory(company=company, kind="payment", status=s) for s in Push.FINAL]
    fresh = PushFactory(company=company, kind="bill.create", status="sent")
    Push.objects.exclude(pk=fresh.pk).update(updated_at=quiet)

    assert push_sweep_task() == len(active)

    kicked = {kwargs["push_id"] for name, kwargs in enqueued if name == "push_advance_task"}
    assert kicked == {p.pk for p in active}
    assert not kicked & {p.pk for p in [*done, fresh]}
