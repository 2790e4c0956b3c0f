"""The recurring bill pages: list, new and edit (the bill form's lines), the template's page with
its next twelve dates, the live preview, pause and resume."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billpay.core.models import AuditEvent
from billpay.recurring.models import RecurringBill, RecurringOccurrence
from tests.factories import ExpenseAccountFactory, MembershipFactory, SupplierFactory
from tests.security.conftest import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def supplier(company):
    return SupplierFactory(company=company, name="Landlord Ltd")


@pytest.fixture
def account(company):
    return ExpenseAccountFactory(company=company, name="Rent")


def form_data(supplier, account, **fields) -> dict:
    import uuid

    data = {
        "submission_key": str(uuid.uuid4()),
        "supplier": str(supplier.pk),
        "reference": "RENT",
        "currency": "USD",
        "note": "",
        "frequency": "monthly",
        "start_date": "2027-01-31",
        "end_date": "",
        "count": "",
        "due_days": "10",
        "payment_method": "",
        "payment_offset_days": "0",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "200",
        "lines-0-description": "Office rent",
        "lines-0-quantity": "1",
        "lines-0-unit_amount": "1500.10",
        "lines-0-account": str(account.pk),
        "lines-0-tax_rate": "",
    }
    data.update(fields)
    return data


def _create(client, supplier, account, **fields) -> RecurringBill:
    response = client.post(
        reverse("recurring:recurring-new"), form_data(supplier, account, **fields)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return RecurringBill.objects.get(pk=int(response.url.rstrip("/").rsplit("/", 1)[1]))


def test_the_new_page_offers_the_bill_forms_lines_and_a_preview(client_member, supplier, account):
    response = client_member.get(reverse("recurring:recurring-new"))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="lines-0-account"' in page and "Landlord Ltd" in page
    assert 'id="recurring-preview"' in page
    assert page.count("<tr><td>") >= 12  # twelve dates from today, monthly


def test_saving_makes_a_template_with_its_lines_and_an_audit_event(
    client_member, company, user, supplier, account
):
    template = _create(client_member, supplier, account)

    assert template.company == company and template.supplier == supplier
    assert template.frequency == "monthly" and template.start_date == date(2027, 1, 31)
    assert template.total_amount == Decimal("1500.10")
    assert template.created_by == user and template.run_as == user
    [line] = template.lines.all()
    assert line.unit_amount == Decimal("1500.10") and line.account == account
    assert AuditEvent.objects.filter(company=company, action="recurring.created").count() == 1


def test_posting_the_same_form_twice_makes_one_template(client_member, supplier, account):
    data = form_data(supplier, account)

    first = client_member.post(reverse("recurring:recurring-new"), data)
    second = client_member.post(reverse("recurring:recurring-new"), data)

    assert first.url == second.url
    assert RecurringBill.objects.count() == 1


def test_the_template_page_shows_the_next_twelve_dates_month_ends_and_working_days(
    client_member, supplier, account
):
    template = _create(
        client_member, supplier, account, payment_method="bank_transfer", payment_offset_days="0"
    )

    response = client_member.get(reverse("recurring:recurring-detail", args=[template.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "31 Jan 2027" in page and "28 Feb 2027" in page and "31 Mar 2027" in page
    # 28 Feb 2027 + 10 days = Wednesday 10 Mar; 31 Jan + 10 = Wednesday 10 Feb;
    # 30 Apr 2027 + 10 = Monday 10 May; 31 Jul + 10 = Tuesday 10 Aug; 31 Mar + 10 = Saturday 10
    # Apr → paid Monday 12 Apr.
    assert "12 Apr 2027" in page
    assert "Payment date" in page


def test_the_live_preview_is_a_partial_that_follows_the_typed_schedule(htmx_client):
    data = {
        "frequency": "weekly",
        "start_date": "2027-01-01",
        "count": "3",
        "due_days": "1",
        "payment_method": "bank_transfer",
        "payment_offset_days": "0",
    }

    response = htmx_client.post(reverse("recurring:recurring-preview"), data)

    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert page.count("<tr><td>") == 3
    # Friday 1 Jan + 1 day = Saturday 2 Jan: paid Monday 4 Jan.
    assert "4 Jan 2027" in page and "15 Jan 2027" in page and "22 Jan 2027" not in page


def test_a_hostile_preview_is_a_form_answer_not_an_error(htmx_client):
    response = htmx_client.post(
        reverse("recurring:recurring-preview"),
        {"frequency": "yearly", "start_date": "31/31/31", "count": "9" * 40, "due_days": "-1"},
    )

    assert response.status_code == 200
    assert "No dates to come" in response.content.decode()


def test_invalid_input_is_shown_on_the_form(client_member, supplier, account):
    data = form_data(
        supplier, account, end_date="2026-01-01", count="3", **{"lines-0-unit_amount": "abc"}
    )

    response = client_member.post(reverse("recurring:recurring-new"), data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "The last date can&#x27;t be before the first." in page
    assert "not both" in page
    assert RecurringBill.objects.count() == 0


def test_editing_changes_the_template_and_its_lines(client_member, supplier, account, company):
    template = _create(client_member, supplier, account)
    other = ExpenseAccountFactory(company=company, name="Utilities")

    response = client_member.post(
        reverse("recurring:recurring-edit", args=[template.pk]),
        form_data(
            supplier,
            other,
            frequency="quarterly",
            **{"lines-0-unit_amount": "99.99"},
        ),
    )

    assert response.status_code == 302
    template.refresh_from_db()
    assert template.frequency == "quarterly" and template.total_amount == Decimal("99.99")
    assert [line.account for line in template.lines.all()] == [other]
    assert AuditEvent.objects.filter(company=company, action="recurring.changed").exists()


def test_the_edit_page_shows_the_saved_lines(client_member, supplier, account):
    template = _create(client_member, supplier, account)

    response = client_member.get(reverse("recurring:recurring-edit", args=[template.pk]))

    assert 'value="1500.1"' in response.content.decode()


def test_pause_and_resume_are_posts_that_are_audited(client_member, supplier, account, company):
    template = _create(client_member, supplier, account)

    assert (
        client_member.get(reverse("recurring:recurring-pause", args=[template.pk])).status_code
        == 405
    )
    client_member.post(reverse("recurring:recurring-pause", args=[template.pk]))
    template.refresh_from_db()
    assert template.status == "paused"
    page = client_member.get(reverse("recurring:recurring-detail", args=[template.pk]))
    assert "Resume" in page.content.decode()
    client_member.post(reverse("recurring:recurring-resume", args=[template.pk]))
    template.refresh_from_db()
    assert template.status == "active" and template.runs_from == timezone.localdate()
    actions = list(
        AuditEvent.objects.filter(company=company, action__startswith="recurring.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["recurring.created", "recurring.paused", "recurring.resumed"]


def test_an_htmx_pause_redirects_the_client(htmx_client, client_member, supplier, account):
    template = _create(client_member, supplier, account)

    response = htmx_client.post(reverse("recurring:recurring-pause", args=[template.pk]))

    assert response.status_code == 200 and response.headers["HX-Redirect"]


def test_the_list_and_the_page_show_what_a_date_made_or_why_not(
    client_member, supplier, account, company
):
    template = _create(client_member, supplier, account)
    RecurringOccurrence.objects.create(
        company=company,
        template=template,
        date=date(2027, 1, 31),
        submission_key="00000000-0000-0000-0000-000000000001",
        state="refused",
        reason="Landlord Ltd is no longer an active supplier in your books.",
    )

    listing = client_member.get(reverse("recurring:recurring-list")).content.decode()
    page = client_member.get(reverse("recurring:recurring-detail", args=[template.pk]))

    assert "Landlord Ltd" in listing and "$1,500.10" in listing
    assert "no longer an active supplier" in page.content.decode()
    assert "Not created" in page.content.decode()


def test_another_companys_template_is_a_404(client_member, other_company):
    supplier = SupplierFactory(company=other_company)
    account = ExpenseAccountFactory(company=other_company)
    charlie = other_company.memberships.get().user
    template = _create(logged_in(charlie, other_company), supplier, account)

    for name in ("recurring-detail", "recurring-edit"):
        assert (
            client_member.get(reverse(f"recurring:{name}", args=[template.pk])).status_code == 404
        )
    for name in ("recurring-pause", "recurring-resume", "recurring-edit"):
        assert (
            client_member.post(reverse(f"recurring:{name}", args=[template.pk])).status_code == 404
        )
    template.refresh_from_db()
    assert template.status == "active"


def test_another_companys_supplier_cannot_be_chosen(client_member, other_company, account):
    foreign = SupplierFactory(company=other_company)

    response = client_member.post(reverse("recurring:recurring-new"), form_data(foreign, account))

    assert response.status_code == 200
    assert RecurringBill.objects.count() == 0


def test_an_accountant_may_set_one_up_a_viewer_may_only_look(company, supplier, account):
    accountant = MembershipFactory(company=company, role="accountant").user
    viewer = MembershipFactory(company=company, role="viewer").user

    template = _create(logged_in(accountant, company), supplier, account)
    as_viewer = logged_in(viewer, company)

    assert (
        as_viewer.get(reverse("recurring:recurring-detail", args=[template.pk])).status_code == 200
    )
    assert as_viewer.get(reverse("recurring:recurring-new")).status_code == 403
    assert (
        as_viewer.post(reverse("recurring:recurring-pause", args=[template.pk])).status_code == 403
    )
    template.refresh_from_db()
    assert template.status == "active"


def test_the_next_dates_skip_what_is_past(client_member, supplier, account):
    start = timezone.localdate() - timedelta(days=70)
    template = _create(
        client_member, supplier, account, frequency="weekly", start_date=start.isoformat()
    )

    page = client_member.get(reverse("recurring:recurring-detail", args=[template.pk]))

    from django.utils.formats import date_format

    text = page.content.decode()
    assert date_format(start + timedelta(days=7)) not in text  # a past date
    assert date_format(start + timedelta(days=77)) in text  # the first to come


def test_the_page_says_whether_each_bill_reached_the_books(
    client_member, supplier, account, company
):
    from tests.factories import BillFactory

    template = _create(client_member, supplier, account)
    bill = BillFactory(company=company, supplier=supplier, reference="RENT 2027-01-31")
    bill.push_state = "failed"
    bill.save(update_fields=["push_state"])
    RecurringOccurrence.objects.create(
        company=company,
        template=template,
        date=date(2027, 1, 31),
        submission_key="00000000-0000-0000-0000-000000000002",
        state="created",
        bill=bill,
    )

    page = client_member.get(reverse("recurring:recurring-detail", args=[template.pk]))

    text = page.content.decode()
    assert "RENT 2027-01-31" in text and '<span class="badge bad">Failed</span>' in text
