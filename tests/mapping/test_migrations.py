"""Migration 0005: every bank account request, in every state it could be in, gets its push."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.factories import CompanyFactory, UserFactory

BEFORE = [("mapping", "0003_accountmapping_bankaccountrequest")]
AFTER = [("mapping", "0005_bankaccountrequest_push")]
OLD_TO_PUSH = {
    "queued": "queued",
    "submitting": "sending",
    "submitted": "sent",
    "checking": "checking",
    "succeeded": "succeeded",
    "failed": "failed",
}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def old_rows(apps, company, user) -> dict[str, object]:
    """One request in each old state, with the write state each state had."""
    Request = apps.get_model("mapping", "BankAccountRequest")
    LedgerAccount = apps.get_model("mapping", "LedgerAccount")
    account = LedgerAccount.objects.create(
        company_id=company.pk, codat_account_id="acc-new", name="Payroll", currency="USD"
    )
    claimed = timezone.now() - timedelta(minutes=5)
    common = {"company_id": company.pk, "method": "bank_transfer", "currency": "USD"}
    common |= {"account_type": "Debit", "created_by_id": user.pk}
    states = {
        "queued": {},
        "queued-after-a-transient-error": {"status": "queued", "claimed_at": claimed},
        "submitting": {"claimed_at": claimed},
        "submitted": {"claimed_at": claimed, "push_operation_key": "op-submitted"},
        "checking": {"claimed_at": claimed},
        "succeeded": {
            "claimed_at": claimed,
            "push_operation_key": "op-succeeded",
            "codat_account_id": "acc-new",
            "account_id": account.pk,
            "finished_at": claimed + timedelta(seconds=3),
        },
        "failed": {
            "claimed_at": claimed,
            "push_operation_key": "op-failed",
            "error": "Your books rejected the new account. Too long.",
            "errors": [{"field": "nominalCode", "message": "Too long."}],
            "finished_at": claimed + timedelta(seconds=3),
        },
    }
    rows = {}
    for name, fields in states.items():
        fields = {"status": name, **fields}
        rows[name] = Request.objects.create(
            account_name=f"Account {name}",
            idempotency_key=uuid.uuid4(),
            request_body=f'{{"accountName": "Account {name}"}}',
            **common,
            **fields,
        )
    return rows


@pytest.mark.django_db(transaction=True)
def test_every_old_request_moves_into_a_push_and_back():
    company, user = CompanyFactory(), UserFactory()
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = old_rows(migrate(BEFORE), company, user)

        apps = migrate(AFTER)

        Request = apps.get_model("mapping", "BankAccountRequest")
        Push = apps.get_model("pushes", "Push")
        assert Push.objects.filter(kind="bank_account.create").count() == len(old)
        for name, before in old.items():
            after = Request.objects.select_related("push").get(pk=before.pk)
            push = after.push
            assert push.status == OLD_TO_PUSH[before.status], name
            assert (push.kind, push.data_type) == ("bank_account.create", "bankAccounts")
            assert push.company_id == company.pk and push.created_by_id == user.pk
            assert push.idempotency_key == before.idempotency_key
            assert push.body == before.request_body
            assert push.push_operation_key == before.push_operation_key
            assert push.record_id == before.codat_account_id
            assert push.error == before.error and push.validation == before.errors
            assert push.created_at == before.created_at
            assert after.account_id == before.account_id
            # Whatever may have reached Codat looks sent: it is looked up before any resend.
            assert (push.first_sent_at is not None) == (before.claimed_at is not None), name
            assert push.completed_at == before.finished_at
        assert Request.objects.get(pk=old["queued"].pk).push.attempts == 0
        assert Request.objects.get(pk=old["submitting"].pk).push.attempts == 1
        LedgerAccount = apps.get_model("mapping", "LedgerAccount")
        assert LedgerAccount.objects.get(codat_account_id="acc-new").first_seen_at is None

        back = migrate(BEFORE)

        Request = back.get_model("mapping", "BankAccountRequest")
        for name, before in old.items():
            again = Request.objects.get(pk=before.pk)
            assert again.status == before.status, name
            assert again.idempotency_key == before.idempotency_key
            assert again.push_operation_key == before.push_operation_key
            assert again.codat_account_id == before.codat_account_id
            assert again.errors == before.errors
    finally:
        migrate(latest)
