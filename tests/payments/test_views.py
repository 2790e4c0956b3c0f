"""The pay flow and payments pages through the HTTP client: tenancy, methods, roles, partials."""

import html
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billpay.core.models import AuditEvent
from billpay.payments.models import Payment, PaymentSettings
from tests.factories import AccountMappingFactory, BillFactory, PushFactory, SupplierFactory

pytestmark = pytest.mark.django_db
S = Payment.Status


@pytest.fixture
def mapped(company):
    return AccountMappingFactory(company=company)


@pytest.fixture
def bill(company):
    return BillFactory(company=company, amount_due=Decimal("120.00"))


def _post_pay(client, bill, amount="120.00", **extra):
    data = {
        "bill": [bill.pk],
        "method": "bank_transfer",
        f"amount_{bill.pk}": amount,
        "payment_date": timezone.localdate().isoformat(),
        "note": "",
        "form_token": str(uuid.uuid4()),
    }
    data.update(extra)
    return client.post(reverse("payments:payment-new"), data)


@pytest.fixture
def draft(client_member, bill, mapped, enqueued):
    _post_pay(client_member, bill)
    return Payment.objects.get()


def test_the_pay_form_defaults_to_the_amount_due(client_member, bill, mapped):
    response = client_member.get(reverse("payments:payment-new"), {"bill": bill.pk})

    assert response.status_code == 200
    assert (
        'value="120.0000"' in response.content.decode()
        or 'value="120.00"' in response.content.decode()
    )
    assert "Review payment" in response.content.decode()


def test_without_a_mapping_the_pay_form_says_how_to_fix_it(client_member, bill):
    response = client_member.get(reverse("payments:payment-new"), {"bill": bill.pk})

    assert "No account is set up to pay USD bills" in response.content.decode()
    assert reverse("mapping:mapping-settings") in response.content.decode()


def test_preparing_shows_the_review_with_the_exact_json(client_member, bill, mapped, enqueued):
    response = _post_pay(client_member, bill, amount="50.00")

    payment = Payment.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "payments:payment-detail", args=[payment.pk]
    )
    page = html.unescape(client_member.get(response.url).content.decode())
    assert payment.status == S.DRAFT and payment.total_amount == Decimal("50.00")
    assert '"amount": -50.00' in page and '"reference": "' + payment.reference in page
    assert "Record $50.00 payment in your books" in page


def test_double_submitting_the_form_prepares_one_payment(client_member, bill, mapped, enqueued):
    token = str(uuid.uuid4())

    _post_pay(client_member, bill, form_token=token)
    _post_pay(client_member, bill, form_token=token)

    assert Payment.objects.count() == 1


def test_an_amount_above_what_is_due_is_a_form_error(client_member, bill, mapped):
    response = _post_pay(client_member, bill, amount="120.01")

    assert response.status_code == 200
    assert "at most $120.00 can be paid" in response.content.decode()
    assert not Payment.objects.exists()


def test_confirming_queues_the_write_back(
    client_member, draft, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_member.post(reverse("payments:payment-confirm", args=[draft.pk]))

    draft = Payment.objects.select_related("push").get(pk=draft.pk)
    assert response.status_code == 302
    assert draft.status == S.SENDING and draft.push.status == "queued"
    assert ("push_advance_task", {"push_id": draft.push_id}) in enqueued
    assert AuditEvent.objects.filter(action="payment.confirmed", ref=f"payment:{draft.pk}").exists()


def test_a_future_date_schedules_the_payment(client_member, bill, mapped, enqueued):
    later = timezone.localdate() + timezone.timedelta(days=5)
    _post_pay(client_member, bill, payment_date=later.isoformat())
    payment = Payment.objects.get()

    client_member.post(reverse("payments:payment-confirm", args=[payment.pk]))

    payment.refresh_from_db()
    assert payment.status == S.SCHEDULED
    assert enqueued == []


def test_an_accountant_prepares_but_cannot_pay(client_accountant, bill, mapped, enqueued):
    _post_pay(client_accountant, bill)
    payment = Payment.objects.get()

    page = client_accountant.get(
        reverse("payments:payment-detail", args=[payment.pk])
    ).content.decode()
    client_accountant.post(reverse("payments:payment-confirm", args=[payment.pk]))

    payment.refresh_from_db()
    assert payment.status == S.DRAFT
    assert (
        "An owner or an admin records the payment" in page
        and "payment in your books</button>" not in page
    )


def test_bills_above_the_threshold_need_approval_before_paying(
    client_member, company, draft, enqueued
):
    PaymentSettings.objects.create(company=company, approval_threshold=Decimal("100"))

    client_member.post(reverse("payments:payment-confirm", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == S.DRAFT
    assert AuditEvent.objects.filter(action="payment.approval_required").exists()

    draft.allocations.get().bill.__class__.objects.update(review_status="approved")
    client_member.post(reverse("payments:payment-confirm", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == S.SENDING


def test_bills_under_the_threshold_need_no_approval(client_member, company, draft, enqueued):
    PaymentSettings.objects.create(company=company, approval_threshold=Decimal("500"))

    client_member.post(reverse("payments:payment-confirm", args=[draft.pk]))

    draft.refresh_from_db()
    assert draft.status == S.SENDING


def test_cancelling_a_draft_releases_the_amount(client_member, bill, draft, enqueued):
    client_member.post(reverse("payments:payment-cancel", args=[draft.pk]))

    draft.refresh_from_db()
    assert draft.status == S.CANCELLED
    _post_pay(client_member, bill)
    assert Payment.objects.filter(status=S.DRAFT).count() == 1


def test_bills_of_two_suppliers_cannot_be_paid_together(client_member, company, bill, mapped):
    other = BillFactory(company=company, supplier=SupplierFactory(company=company))

    response = client_member.get(reverse("payments:payment-new"), {"bill": [bill.pk, other.pk]})

    assert "Pick bills of one supplier" in response.content.decode()


def test_the_status_partial_polls_until_final_then_stops(htmx_client, draft, enqueued):
    Payment.objects.filter(pk=draft.pk).update(status=S.SENDING)
    url = reverse("payments:payment-status", args=[draft.pk])

    working = htmx_client.get(url)
    Payment.objects.filter(pk=draft.pk).update(status=S.VERIFIED)
    final = htmx_client.get(url)

    assert working.status_code == 200 and 'hx-trigger="every 2s"' in working.content.decode()
    assert "<html" not in working.content.decode()
    assert final.status_code == 286


def test_the_payments_list_filters_and_renders_a_partial_for_htmx(
    htmx_client, client_member, draft
):
    page = client_member.get(reverse("payments:payment-list"), {"status": "draft"}).content.decode()
    partial = htmx_client.get(
        reverse("payments:payment-list"), {"status": "verified"}
    ).content.decode()

    assert draft.reference in page
    assert (
        draft.reference not in partial
        and 'id="payment-table"' in partial
        and "<html" not in partial
    )


def test_retry_of_a_failed_payment_uses_a_new_idempotency_key(client_member, draft, enqueued):
    first = PushFactory(company=draft.company, kind="payment", status="failed")
    Payment.objects.filter(pk=draft.pk).update(status=S.FAILED, status_reason="No.", push=first)

    client_member.post(reverse("payments:payment-retry", args=[draft.pk]))

    draft = Payment.objects.select_related("push").get(pk=draft.pk)
    assert draft.status == S.SENDING and draft.status_reason == ""
    assert draft.push != first and draft.push.idempotency_key != first.idempotency_key


def test_payment_settings_are_owner_only_and_audited(client_member, client_accountant, company):
    client_accountant.post(reverse("payments:payment-settings"), {"approval_threshold": "1"})
    assert not PaymentSettings.objects.exists()

    client_member.post(reverse("payments:payment-settings"), {"approval_threshold": "250.00"})

    assert PaymentSettings.objects.get(company=company).approval_threshold == Decimal("250.00")
    assert AuditEvent.objects.filter(action="payment.settings_changed").exists()


URLS = [
    ("payments:payment-detail", "get"),
    ("payments:payment-status", "get"),
    ("payments:payment-confirm", "post"),
    ("payments:payment-cancel", "post"),
    ("payments:payment-retry", "post"),
]


@pytest.mark.parametrize(("name", "method"), URLS)
def test_another_companys_payment_is_a_404(client, other_company, name, method, draft, enqueued):
    charlie = other_company.memberships.get().user
    from tests.conftest import _logged_in

    outsider = _logged_in(charlie, other_company)

    response = getattr(outsider, method)(reverse(name, args=[draft.pk]))

    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_another_companys_bill_cannot_be_paid(other_company, client_member, mapped):
    foreign = BillFactory(company=other_company)

    assert (
        client_member.get(reverse("payments:payment-new"), {"bill": foreign.pk}).status_code == 404
    )


@pytest.mark.parametrize(("name", "method"), URLS)
def test_wrong_methods_are_405(client_member, draft, name, method):
    wrong = "post" if method == "get" else "get"
    assert getattr(client_member, wrong)(reverse(name, args=[draft.pk])).status_code == 405


@pytest.mark.parametrize(
    "name", ["payments:payment-list", "payments:payment-new", "payments:payment-settings"]
)
def test_anonymous_visitors_are_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/login/" in response.url


def test_list_and_new_refuse_put(client_member):
    assert client_member.put(reverse("payments:payment-list")).status_code == 405
    assert client_member.put(reverse("payments:payment-new")).status_code == 405


def test_an_htmx_pay_form_redirects_the_browser_to_the_review(htmx_client, bill, mapped, enqueued):
    response = _post_pay(htmx_client, bill)

    payment = Payment.objects.get()
    assert response.headers["HX-Redirect"] == reverse("payments:payment-detail", args=[payment.pk])


def test_an_htmx_pay_form_with_errors_re_renders_the_form_partial(htmx_client, bill, mapped):
    response = _post_pay(htmx_client, bill, amount="999")

    body = response.content.decode()
    assert response.status_code == 200 and 'id="pay-form"' in body and "<html" not in body


def test_the_bill_page_offers_to_pay_it(client_member, bill):
    page = client_member.get(reverse("bills:bill-detail", args=[bill.pk])).content.decode()
    assert f"{reverse('payments:payment-new')}?bill={bill.pk}" in page
