from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from billpay.bills.models import Bill, SyncRun
from billpay.bills.tasks import bills_sync_all_task, bills_sync_task, sync_start
from billpay.codat import CodatClient
from billpay.codat.errors import CodatRequestError, CodatTransientError
from tests.factories import AccountingConnectionFactory, CompanyFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _queued(company) -> SyncRun:
    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"):
        return sync_start(company=company, trigger=SyncRun.Trigger.MANUAL)


def test_the_task_syncs_the_books(linked_company):
    run = _queued(linked_company)

    bills_sync_task.apply(kwargs={"run_id": run.pk})

    run.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED
    assert Bill.objects.filter(company=linked_company).exists()


def test_a_transient_error_is_retried_and_then_succeeds(linked_company):
    run = _queued(linked_company)
    real = CodatClient.list_suppliers
    calls = {"n": 0}

    def flaky(self, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise CodatTransientError("503 from Codat", status=503)
        return real(self, **kwargs)

    with (
        mock.patch.object(CodatClient, "list_suppliers", flaky),
        mock.patch("celery.app.task.Task.retry", wraps=bills_sync_task.retry) as retry,
    ):
        bills_sync_task.apply(kwargs={"run_id": run.pk}, retries=0)

    assert retry.called
    run.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED


def test_a_transient_error_that_never_ends_fails_the_run_with_a_reason(linked_company):
    run = _queued(linked_company)

    with mock.patch.object(
        CodatClient, "list_suppliers", side_effect=CodatTransientError("503", status=503)
    ):
        result = bills_sync_task.apply(
            kwargs={"run_id": run.pk}, retries=bills_sync_task.max_retries
        )

    assert result.failed()
    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert "could not reach your accounting software" in run.error


def test_a_permanent_error_fails_at_once_without_retrying(linked_company):
    run = _queued(linked_company)

    with (
        mock.patch.object(
            CodatClient, "list_suppliers", side_effect=CodatRequestError("400", status=400)
        ),
        mock.patch.object(bills_sync_task, "retry") as retry,
    ):
        bills_sync_task.apply(kwargs={"run_id": run.pk})

    retry.assert_not_called()
    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED


def test_beat_fans_out_one_sync_per_linked_company(db):
    linked = AccountingConnectionFactory().company
    AccountingConnectionFactory(status="unlinked")
    CompanyFactory()

    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"):
        assert bills_sync_all_task.apply().get() == 1

    assert list(SyncRun.objects.values_list("company", flat=True)) == [linked.pk]


def test_the_operator_command_syncs_a_company(linked_company, capsys):
    call_command("billpay_sync", str(linked_company.pk))

    assert "bills:" in capsys.readouterr().out
    assert Bill.objects.filter(company=linked_company).exists()


def test_the_operator_command_explains_an_unknown_company(db):
    with pytest.raises(CommandError, match="No company"):
        call_command("billpay_sync", "999999")
