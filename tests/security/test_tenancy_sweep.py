"""Every company URL, resolved from the URL conf, against another company's member and nobody.

The victim has one object of every kind a URL kwarg can name; the attacker is the owner of a
company of their own (so no role check answers before the tenant check does). A URL naming a
victim object must answer 404 — never 200, 403 or a redirect into the object — and no response,
whatever its status, may carry text that only the victim's rows contain.
"""

import uuid

import pytest
from django.urls import reverse

from billpay.approvals.models import ApprovalRule
from billpay.bills.models import Bill, BillLine, LedgerWrite, Supplier
from billpay.core.models import AuditEvent
from billpay.inbound.models import Draft
from billpay.mapping.models import AccountMapping, BankAccountRequest
from billpay.onboarding.models import AccountingConnection
from billpay.payments.models import Payment
from billpay.recurring.models import RecurringBill, RecurringLine
from billpay.runs.models import PayRun, PayRunLine
from tests.factories import AccountingConnectionFactory
from tests.security.conftest import (
    EXCLUDED_PREFIXES,
    PUBLIC_ROUTES,
    VICTIM_STRINGS,
    app_routes,
    body,
    company_routes,
    concrete,
    logged_in,
    route_kwargs,
)

pytestmark = pytest.mark.django_db

ROUTES = company_routes()
OBJECT_ROUTES = [r for r in ROUTES if route_kwargs(r)]
PAGE_ROUTES = [r for r in ROUTES if not route_kwargs(r)]
KNOWN_KWARGS = {
    "bill_id",
    "membership_id",
    "supplier_id",
    "payment_id",
    "request_id",
    "attachment_id",
    "run_id",
    "group_id",
    "rule_id",
    "kind",
    "object_id",
    "template_id",
    "draft_id",
}


def _assert_no_victim_data(response, victim) -> None:
    text = body(response)
    leaked = [s for s in (*VICTIM_STRINGS, victim.company.name) if s in text]
    assert not leaked, f"{response.request['PATH_INFO']} showed {leaked}"


def _state(victim) -> tuple:
    """What a write through a leaky URL would change."""
    bill = Bill.objects.get(pk=victim.bill.pk)
    return (
        bill.review_status,
        bill.note,
        bill.is_deleted,
        bill.push_state,
        Payment.objects.get(pk=victim.payment.pk).status,
        Supplier.objects.get(pk=victim.supplier.pk).name,
        BankAccountRequest.objects.get(pk=victim.bank_request.pk).push.status,
        BillLine.objects.filter(bill=bill).count(),
        AccountMapping.objects.filter(account__company=victim.company).count(),
        PayRun.objects.filter(pk=victim.run.pk).values_list("status", "form_token").get(),
        tuple(PayRunLine.objects.filter(run=victim.run).values_list("amount", flat=True)),
        AuditEvent.objects.filter(company=victim.company).count(),  # notes, reviews, writes
        Draft.objects.filter(company=victim.company).values_list("status", "bill_id").get(),
        LedgerWrite.objects.filter(company=victim.company).count(),
        ApprovalRule.objects.filter(company=victim.company).count(),
        RecurringBill.objects.filter(pk=victim.recurring.pk)
        .values_list("status", "total_amount", "frequency")
        .get(),
        RecurringLine.objects.filter(template=victim.recurring).count(),
    )


def _hostile_data(victim) -> dict:
    """Form fields that name the victim's rows, for views that take ids in the body."""
    return {
        "bill": victim.bill.pk,
        "supplier": victim.supplier.pk,
        "company": victim.company.pk,
        "account": victim.account.pk,
        "payment": victim.payment.pk,
        "method": "bank_transfer",
        "currency": "USD",
        "decision": "approved",
        "review_status": "approved",
        "text": "pwned",
        "reason": "pwned",
        "submission_key": str(uuid.uuid4()),
        "form_token": str(uuid.uuid4()),
        "approval_threshold": "1",
        "platform": "qhyg",
        "email": "mallory2@attacker.example",
    }


def test_the_sweep_covers_every_company_page():
    assert len(ROUTES) >= 30
    assert {"bills/<int:bill_id>/", "payments/<int:payment_id>/", "suppliers/"} <= set(ROUTES)


def test_every_public_route_still_exists():
    routes = {route for route, _ in app_routes()}
    assert set(PUBLIC_ROUTES) <= routes, set(PUBLIC_ROUTES) - routes


def test_every_url_kwarg_names_an_object_the_sweep_knows():
    """A new URL kwarg must be mapped to a victim object here, or the sweep cannot test it."""
    unknown = {
        (route, name)
        for route in ROUTES
        for name in route_kwargs(route)
        if name not in KNOWN_KWARGS
    }
    assert not unknown, (
        f"New URL kwargs {sorted(unknown)}: add them to World.kwargs in tests/security/conftest.py"
    )


@pytest.mark.parametrize("route", OBJECT_ROUTES)
def test_another_companys_object_is_a_404_to_a_member_of_another_company(route, victim, attacker):
    client = logged_in(attacker.owner, attacker.company)
    url = concrete(route, victim.kwargs)
    before = _state(victim)

    get = client.get(url)
    post = client.post(url, _hostile_data(victim))
    htmx = client.get(url, headers={"HX-Request": "true"})

    statuses = {"GET": get.status_code, "POST": post.status_code}
    assert set(statuses.values()) <= {404, 405}, f"{url}: {statuses}"
    assert 404 in statuses.values(), f"{url} answers neither method with 404: {statuses}"
    assert htmx.status_code in (404, 405)
    for response in (get, post, htmx):
        _assert_no_victim_data(response, victim)
    assert _state(victim) == before


@pytest.mark.parametrize("route", OBJECT_ROUTES)
def test_the_attackers_own_object_answers_on_the_same_url(route, victim, attacker):
    """The control: the 404 above comes from the tenant check, not from a broken URL."""
    client = logged_in(attacker.owner, attacker.company)
    url = concrete(route, attacker.kwargs)

    get, post = client.get(url), client.post(url, {})

    assert get.status_code in (200, 302, 405), (url, get.status_code)
    assert post.status_code in (200, 302, 405), (url, post.status_code)
    assert 405 not in (get.status_code, post.status_code) or get.status_code != post.status_code


@pytest.mark.parametrize("route", PAGE_ROUTES)
def test_a_company_page_never_shows_another_companys_data(route, victim, attacker):
    client = logged_in(attacker.owner, attacker.company)
    url = concrete(route, {})
    # q is echoed into the search box: a prefix, so only a real leak shows the whole name.
    query = {"bill": victim.bill.pk, "supplier": victim.supplier.pk, "q": "Zebulon"}
    before = _state(victim)

    responses = [
        client.get(url, query),
        client.get(url, query, headers={"HX-Request": "true"}),
        client.post(url, _hostile_data(victim)),
    ]

    for response in responses:
        assert response.status_code in (200, 204, 286, 302, 404, 405), (url, response.status_code)
        if response.status_code == 302:
            assert str(victim.company.pk) not in response.url.split("?")[0].split("/")
        _assert_no_victim_data(response, victim)
    assert _state(victim) == before


def test_switching_to_another_company_is_a_404(victim, attacker):
    client = logged_in(attacker.owner, attacker.company)

    response = client.post(reverse("onboarding:company-switch"), {"company": victim.company.pk})

    assert response.status_code == 404
    assert client.get(reverse("bills:inbox")).status_code == 200
    _assert_no_victim_data(client.get(reverse("bills:inbox")), victim)


def test_a_session_naming_another_company_is_a_404(victim, attacker):
    client = logged_in(attacker.owner, victim.company)

    response = client.get(reverse("bills:inbox"))

    assert response.status_code == 404
    _assert_no_victim_data(response, victim)


def test_paying_another_companys_bill_is_a_404(victim, attacker):
    client = logged_in(attacker.owner, attacker.company)
    url = reverse("payments:payment-new")

    get = client.get(url, {"bill": [attacker.bill.pk, victim.bill.pk]})
    post = client.post(url, {"bill": [victim.bill.pk], "method": "bank_transfer"})

    assert (get.status_code, post.status_code) == (404, 404)
    assert not Payment.objects.filter(allocations__bill=victim.bill).exclude(pk=victim.payment.pk)


def test_mapping_another_companys_account_is_refused(victim, attacker):
    client = logged_in(attacker.owner, attacker.company)
    data = {"method": "bank_transfer", "currency": "USD", "account": victim.account.pk}

    response = client.post(reverse("mapping:mapping-save"), data)

    assert response.status_code in (302, 404)
    assert not AccountMapping.objects.filter(account=victim.account).exists()


@pytest.mark.parametrize("route", ROUTES)
def test_an_anonymous_visitor_is_sent_to_log_in(client, route, victim):
    url = concrete(route, victim.kwargs)
    login = reverse("login")

    get = client.get(url)
    post = client.post(url, _hostile_data(victim))

    assert get.status_code in (302, 405), (url, get.status_code)
    if get.status_code == 302:
        assert get.url.startswith(login)
    assert post.status_code in (302, 403, 405), (url, post.status_code)
    if post.status_code == 302:
        assert post.url.startswith(login)
    assert 302 in (get.status_code, post.status_code)
    for response in (get, post):
        _assert_no_victim_data(response, victim)


def test_excluded_trees_are_the_admin_and_the_sandbox_only():
    excluded = {
        route.split("/")[0] + "/"
        for route, _ in app_routes()
        if route.startswith(EXCLUDED_PREFIXES)
    }
    assert excluded <= {"admin/", "sandbox/"}


def test_a_link_return_naming_another_companys_books_is_refused(victim, attacker):
    victim_link = AccountingConnectionFactory(company=victim.company)
    victim.company.codat_company_id = "victim-codat-company"
    victim.company.save()
    AccountingConnectionFactory(company=attacker.company, status="pending_auth")
    client = logged_in(attacker.owner, attacker.company)

    response = client.get(
        reverse("onboarding:connect-return"),
        {
            "companyId": "victim-codat-company",
            "connectionId": victim_link.codat_connection_id,
            "statusCode": "200",
        },
    )

    assert response.status_code == 302 and response.url == reverse("onboarding:connect")
    attacker.company.refresh_from_db()
    assert attacker.company.codat_company_id != "victim-codat-company"
    assert not AccountingConnection.objects.filter(
        company=attacker.company, codat_connection_id=victim_link.codat_connection_id
    ).exists()


@pytest.mark.parametrize("url", ["/admin/", "/admin/bills/bill/", "/admin/onboarding/company/"])
def test_the_admin_is_for_staff_only(url, victim, attacker, client):
    member = logged_in(attacker.owner, attacker.company)

    for response in (client.get(url), member.get(url)):
        assert response.status_code == 302
        assert response.url.startswith("/admin/login/")


def test_the_sandbox_api_needs_its_own_key(attacker, settings):
    if not settings.SANDBOX_ENABLED:
        pytest.skip("the sandbox is not mounted")
    member = logged_in(attacker.owner, attacker.company)

    response = member.get("/sandbox/api/companies")

    assert response.status_code == 401
