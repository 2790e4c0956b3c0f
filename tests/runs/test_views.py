"""Pay run pages through the test client: what a user sees, tenancy, methods, query counts."""

import html
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from billpay.core.templatetags.money import money
from billpay.payments.models import PaymentSettings
from billpay.runs.models import PayRun
from billpay.runs.services import run_confirm, run_create
from tests.factories import (
    AccountingConnectionFactory,
    AccountMappingFactory,
    BillFactory,
    MembershipFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db
CREATE = reverse("runs:run-create")


def _run(company, user, bills) -> PayRun:
    return run_create(company=company, actor=user, bill_ids=[b.pk for b in bills])


def _url(name, *args):
    return reverse(f"runs:{name}", args=args)


# --- from the inbox -------------------------------------------------------------------------------


def test_pay_selected_makes_a_run_and_opens_its_review(client_member, company, suppliers_bills):
    response = client_member.post(CREATE, {"bill": [b.pk for b in suppliers_bills]})

    run = PayRun.objects.get(company=company)
    assert response.status_code == 302 and response.url == _url("run-detail", run.pk)
    page = client_member.get(response.url).content.decode()
    assert "3 payments</strong> in your books for <strong>6 bills</strong>" in page
    assert money(Decimal("720.00"), "USD") in page
    for name in ("Acme Paper", "Blue Freight", "Cobalt Power"):
        assert f"Pay <strong>{money(Decimal('240.00'), 'USD')}</strong> to <strong>{name}" in page


def test_ticked_bills_of_one_supplier_go_straight_to_the_one_payment(
    client_member, company, suppliers_bills
):
    pair = suppliers_bills[:2]

    response = client_member.post(CREATE, {"bill": [b.pk for b in pair]})

    assert response.url == reverse("payments:payment-new") + f"?bill={pair[0].pk}&bill={pair[1].pk}"
    assert not PayRun.objects.exists()


def test_pay_all_matching_pays_what_the_filter_shows(client_member, company, suppliers_bills):
    acme = suppliers_bills[0].codat_supplier_id

    client_member.post(CREATE, {"scope": "filter", "params": f"supplier={acme}"})

    run = PayRun.objects.get(company=company)
    assert run.bill_count == 2
    assert set(run.groups.values_list("codat_supplier_id", flat=True)) == {acme}


def test_the_inbox_says_the_limit_of_pay_all_matching(client_member, company, suppliers_bills):
    company.codat_company_id = "codat-company-1"
    company.save(update_fields=["codat_company_id"])
    AccountingConnectionFactory(company=company)

    page = client_member.get(reverse("bills:inbox")).content.decode()

    assert "Pay all matching <span" in page and "(up to 1,000 bills)" in page


def test_paying_nothing_selected_goes_back_to_the_inbox_with_a_word(client_member, company):
    response = client_member.post(CREATE, {"params": "view=overdue"})

    assert response.url == reverse("bills:inbox") + "?view=overdue"
    assert "Tick the bills to pay first." in client_member.get(response.url).content.decode()


def test_a_bill_of_another_company_in_the_selection_is_a_404(
    client_member, company, other_company, suppliers_bills
):
    theirs = BillFactory(company=other_company)

    response = client_member.post(CREATE, {"bill": [suppliers_bills[0].pk, theirs.pk]})

    assert response.status_code == 404
    assert not PayRun.objects.exists()


def test_a_selection_value_that_is_not_a_bill_id_is_a_400(client_member):
    assert client_member.post(CREATE, {"bill": "1e3"}).status_code == 400


def test_the_pay_form_opened_with_two_suppliers_offers_a_pay_run(client_member, company):
    one = BillFactory(company=company)
    two = BillFactory(company=company, supplier=SupplierFactory(company=company))

    response = client_member.get(reverse("payments:payment-new"), {"bill": [one.pk, two.pk]})

    content = response.content.decode()
    assert f'action="{CREATE}"' in content and "Pay them in one pay run" in content


# --- the review page --------------------------------------------------------------------------------


def test_a_partial_amount_is_saved_and_an_invalid_one_is_said_inline(
    client_member, company, user, suppliers_bills
):
    run = _run(company, user, suppliers_bills)
    bill = suppliers_bills[0]
    url = _url("run-amount", run.pk, bill.pk)

    assert client_member.post(url, {"amount": "60.50"}).status_code == 302
    assert run.lines.get(bill=bill).amount == Decimal("60.50")

    response = client_member.post(url, {"amount": "999"})
    assert response.status_code == 200
    content = response.content.decode()
    assert 'aria-invalid="true"' in content and "At most" in content
    assert client_member.post(url, {"amount": "abc"}).status_code == 200
    assert run.lines.get(bill=bill).amount == Decimal("60.50")


def test_an_amount_over_htmx_gets_the_review_partial(htmx_client, company, user, suppliers_bills):
    run = _run(company, user, suppliers_bills)

    response = htmx_client.post(_url("run-amount", run.pk, suppliers_bills[0].pk), {"amount": "0"})

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<div id="run-review">') and "<html" not in content


def test_the_date_in_the_past_is_refused_inline(client_member, company, user, suppliers_bills):
    run = _run(company, user, suppliers_bills)

    response = client_member.post(
        _url("run-settings", run.pk), {"payment_date": "2001-01-01", "method": "bank_transfer"}
    )

    assert response.status_code == 200
    assert "Pick today or a later date." in response.content.decode()


def test_the_review_warns_of_an_overdraw_and_offers_the_box(
    client_member, company, user, suppliers_bills
):
    account = company.mapping.account
    account.current_balance = Decimal("100.00")
    account.save()
    run = _run(company, user, suppliers_bills)

    content = client_member.get(_url("run-detail", run.pk)).content.decode()

    assert "This run would overdraw" in content
    assert 'name="confirm_overdraw"' in content
    response = client_member.post(_url("run-confirm", run.pk), {"form_token": run.form_token})
    assert response.status_code == 200
    assert "Tick the box" in response.content.decode()
    run.refresh_from_db()
    assert run.status == PayRun.Status.DRAFT


def test_an_unchecked_balance_is_said_in_words(client_member, company, user, suppliers_bills):
    account = company.mapping.account
    account.current_balance = None
    account.save()
    run = _run(company, user, suppliers_bills)

    content = client_member.get(_url("run-detail", run.pk)).content.decode()

    assert "We cannot check the balance" in content
    assert "would overdraw" not in content


def test_a_currency_without_account_links_an_owner_to_mapping(
    client_member, client_accountant, company, user
):
    run = _run(company, user, [BillFactory(company=company, currency="EUR")])

    owner_page = client_member.get(_url("run-detail", run.pk)).content.decode()
    accountant_page = client_accountant.get(_url("run-detail", run.pk)).content.decode()

    assert f'href="{reverse("mapping:mapping-settings")}"' in owner_page
    assert "Ask an owner or an admin" in accountant_page


def test_an_accountant_sees_no_approve_or_confirm_button(
    client_accountant, company, accountant, suppliers_bills
):
    PaymentSettings.objects.create(company=company, approval_threshold=Decimal("10"))
    run = _run(company, accountant, suppliers_bills)

    content = client_accountant.get(_url("run-detail", run.pk)).content.decode()

    assert "Approve this pay run" not in content and "Record 3 payments" not in content
    response = client_accountant.post(_url("run-approve", run.pk), {"form_token": run.form_token})
    assert response.status_code == 403
    assert "Only an owner, an admin or an approver can approve this." in response.content.decode()


def test_the_owner_approves_then_confirms_and_sees_progress(
    client_member, company, user, suppliers_bills, enqueued
):
    PaymentSettings.objects.create(company=company, approval_threshold=Decimal("10"))
    run = _run(company, user, suppliers_bills)
    assert "Approve this pay run" in client_member.get(_url("run-detail", run.pk)).content.decode()

    client_member.post(_url("run-approve", run.pk), {"form_token": run.form_token})
    run.refresh_from_db()
    assert run.status == PayRun.Status.APPROVED
    client_member.post(_url("run-confirm", run.pk), {"form_token": run.form_token})

    run.refresh_from_db()
    assert run.status == PayRun.Status.SENDING
    content = client_member.get(_url("run-detail", run.pk)).content.decode()
    assert 'hx-trigger="every 2s"' in content and "3 being sent" in content


def test_the_progress_poll_stops_once_the_run_is_final(htmx_client, company, user, suppliers_bills):
    run = _run(company, user, suppliers_bills)
    PayRun.objects.filter(pk=run.pk).update(status=PayRun.Status.DONE)

    response = htmx_client.get(_url("run-progress", run.pk))

    assert response.status_code == 286
    assert "<html" not in response.content.decode()


def test_someone_who_confirms_second_is_told_and_sees_the_run(
    client_member, company, user, suppliers_bills, enqueued
):
    run = _run(company, user, suppliers_bills)
    token = run.form_token
    other = MembershipFactory(company=company, user__email="olivia@example.com").user
    run_confirm(company=company, actor=other, run_id=run.pk, form_token=token)

    response = client_member.post(_url("run-confirm", run.pk), {"form_token": token})

    assert response.status_code == 302
    assert (
        "Someone else confirmed this pay run first."
        in client_member.get(response.url).content.decode()
    )


def test_the_runs_list_shows_each_run_with_its_totals(
    client_member, company, user, suppliers_bills
):
    run = _run(company, user, suppliers_bills)

    content = client_member.get(_url("run-list")).content.decode()

    assert f'href="{_url("run-detail", run.pk)}"' in content
    assert money(Decimal("720.00"), "USD") in content
    assert "Being prepared" in content


# --- tenancy and methods ------------------------------------------------------------------------------


def test_another_companys_run_and_its_groups_are_404(client_member, other_company, suppliers_bills):
    theirs_owner = MembershipFactory(company=other_company).user
    theirs = _run(other_company, theirs_owner, [BillFactory(company=other_company)])
    group = theirs.groups.get()
    bill_id = theirs.lines.get().bill_id

    for url in (
        _url("run-detail", theirs.pk),
        _url("run-progress", theirs.pk),
    ):
        assert client_member.get(url).status_code == 404
    for url in (
        _url("run-settings", theirs.pk),
        _url("run-amount", theirs.pk, bill_id),
        _url("run-approve", theirs.pk),
        _url("run-confirm", theirs.pk),
        _url("run-cancel", theirs.pk),
        _url("run-retry", theirs.pk, group.pk),
    ):
        assert client_member.post(url, {"amount": "1"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == PayRun.Status.DRAFT


def test_a_group_or_bill_of_another_run_is_404(client_member, company, user, suppliers_bills):
    one = _run(company, user, suppliers_bills[:2])
    two = _run(company, user, suppliers_bills[2:4])

    assert (
        client_member.post(
            _url("run-amount", one.pk, suppliers_bills[2].pk), {"amount": "1"}
        ).status_code
        == 404
    )
    assert client_member.post(_url("run-retry", one.pk, two.groups.first().pk)).status_code == 404


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("run-detail", "post"),
        ("run-progress", "post"),
        ("run-confirm", "get"),
        ("run-approve", "get"),
    ],
)
def test_the_run_urls_refuse_the_wrong_method(
    client_member, company, user, suppliers_bills, name, method
):
    run = _run(company, user, suppliers_bills)

    assert getattr(client_member, method)(_url(name, run.pk)).status_code == 405


def test_create_refuses_get(client_member):
    assert client_member.get(CREATE).status_code == 405


# --- query counts -------------------------------------------------------------------------------------


def _many(company, suppliers, per_supplier):
    bills = []
    for _ in range(suppliers):
        supplier = SupplierFactory(company=company)
        bills += BillFactory.create_batch(per_supplier, company=company, supplier=supplier)
    return bills


@pytest.mark.parametrize("size", [(1, 1), (12, 4)])
def test_the_review_page_makes_the_same_queries_however_big_the_run(
    client_member, company, user, django_assert_max_num_queries, size
):
    AccountMappingFactory(company=company)
    run = _run(company, user, _many(company, *size))

    # 15 here: the page's own, the cash forecast of the one account the run pays from, and the
    # run's approval request (none here: one query says so).
    with django_assert_max_num_queries(15):
        assert client_member.get(_url("run-detail", run.pk)).status_code == 200


@pytest.mark.parametrize("size", [(1, 1), (12, 4)])
def test_the_progress_page_makes_the_same_queries_however_big_the_run(
    client_member, company, user, django_assert_max_num_queries, size, enqueued
):
    AccountMappingFactory(company=company)
    run = _run(company, user, _many(company, *size))
    run_confirm(company=company, actor=user, run_id=run.pk, form_token=run.form_token)

    with django_assert_max_num_queries(7):
        assert client_member.get(_url("run-detail", run.pk)).status_code == 200
    with django_assert_max_num_queries(6):
        assert client_member.get(_url("run-progress", run.pk)).status_code == 200


@pytest.mark.parametrize("runs", [1, 12])
def test_the_runs_list_makes_the_same_queries_however_many_runs(
    client_member, company, user, django_assert_max_num_queries, runs
):
    AccountMappingFactory(company=company)
    for _ in range(runs):
        _run(company, user, _many(company, 2, 1))

    with django_assert_max_num_queries(6):
        assert client_member.get(_url("run-list")).status_code == 200


def test_a_left_out_bill_reads_in_the_readers_language_whoever_made_the_run(
    client_member, company, user, suppliers_bills
):
    paid = BillFactory(
        company=company,
        supplier_name="Acme",
        reference="INV-9",
        amount_due=Decimal("0"),
        codat_status="Paid",
    )
    with translation.override("en"):  # made by someone reading English
        run = _run(company, user, [*suppliers_bills, paid])
    user.language = "fr"
    user.save(update_fields=["language"])

    french = html.unescape(client_member.get(_url("run-detail", run.pk)).content.decode())
    user.language = "en"
    user.save(update_fields=["language"])
    english = html.unescape(client_member.get(_url("run-detail", run.pk)).content.decode())

    assert run.left_out[0]["reason"].startswith("Acme INV-9 is already paid in full")
    assert "Acme INV-9 est déjà payée en totalité\u00a0: il ne reste rien à payer." in french
    assert "Acme INV-9 is already paid in full: there is nothing left to pay." in english
