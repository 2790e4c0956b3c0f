"""The platform's own rules (`options/bills`, `options/suppliers`) become form errors, per platform."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from billpay.bills.models import Bill, Supplier
from billpay.bills.services.options import push_rules_get
from billpay.codat import CodatClient
from billpay.codat.errors import CodatTransientError
from billpay.onboarding.models import AccountingConnection
from billpay.onboarding.tenancy import SESSION_COMPANY_KEY
from tests.conftest import link_to_sandbox
from tests.factories import (
    CompanyFactory,
    ExpenseAccountFactory,
    MembershipFactory,
    SupplierFactory,
    bill_form_data,
)

pytestmark = pytest.mark.django_db(transaction=True)
NAMES = {"qhyg": "QuickBooks Online", "gbol": "Xero", "akxx": "Oracle NetSuite"}


@pytest.fixture(autouse=True)
def _isolated(sandbox):
    cache.clear()
    with (
        mock.patch("billpay.pushes.tasks.push_advance_task.delay_on_commit"),
        mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"),
    ):
        yield
    cache.clear()


def _company_on(platform_key: str):
    company = CompanyFactory(name=f"Books on {platform_key}")
    user = MembershipFactory(company=company).user
    link_to_sandbox(company, bills=3, platform_key=platform_key)
    AccountingConnection.objects.filter(company=company).update(platform_name=NAMES[platform_key])
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_COMPANY_KEY] = company.pk
    session.save()
    supplier = SupplierFactory(company=company)
    account = ExpenseAccountFactory(company=company)
    return company, client, supplier, account


def _post(client, **fields):
    return client.post(reverse("bills:bill-new"), bill_form_data(**fields))


@pytest.mark.parametrize(
    ("platform", "accepted"), [("qhyg", False), ("gbol", True), ("akxx", True)]
)
def test_the_invoice_number_length_is_the_platforms(platform, accepted):
    company, client, supplier, account = _company_on(platform)

    response = _post(client, supplier=supplier, account=account, reference="R" * 30)

    if accepted:
        assert response.status_code == 302
    else:
        assert response.status_code == 200
        assert "QuickBooks Online allows at most 21 characters" in response.content.decode()
        assert not Bill.objects.filter(company=company).exists()


@pytest.mark.parametrize(
    ("platform", "currency", "accepted"),
    [("qhyg", "CAD", True), ("gbol", "CAD", False), ("akxx", "AUD", True), ("qhyg", "AUD", False)],
)
def test_only_the_platforms_currencies_are_accepted(platform, currency, accepted):
    company, client, supplier, account = _company_on(platform)

    response = _post(client, supplier=supplier, account=account, currency=currency)

    assert (response.status_code == 302) is accepted
    assert Bill.objects.filter(company=company).exists() is accepted
    if not accepted:
        assert f"{NAMES[platform]} accepts" in response.content.decode()
        assert f"not {currency}" in response.content.decode()


@pytest.mark.parametrize(("platform", "accepted"), [("akxx", False), ("qhyg", True)])
def test_a_new_suppliers_name_length_is_the_platforms(platform, accepted):
    company, client, _, account = _company_on(platform)

    response = _post(client, supplier=None, account=account, new_supplier_name="N" * 90)

    assert (response.status_code == 302) is accepted
    assert Supplier.objects.filter(company=company, name="N" * 90).exists() is accepted
    if not accepted:
        assert "Oracle NetSuite allows at most 83 characters" in response.content.decode()


def test_the_supplier_form_uses_the_supplier_rules():
    company, client, _, _ = _company_on("qhyg")

    response = client.post(
        reverse("bills:supplier-new"),
        {"submission_key": "1f0e7d0a-5b7e-4b36-8a7a-0f6c3b1a2d10", "name": "S" * 101},
    )

    assert response.status_code == 200
    assert "QuickBooks Online allows at most 100 characters" in response.content.decode()
    assert not Supplier.objects.filter(company=company, origin="app").exists()


def test_the_rules_are_fetched_once_and_cached():
    company, client, _, _ = _company_on("gbol")
    with mock.patch.object(
        CodatClient, "get_push_options", autospec=True, side_effect=CodatClient.get_push_options
    ) as fetch:
        first = push_rules_get(company=company, data_type="bills")
        second = push_rules_get(company=company, data_type="bills")

    assert fetch.call_count == 1
    assert first == second
    assert first.max_length("reference") == 255
    assert first.choices("currency") == ("GBP", "USD", "EUR")
    assert first.required("supplierRef") and first.required("lineItems.accountRef")


def test_without_the_rules_the_form_still_works():
    company, client, supplier, account = _company_on("qhyg")
    with mock.patch.object(
        CodatClient, "get_push_options", side_effect=CodatTransientError("down")
    ):
        page = client.get(reverse("bills:bill-new"))
        response = _post(client, supplier=supplier, account=account)

    assert "couldn't load QuickBooks Online" in page.content.decode()
    assert response.status_code == 302
