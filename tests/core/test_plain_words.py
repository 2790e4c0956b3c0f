"""Plain words on screen: statuses, data types, fields and platforms by name, one date format."""

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from django import forms
from django.template import Context, Template
from django.urls import reverse

from billpay.core import words
from billpay.core.forms import DateField
from tests.factories import LedgerAccountFactory

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        ("Open", "Unpaid"),
        ("PartiallyPaid", "Partly paid"),
        ("Paid", "Paid"),
        ("Void", "Voided"),
        ("", "Unknown"),
        ("SomethingNew", "Something new"),
    ],
)
def test_bill_statuses_are_words(status, shown):
    assert words.bill_status(status) == shown


def test_data_types_fields_and_platforms_are_words():
    assert words.data_type_name("taxRates") == "Tax rates"
    assert words.data_type_name("chartOfAccounts") == "Accounts"
    assert words.data_type_name("journalEntries") == "Journal entries"
    assert words.field_name("accountName") == "Account name"
    assert words.field_name("lineItems.0.accountRef") == "Line items 0 account ref"
    assert words.platform_name("qhyg") == "QuickBooks Online"
    assert words.platform_name("zzzz") == "Your accounting software"
    assert words.account_status("Archived") == "Closed"
    assert words.payment_method("bank_transfer") == "Bank transfer / ACH"


def test_dates_have_one_format_everywhere():
    rendered = Template("{{ d }}|{{ d|date }}|{{ t|date:'DATETIME_FORMAT' }}").render(
        Context({"d": date(2025, 3, 5), "t": datetime(2025, 3, 5, 14, 5)})
    )
    assert rendered == "5 Mar 2025|5 Mar 2025|5 Mar 2025, 14:05"


def test_every_date_in_a_template_is_written_the_one_way():
    odd = []
    for path in TEMPLATES.rglob("*.html"):
        for fmt in re.findall(r"\|date:\"([^\"]*)\"", path.read_text()):
            if not (fmt.startswith("j M Y") or fmt.endswith("_FORMAT")):
                odd.append(f"{path.relative_to(TEMPLATES)}: {fmt}")
    assert odd == []


def test_no_template_shows_a_bills_status_as_the_books_spell_it():
    raw = re.compile(r"\{\{\s*\w+\.codat_status\s*(\|default[^}]*)?\}\}")
    leaks = [p.name for p in TEMPLATES.rglob("*.html") if raw.search(p.read_text())]
    assert leaks == []


class _DateForm(forms.Form):
    day = DateField(required=False, min_value=date(2020, 1, 1))


@pytest.mark.parametrize("typed", ["5 Mar 2025", "05 march 2025", "5 Mar. 2025", "2025-03-05"])
def test_a_date_input_takes_the_apps_format_and_iso(typed):
    form = _DateForm({"day": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == date(2025, 3, 5)


@pytest.mark.parametrize("typed", ["5 Mär 2025", "31 Feb 2025", "03/05/2025", "5 Marc 2025"])
def test_a_date_input_refuses_anything_else_with_a_message(typed):
    form = _DateForm({"day": typed})
    assert not form.is_valid()
    assert "date" in form.errors["day"][0]


def test_a_date_input_shows_and_limits_in_the_apps_format():
    html = str(_DateForm(initial={"day": date(2025, 3, 5)})["day"])
    assert 'value="5 Mar 2025"' in html and 'type="text"' in html
    form = _DateForm({"day": "31 Dec 2019"})
    assert not form.is_valid()
    assert form.errors["day"] == ["Pick a date on or after 1 Jan 2020."]


@pytest.mark.django_db
def test_the_connect_page_names_platforms_never_their_keys(client_member):
    text = client_member.get(reverse("onboarding:connect")).content.decode()
    assert "QuickBooks Online" in text
    assert "Platform key" not in text and "<code>qhyg</code>" not in text


@pytest.mark.django_db
def test_the_payment_accounts_page_says_closed_not_archived(client_member, company):
    LedgerAccountFactory(company=company, name="Old Savings", status="Archived")
    text = client_member.get(reverse("mapping:mapping-settings")).content.decode()
    assert "Old Savings" in text and "Closed" in text and "Archived" not in text
