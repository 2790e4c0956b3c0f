"""Issue 10, points 3, 4 and 6: the sync follows what Codat documents, not what our sandbox does.

Codat is replaced here by a small fake client (the boundary), so each case can say exactly what
Codat answers: data types missing from the first read, error statuses, records our columns
cannot hold, a crash in the middle. The records still go through the real decoder.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from billpay.bills.models import Bill, BillLine, Supplier, SyncRun, SyncState
from billpay.bills.services import SyncOutcome, bills_sync
from billpay.bills.tasks import sync_start
from billpay.codat.decode import decode
from billpay.codat.errors import CodatNotFoundError
from billpay.codat.schemas import Account, BillCreditNote, DataStatus, TaxRate
from billpay.codat.schemas import Bill as BillRecord
from billpay.codat.schemas import Supplier as SupplierRecord
from billpay.mapping.models import LedgerAccount
from tests.factories import AccountingConnectionFactory

pytestmark = pytest.mark.django_db

ALL_TYPES = ("suppliers", "taxRates", "chartOfAccounts", "bills", "billCreditNotes")


class FakeCodat:
    """What Codat answers, per call; records are decoded by the real decoder."""

    def __init__(self, *, statuses=None, records=None, raise_on=None):
        self.statuses = dict.fromkeys(ALL_TYPES, "Complete") if statuses is None else statuses
        self.records = records or {}
        self.raise_on = raise_on or {}
        self.queued: list[str] = []
        self.total_requests = 0

    def get_data_status(self, *, company_id):
        self.total_requests += 1
        return {
            key: decode(DataStatus, {"dataType": key, "currentStatus": status})
            for key, status in self.statuses.items()
        }

    def refresh_data_type(self, *, company_id, data_type, idempotency_key=None, **_):
        self.queued.append(data_type)
        self.statuses[data_type] = "Queued"

    def _list(self, key, record_type, on_invalid=None, **_):
        if key in self.raise_on:
            raise self.raise_on[key]
        for raw in self.records.get(key, []):
            yield decode(record_type, raw)

    def list_suppliers(self, **kwargs):
        return self._list("suppliers", SupplierRecord, **kwargs)

    def list_tax_rates(self, **kwargs):
        return self._list("taxRates", TaxRate, **kwargs)

    def list_accounts(self, **kwargs):
        return self._list("accounts", Account, **kwargs)

    def list_bills(self, **kwargs):
        return self._list("bills", BillRecord, **kwargs)

    def list_bill_credit_notes(self, **kwargs):
        return self._list("billCreditNotes", BillCreditNote, **kwargs)

    def close(self):
        pass


@pytest.fixture
def linked(company):
    company.codat_company_id = "c0dat-0000"
    company.save(update_fields=["codat_company_id"])
    AccountingConnectionFactory(company=company, platform_name="QuickBooks Online")
    return company


def _run(company, codat: FakeCodat, **kwargs) -> tuple[SyncOutcome, SyncRun]:
    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"):
        run = sync_start(company=company, trigger=SyncRun.Trigger.LINK, **kwargs)
    with mock.patch("billpay.bills.services.sync.runs.get_codat_client", return_value=codat):
        outcome = bills_sync(run_id=run.pk)
    run.refresh_from_db()
    return outcome, run


def _bill(n: int, **fields) -> dict:
    return {
        "id": f"bill-{n}",
        "supplierRef": {"id": "s-1", "supplierName": "Acme"},
        "issueDate": "2026-11-01T00:00:00",
        "dueDate": "2026-12-01T00:00:00",
        "currency": "USD",
        "status": "Open",
        "subTotal": Decimal("100.00"),
        "taxAmount": Decimal("0"),
        "totalAmount": Decimal("100.00"),
        "amountDue": Decimal("100.00"),
        "modifiedDate": "2026-11-02T00:00:00Z",
        "lineItems": [{"description": "Pipes", "unitAmount": Decimal("100"), "quantity": 1}],
        **fields,
    }


# --- point 3: the first read ----------------------------------------------------------------------


def test_a_type_missing_from_the_first_read_is_queued_once_then_read(linked):
    codat = FakeCodat(
        statuses={
            "suppliers": "Complete",
            "chartOfAccounts": "Complete",
            "bills": "Complete",
            "billCreditNotes": "Complete",
        }
    )  # no taxRates: not a Bill Pay default

    first, run = _run(linked, codat)
    with mock.patch("billpay.bills.services.sync.runs.get_codat_client", return_value=codat):
        second = bills_sync(run_id=run.pk)

    assert (first, second) == (SyncOutcome.WAITING, SyncOutcome.WAITING)
    assert codat.queued == ["taxRates"]  # once, not on every check
    codat.statuses["taxRates"] = "Complete"
    with mock.patch("billpay.bills.services.sync.runs.get_codat_client", return_value=codat):
        assert bills_sync(run_id=run.pk) == SyncOutcome.DONE
    run.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.queued_types == ["taxRates"]


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("FetchError", "We could not read your bills from QuickBooks Online"),
        ("InternalError", "We could not read your bills from QuickBooks Online"),
        ("ValidationError", "We could not read your bills from QuickBooks Online"),
        ("MapError", "We could not read your bills from QuickBooks Online"),
        ("AuthError", "QuickBooks Online refused access to your bills"),
        ("PermissionsError", "is not allowed to see your bills"),
        ("PrerequisiteNotMet", "needs something set up before your bills can be read"),
        ("NotSupported", "does not share bills with BillPay"),
        ("RateLimitError", "is limiting how fast it can be read"),
        ("Cancelled", "Reading your bills was cancelled"),
    ],
)
def test_an_error_status_ends_the_wait_and_says_why(linked, status, words):
    codat = FakeCodat(statuses={**dict.fromkeys(ALL_TYPES, "Complete"), "bills": status})

    outcome, run = _run(linked, codat)

    assert outcome == SyncOutcome.DONE
    assert run.status == SyncRun.Status.FAILED
    assert words in run.error
    assert "dataStatus" not in run.error and status not in run.error  # no API words for owners
    assert run.error_detail == f"Codat dataStatus bills: {status}"  # staff see Codat's status
    assert not SyncRun.objects.filter(company=linked, status__in=SyncRun.ACTIVE).exists()


def test_tax_rates_the_platform_does_not_support_are_skipped(linked):
    codat = FakeCodat(
        statuses={**dict.fromkeys(ALL_TYPES, "Complete"), "taxRates": "NotSupported"},
        records={"bills": [_bill(1)]},
    )

    outcome, run = _run(linked, codat)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert run.counts["taxRates"] == {"not_supported": True}
    assert Bill.objects.filter(company=linked).count() == 1


def test_a_404_for_tax_rates_on_a_later_sync_is_not_a_failure(linked):
    SyncState.objects.create(company=linked, data_type="taxRates", watermark=timezone.now())
    codat = FakeCodat(raise_on={"taxRates": CodatNotFoundError("Datatype not supported")})

    _, run = _run(linked, codat)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error


# --- point 4: never stuck, never lying ------------------------------------------------------------


def test_any_exception_fails_the_run_with_a_true_reason_and_frees_the_guard(linked):
    codat = FakeCodat(raise_on={"bills": RuntimeError("boom")})

    outcome, run = _run(linked, codat)

    assert outcome == SyncOutcome.DONE
    assert run.status == SyncRun.Status.FAILED
    assert run.error.startswith("Something went wrong while reading your books")
    assert run.error_detail == "RuntimeError: boom"
    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"):
        assert sync_start(company=linked, trigger=SyncRun.Trigger.MANUAL).pk != run.pk


def test_the_operator_command_fails_the_run_too(linked):
    codat = FakeCodat(raise_on={"bills": KeyError("lineItems")})

    with (
        mock.patch("billpay.bills.services.sync.runs.get_codat_client", return_value=codat),
        pytest.raises(CommandError, match="Something went wrong"),
    ):
        call_command("billpay_sync", linked.pk, stdout=StringIO())

    assert not SyncRun.objects.filter(company=linked, status__in=SyncRun.ACTIVE).exists()


def test_the_operator_command_does_not_leave_a_run_waiting(linked, settings):
    settings.SYNC_WAIT_RETRIES, settings.SYNC_WAIT_SECONDS = 2, 0
    codat = FakeCodat(statuses={**dict.fromkeys(ALL_TYPES, "Complete"), "bills": "Fetching"})

    with (
        mock.patch("billpay.bills.services.sync.runs.get_codat_client", return_value=codat),
        pytest.raises(CommandError),
    ):
        call_command("billpay_sync", linked.pk, stdout=StringIO())

    assert not SyncRun.objects.filter(company=linked, status__in=SyncRun.ACTIVE).exists()


def test_the_task_giving_up_on_a_first_read_says_so(linked, settings):
    from celery.exceptions import MaxRetriesExceededError

    from billpay.bills.tasks import _sync_failed

    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"):
        run = sync_start(company=linked, trigger=SyncRun.Trigger.LINK)

    _sync_failed(None, MaxRetriesExceededError(), "t", (), {"run_id": run.pk}, None)

    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert "had not finished its first read" in run.error


BAD_BILLS = [
    (_bill(10, amountDue=Decimal("-5.00")), "amountDue is negative"),
    (_bill(11, totalAmount=Decimal("1E+20")), "total_amount is too large"),
    (_bill(12, amountDue=Decimal("10.123456")), "amount_due has more than 4 decimals"),
    (_bill(13, currency="DOLLARS"), "currency is longer than 3 characters"),
    (_bill(14, currency="ZZZ"), "currency is not an ISO 4217 currency"),
    (_bill(15, dueDate="next tuesday"), "dueDate is not a date we can read"),
    (_bill(16, reference="R" * 301), "reference is longer than 300 characters"),
    (_bill(17, amountDue=Decimal("NaN")), "amount_due is not a number"),
    (_bill(18, currencyRate=Decimal("1E+12")), "currency_rate is too large"),
    (
        _bill(19, lineItems=[{"unitAmount": Decimal("1"), "quantity": Decimal("1E+30")}]),
        "BillLine.quantity is too large",
    ),
    (_bill(20, note="nul \x00 inside"), "note contains a NUL character"),
]


def test_records_the_columns_cannot_hold_are_skipped_counted_and_explained(linked):
    good = [_bill(1), _bill(2, currency="EUR", amountDue=Decimal("12.5000"))]
    codat = FakeCodat(records={"bills": good + [bad for bad, _ in BAD_BILLS]})

    _, run = _run(linked, codat)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert set(Bill.objects.filter(company=linked).values_list("codat_bill_id", flat=True)) == {
        "bill-1",
        "bill-2",
    }
    assert run.skipped == len(BAD_BILLS) == run.counts["bills"]["skipped"]
    assert run.counts["bills"]["read"] == len(good) + len(BAD_BILLS)
    for (bad, why), reason in zip(BAD_BILLS, run.skip_reasons, strict=True):
        assert reason.startswith(f"bills {bad['id']}: ") and why in reason


def test_a_record_the_database_refuses_is_found_and_skipped_alone(linked):
    """A NUL deep inside the raw JSON passes the column checks; PostgreSQL refuses it."""
    codat = FakeCodat(
        records={"bills": [_bill(1), _bill(2, supplementalData={"x": "a\x00b"}), _bill(3)]}
    )

    _, run = _run(linked, codat)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert sorted(Bill.objects.values_list("codat_bill_id", flat=True)) == ["bill-1", "bill-3"]
    assert BillLine.objects.count() == 2
    assert run.skipped == 1 and run.skip_reasons[0].startswith("bills bill-2: the database")
    assert run.counts["bills"]["created"] == 2


def test_supplier_and_account_currencies_are_checked_not_truncated(linked):
    codat = FakeCodat(
        records={
            "suppliers": [{"id": "s-1", "status": "Active", "defaultCurrency": "EURO"}],
            "accounts": [{"id": "a-1", "currency": "US Dollar", "isBankAccount": True}],
        }
    )

    _, run = _run(linked, codat)

    assert not Supplier.objects.exists() and not LedgerAccount.objects.exists()
    assert run.skipped == 2


# --- point 6: the mirror stays true ---------------------------------------------------------------


def test_a_full_resync_spares_what_the_app_created_and_the_cache_has_not_read(linked):
    created_here = LedgerAccount.objects.create(
        company=linked,
        codat_account_id="bank-new",
        name="New current account",
        is_bank_account=True,
        currency="USD",
        modified_date=None,
    )
    long_gone = LedgerAccount.objects.create(
        company=linked,
        codat_account_id="bank-old",
        name="Old account",
        is_bank_account=True,
        currency="USD",
        modified_date=datetime(2026, 1, 1, tzinfo=UTC),
    )
    codat = FakeCodat()  # the cache lists no account at all yet
    codat.get_data_status = lambda **_: {
        key: decode(
            DataStatus,
            {
                "dataType": key,
                "currentStatus": "Complete",
                "lastSuccessfulSync": (timezone.now() - timedelta(minutes=1)).isoformat(),
            },
        )
        for key in ALL_TYPES
    }

    _, run = _run(linked, codat, full=True)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    created_here.refresh_from_db()
    long_gone.refresh_from_db()
    assert (created_here.is_deleted, long_gone.is_deleted) == (False, True)


def test_what_the_app_created_long_before_the_caches_last_read_can_vanish(linked):
    stale = LedgerAccount.objects.create(
        company=linked, codat_account_id="bank-x", is_bank_account=True, currency="USD"
    )
    LedgerAccount.objects.filter(pk=stale.pk).update(synced_at=timezone.now() - timedelta(days=2))
    codat = FakeCodat()
    codat.get_data_status = lambda **_: {
        key: decode(
            DataStatus,
            {
                "dataType": key,
                "currentStatus": "Complete",
                "lastSuccessfulSync": timezone.now().isoformat(),
            },
        )
        for key in ALL_TYPES
    }

    _run(linked, codat, full=True)

    stale.refresh_from_db()
    assert stale.is_deleted
