"""Payment accounts: mapping methods to accounts and creating accounts in the books."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse

from billpay.core.models import AuditEvent
from billpay.mapping.models import AccountMapping, BankAccountRequest, LedgerAccount
from billpay.pushes.models import Push
from billpay.pushes.services import push_advance
from billpay.sandbox import store
from tests.conftest import _logged_in, link_to_sandbox, sync_books
from tests.factories import CompanyFactory, MembershipFactory
from tests.mapping.conftest import drive

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def owner_client(synced):
    return _logged_in(synced.memberships.get(role="owner").user, synced)


@pytest.fixture
def htmx_owner(synced):
    return _logged_in(synced.memberships.get(role="owner").user, synced, HTTP_HX_REQUEST="true")


def account(company, **filters):
    return LedgerAccount.objects.filter(
        company=company, is_bank_account=True, status="Active", **filters
    ).first()


def test_the_page_lists_bank_and_card_accounts_and_the_mapping_grid(owner_client, synced):
    page = owner_client.get(reverse("mapping:mapping-settings")).content.decode()

    assert "Business Current (USD)" in page and "Company Credit Card" in page
    assert "Bank transfer / ACH" in page and "Card" in page


def test_mapping_a_method_saves_and_audits_it(htmx_owner, synced):
    usd = account(synced, currency="USD", account_type="Asset")

    response = htmx_owner.post(
        reverse("mapping:mapping-save"), {"method": "check", "currency": "USD", "account": usd.pk}
    )

    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert "mappingSaved" in response.headers["HX-Trigger"]
    assert AccountMapping.objects.get(company=synced, method="check", currency="USD").account == usd
    assert AuditEvent.objects.filter(company=synced, action="mapping.saved").exists()


def test_an_account_in_another_currency_cannot_be_mapped(owner_client, synced):
    eur = account(synced, currency="EUR")

    owner_client.post(
        reverse("mapping:mapping-save"), {"method": "check", "currency": "USD", "account": eur.pk}
    )

    assert not AccountMapping.objects.exists()


def test_a_card_must_pay_from_a_credit_account(htmx_owner, synced):
    usd = account(synced, currency="USD", account_type="Asset")

    response = htmx_owner.post(
        reverse("mapping:mapping-save"), {"method": "card", "currency": "USD", "account": usd.pk}
    )

    assert "card (credit) account" in response.content.decode()
    assert not AccountMapping.objects.exists()


def test_an_empty_choice_removes_the_mapping(owner_client, synced):
    usd = account(synced, currency="USD", account_type="Asset")
    AccountMapping.objects.create(company=synced, method="check", currency="USD", account=usd)

    owner_client.post(
        reverse("mapping:mapping-save"), {"method": "check", "currency": "USD", "account": ""}
    )

    assert not AccountMapping.objects.exists()
    assert AuditEvent.objects.filter(action="mapping.removed").exists()


def test_accountants_cannot_change_mappings(synced):
    accountant = MembershipFactory(company=synced, role="accountant").user
    usd = account(synced, currency="USD", account_type="Asset")

    response = _logged_in(accountant, synced).post(
        reverse("mapping:mapping-save"), {"method": "check", "currency": "USD", "account": usd.pk}
    )

    assert response.status_code == 403 and not AccountMapping.objects.exists()


def test_another_companys_account_cannot_be_mapped(owner_client, synced):
    other = CompanyFactory()
    foreign = LedgerAccount.objects.create(
        company=other, codat_account_id="x", currency="USD", is_bank_account=True
    )

    owner_client.post(
        reverse("mapping:mapping-save"),
        {"method": "check", "currency": "USD", "account": foreign.pk},
    )

    assert not AccountMapping.objects.exists()


def _create(client, **data):
    cache.clear()
    fields = {
        "method": "bank_transfer",
        "currency": "USD",
        "account_name": "Payroll",
        "account_number": "12345678",
    }
    return client.post(reverse("mapping:bank-account-new"), fields | data)


def test_creating_an_account_in_the_books_maps_it_once_the_push_succeeds(owner_client, synced):
    form = owner_client.get(reverse("mapping:bank-account-new")).content.decode()
    assert "QuickBooks Online" in form or "Create an account" in form

    response = _create(owner_client)

    created = BankAccountRequest.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/{created.pk}/")
    assert not AccountMapping.objects.exists()  # not before the books confirm it
    push = drive(created.push)
    assert push.status == Push.Status.SUCCEEDED
    in_books = store.ledger_get(synced.seeded.company, "chartOfAccounts", push.record_id)
    assert in_books["name"] == "Payroll" and in_books["currency"] == "USD"
    mapping = AccountMapping.objects.get(method="bank_transfer", currency="USD")
    assert mapping.account.codat_account_id == push.record_id
    assert AuditEvent.objects.filter(action="mapping.account_created").exists()


def test_a_platform_that_cannot_create_card_accounts_says_so_on_the_form(
    transactional_db, sandbox, enqueued
):
    company = CompanyFactory(name="Xero user", base_currency="GBP")
    owner = MembershipFactory(company=company).user
    company.seeded = link_to_sandbox(company, platform_key="gbol", bills=5)
    sync_books(company)
    client = _logged_in(owner, company)

    response = _create(client, method="card", currency="GBP")

    assert response.status_code == 200
    assert "cannot create card (credit) accounts" in response.content.decode()
    assert not BankAccountRequest.objects.exists()


def test_a_currency_the_books_do_not_allow_is_a_form_error(owner_client, synced):
    response = _create(owner_client, currency="JPY")

    assert response.status_code == 200 and not BankAccountRequest.objects.exists()


def test_a_rejected_account_shows_the_books_reason(owner_client, synced):
    from billpay.mapping import services

    lenient = services.BankAccountOptions(
        platform_name="QuickBooks Online", currencies=(), account_types=()
    )
    with mock.patch.object(services, "bank_account_options_get", return_value=lenient):
        _create(owner_client, nominal_code="123456789012")
    created = BankAccountRequest.objects.get()

    push = drive(created.push)

    assert push.status == Push.Status.FAILED
    assert "must not be longer than 7 characters" in push.error
    assert not AccountMapping.objects.exists()
    page = owner_client.get(
        reverse("mapping:bank-account-request", args=[created.pk])
    ).content.decode()
    assert "must not be longer than 7 characters" in page


def test_the_status_partial_stops_polling_when_final(htmx_owner, owner_client, synced):
    _create(owner_client)
    created = BankAccountRequest.objects.get()
    url = reverse("mapping:bank-account-request", args=[created.pk])

    working = htmx_owner.get(url)
    Push.objects.filter(pk=created.push_id).update(status="failed")
    final = htmx_owner.get(url)

    assert working.status_code == 200 and 'hx-trigger="every 2s"' in working.content.decode()
    assert final.status_code == 286


def test_the_bank_accounts_write_webhook_records_the_new_account(owner_client, synced):
    from billpay.codat import get_codat_client
    from billpay.onboarding.models import WebhookEvent
    from billpay.onboarding.services.webhooks import webhook_process

    _create(owner_client)
    created = BankAccountRequest.objects.get()
    push_advance(push_id=created.push_id)
    push = Push.objects.get(pk=created.push_id)
    assert push.status == Push.Status.SENT
    with get_codat_client() as client:
        op = client.get_push_operation(
            company_id=synced.codat_company_id, push_operation_key=push.push_operation_key
        )
    event = WebhookEvent.objects.create(
        webhook_id="msg_bank",
        event_type="bankAccounts.write.successful",
        company=synced,
        payload={
            "eventType": "bankAccounts.write.successful",
            "payload": {
                "id": push.push_operation_key,
                "status": "Success",
                "record": {"id": op.record_id},
            },
        },
    )

    webhook_process(event_id=event.pk)

    push.refresh_from_db()
    assert push.status == Push.Status.SUCCEEDED
    assert (
        AccountMapping.objects.get(method="bank_transfer", currency="USD").account.codat_account_id
        == op.record_id
    )


def test_the_push_task_run_twice_creates_one_account(owner_client, synced):
    from billpay.pushes.tasks import push_advance_task
    from billpay.sandbox.models import SandboxPushOperation

    _create(owner_client)
    created = BankAccountRequest.objects.get()

    push_advance_task(push_id=created.push_id)
    push_advance_task(push_id=created.push_id)

    assert SandboxPushOperation.objects.filter(data_type="bankAccounts").count() == 1


def test_a_lost_response_creates_the_account_once(owner_client, synced, settings):
    from billpay.sandbox.models import SandboxPushOperation

    _create(owner_client)
    created = BankAccountRequest.objects.get()
    settings.SANDBOX_FAULT_LOST_RESPONSE_RATE = "1"
    push_advance(push_id=created.push_id)
    settings.SANDBOX_FAULT_LOST_RESPONSE_RATE = "0"
    push = Push.objects.get(pk=created.push_id)
    assert push.status == Push.Status.CHECKING

    push = drive(push)  # looked up in the books before anything is sent again: found there

    assert push.status == Push.Status.SUCCEEDED
    assert push.attempts == 1  # never sent a second time
    assert SandboxPushOperation.objects.filter(data_type="bankAccounts").count() == 1
    mapping = AccountMapping.objects.get(method="bank_transfer", currency="USD")
    assert mapping.account.codat_account_id == push.record_id


def test_a_created_account_survives_a_full_resync_before_the_cache_reads_it(owner_client, synced):
    """Issue 10, point 6: Codat's cache has not read the new account yet; it is not deleted."""
    from billpay.bills.models import SyncRun
    from billpay.bills.services import bills_sync, sync_run_queue
    from billpay.mapping.selectors import mapping_for_currency
    from billpay.sandbox.models import SandboxCacheRecord

    _create(owner_client)
    created = BankAccountRequest.objects.get()
    record_id = drive(created.push).record_id
    not_in_cache = not SandboxCacheRecord.objects.filter(
        company=synced.seeded.company, record_id=record_id
    ).exists()
    assert not_in_cache

    run, _ = sync_run_queue(company=synced, trigger=SyncRun.Trigger.MANUAL, full=True)
    bills_sync(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    new = LedgerAccount.objects.get(company=synced, codat_account_id=record_id)
    assert not new.is_deleted
    mapping = mapping_for_currency(company=synced, method="bank_transfer", currency="USD")
    assert mapping is not None and mapping.account == new


def test_a_resync_keeps_when_an_account_was_first_seen(synced):
    """Lookups of lost pushes tell accounts we knew from new ones by this (never overwritten)."""
    from datetime import timedelta

    from django.utils import timezone

    from billpay.bills.models import SyncRun
    from billpay.bills.services import bills_sync, sync_run_queue

    account = LedgerAccount.objects.filter(company=synced, is_bank_account=True).first()
    assert account.first_seen_at is not None
    earlier = timezone.now() - timedelta(days=30)
    LedgerAccount.objects.filter(pk=account.pk).update(first_seen_at=earlier)

    run, _ = sync_run_queue(company=synced, trigger=SyncRun.Trigger.MANUAL, full=True)
    bills_sync(run_id=run.pk)

    account.refresh_from_db()
    assert account.first_seen_at == earlier
