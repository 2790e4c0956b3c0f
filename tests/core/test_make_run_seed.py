"""The two commands `make run` chains to give the demo company sandbox books, run twice."""

import io
from unittest import mock

import pytest
from django.core.management import call_command

from billpay.bills.models import SyncRun
from billpay.onboarding.models import AccountingConnection, Company
from billpay.sandbox.models import SandboxCompany

pytestmark = pytest.mark.django_db


def _seed_sandbox() -> list[str]:
    out = io.StringIO()
    call_command(
        "sandbox_seed",
        "--company-name",
        "Acme Plumbing Ltd",
        "--bills",
        "20",
        "--if-missing",
        stdout=out,
    )
    ids = dict(line.split("=", 1) for line in out.getvalue().splitlines() if "=" in line)
    return [
        f"--codat-company-id={ids['company_id']}",
        f"--codat-connection-id={ids['connection_id']}",
    ]


def test_the_demo_company_is_linked_to_sandbox_books_once():
    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit") as enqueue:
        call_command("seed_demo", *_seed_sandbox(), stdout=io.StringIO())
        call_command("seed_demo", *_seed_sandbox(), stdout=io.StringIO())

    company = Company.objects.get(name="Acme Plumbing Ltd")
    assert SandboxCompany.objects.filter(name="Acme Plumbing Ltd").count() == 1
    assert str(SandboxCompany.objects.get().pk) == company.codat_company_id
    assert AccountingConnection.objects.get(company=company).is_linked
    assert SyncRun.objects.filter(company=company).count() == 1
    enqueue.assert_called_once()
