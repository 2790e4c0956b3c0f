from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from billpay.bills.models import Bill
from billpay.bills.templatetags.bills import (
    day,
    due_label,
    inbox_rows,
    quantity,
    review_class,
    status_class,
)

TODAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("days", "label"),
    [
        (-3, "overdue by 3 days"),
        (-1, "overdue by 1 day"),
        (0, "due today"),
        (1, "due in 1 day"),
        (3, "due in 3 days"),
        (30, "due in 30 days"),
        (31, ""),
    ],
)
def test_due_label_says_how_far_the_due_date_is(days, label):
    assert due_label(TODAY + timedelta(days=days), Decimal("10.00"), TODAY) == label


def test_due_label_is_empty_for_a_bill_with_nothing_left_to_pay():
    assert due_label(TODAY - timedelta(days=3), Decimal("0.0000"), TODAY) == ""


def test_due_label_is_empty_for_a_bill_without_a_due_date():
    assert due_label(None, Decimal("10.00"), TODAY) == ""


@pytest.mark.parametrize(
    ("value", "shown"),
    [("10.0000", "10"), ("1000.0000", "1000"), ("2.5000", "2.5"), ("0.0001", "0.0001")],
)
def test_quantity_is_plain_without_trailing_zeros(value, shown):
    assert quantity(Decimal(value)) == shown


def test_quantity_of_nothing_is_empty():
    assert quantity(None) == ""


def test_status_and_review_classes_colour_known_states_only():
    assert [status_class(s) for s in ["Paid", "PartiallyPaid", "Void", "Draft", "Open"]] == [
        "ok",
        "info",
        "bad",
        "warn",
        "",
    ]
    assert [review_class(s) for s in ["approved", "rejected", "pending"]] == ["ok", "bad", ""]


@pytest.mark.parametrize("language", ["en-us", "de", "fr"])
def test_day_writes_what_the_date_filter_writes_in_the_active_language(language):
    dates = [TODAY, date(2025, 12, 1), date(1, 1, 1), date(9999, 12, 31)]
    template = Template("{% for d in dates %}{{ d|date }}|{% endfor %}")
    with translation.override(language):
        expected = template.render(Context({"dates": dates}))
        assert "".join(f"{day(d)}|" for d in dates) == expected
    assert day(None) == ""


def test_inbox_rows_hold_the_text_the_row_used_to_work_out_in_the_template():
    paid_off = Bill(
        pk=7,
        codat_bill_id="b-7",
        supplier_name="",
        reference="",
        issue_date=None,
        due_date=TODAY - timedelta(days=1),
        currency="KWD",
        total_amount=Decimal("1234.5"),
        amount_due=Decimal("0"),
        codat_status="",
        review_status="rejected",
        push_state="in_books",
    )
    owed = Bill(
        pk=8,
        codat_bill_id="b-8",
        supplier_name="Acme <Ltd>",
        reference="INV-1",
        issue_date=TODAY,
        due_date=TODAY - timedelta(days=3),
        currency="USD",
        total_amount=Decimal("120"),
        amount_due=Decimal("99.995"),
        codat_status="PartiallyPaid",
        review_status="approved",
    )

    first, second = inbox_rows([paid_off, owed], TODAY, "/bills/")

    assert (first.id, first.url, first.payable, first.overdue) == ("7", "/bills/7/", False, False)
    assert (first.supplier, first.reference, first.issued, first.due_note) == (
        "(no supplier)",
        "—",
        "—",
        "",
    )
    assert (first.total, first.amount_due, first.status, first.status_class) == (
        "KWD1,234.500",
        "KWD0.000",
        "Unknown",
        "",
    )
    assert (first.review_class, first.review_label, first.push_state) == (
        "bad",
        "Rejected",
        "in_books",
    )
    assert (second.payable, second.overdue, second.due_note) == (True, True, "overdue by 3 days")
    assert (second.supplier, second.issued, second.due) == (
        "Acme <Ltd>",
        "10 Mar 2026",
        "7 Mar 2026",
    )
    assert (second.amount_due, second.status_class, second.review_class) == (
        "$100.00",
        "info",
        "ok",
    )


def test_inbox_rows_html_escapes_every_value_as_the_template_did():
    hostile = Bill(
        pk=9,
        codat_bill_id="b-9",
        supplier_name='Acme <script>alert("x")</script> & Sons',
        reference="INV-'1'",
        issue_date=TODAY,
        due_date=TODAY - timedelta(days=2),
        currency="USD",
        total_amount=Decimal("120"),
        amount_due=Decimal("120"),
        codat_status="Open",
        review_status="pending",
        push_state="failed",
        push_error='Refused: "<b>" is not allowed' + "x" * 80,
    )
    html = Template(
        "{% load bills %}{% inbox_rows_html bills today '/bills/' '/pay/' platform %}"
    ).render(Context({"bills": [hostile], "today": TODAY, "platform": 'Q<B>"O'}))

    assert "<script>" not in html and "<b>" not in html
    assert "Acme &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Sons" in html
    assert 'id="ref-9">INV-&#x27;1&#x27;</td>' in html
    assert 'title="Refused: &quot;&lt;b&gt;&quot; is not allowed' in html
    assert 'class="overdue"' in html and "overdue by 2 days" in html
    assert html.count("<tr") == 1 and html.count("</tr>") == 1


def test_the_remembered_due_and_status_words_follow_the_active_language():
    """`due_label` and the statuses are remembered per language (the inbox's profile): switching
    languages back and forth never serves one language's words in the other."""
    from billpay.core.words import bill_status

    due = TODAY + timedelta(days=3)
    seen = {}
    for language in ("en", "fr", "en", "fr"):
        with translation.override(language):
            seen.setdefault(language, set()).add(
                (due_label(due, Decimal("1"), TODAY), bill_status("PartiallyPaid"))
            )
    assert seen == {
        "en": {("due in 3 days", "Partly paid")},
        "fr": {("échéance dans 3 jours", "Partiellement payée")},
    }
