"""The inbox in French (its dates and amounts), and its CSV for French Excel: semicolons, decimal
commas, UTF-8 with a BOM (issue 14)."""

import csv
import html
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import BillFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_excel_export_uses_semicolons_decimal_commas_and_a_bom(
    client_member, company, connected
):
    BillFactory(
        company=company,
        supplier_name="Société Générale; Fils",
        reference="F-1",
        currency="EUR",
        total_amount=Decimal("1234.50"),
        amount_due=Decimal("0.10"),
    )

    response = client_member.get(reverse("bills:inbox-csv"), {"format": "excel"})
    body = _body(response)

    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8's byte order mark
    assert response["Content-Disposition"].endswith('-excel.csv"')
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0]["supplier_name"] == "Société Générale; Fils"
    assert rows[0]["total_amount"] == "1234,5000"
    assert rows[0]["amount_due"] == "0,1000"
    assert Decimal(rows[0]["amount_due"].replace(",", ".")) == Decimal("0.10")


def test_the_plain_export_keeps_commas_points_and_no_bom(client_member, company, connected):
    BillFactory(company=company, currency="EUR", total_amount=Decimal("1234.50"))

    body = _body(client_member.get(reverse("bills:inbox-csv")))

    assert not body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert Decimal(rows[0]["total_amount"]) == Decimal("1234.50")


def test_a_formula_stays_text_in_the_excel_export_too(client_member, company, connected):
    BillFactory(company=company, supplier_name="=HYPERLINK(1)")

    body = _body(client_member.get(reverse("bills:inbox-csv"), {"format": "excel"}))

    assert "'=HYPERLINK(1)" in body.decode("utf-8-sig")


def test_the_inbox_offers_both_exports_by_plain_names_with_the_filter(
    client_member, company, connected
):
    BillFactory(company=company, currency="EUR")

    page = client_member.get(reverse("bills:inbox"), {"currency": "EUR"}).content.decode()

    links = {
        text: html.unescape(href)
        for href, text in re.findall(
            r'<a href="([^"]*inbox[^"]*|[^"]*export\.csv[^"]*)" download>([^<]+)</a>', page
        )
    }
    assert links["Export CSV"] == reverse("bills:inbox-csv") + "?currency=EUR"
    assert links["Export for Excel in French (semicolons, decimal comma)"] == (
        reverse("bills:inbox-csv") + "?currency=EUR&format=excel"
    )


def test_the_exports_are_named_in_french_for_a_french_user(client_member, company, connected):
    BillFactory(company=company)

    page = client_member.get(reverse("bills:inbox"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert ">Exporter en CSV</a>" in page
    assert ">Exporter pour Excel en français (points-virgules, virgule décimale)</a>" in page


def test_an_unknown_export_format_is_the_plain_one(client_member, company, connected):
    BillFactory(company=company)

    body = _body(client_member.get(reverse("bills:inbox-csv"), {"format": "\x00weird"}))

    assert body.startswith(b"supplier_name,")


def test_the_inbox_writes_dates_and_amounts_the_french_way(client_member, company, connected):
    BillFactory(
        company=company,
        currency="EUR",
        issue_date=date(2026, 8, 24),
        due_date=date(2026, 12, 3),
        total_amount=Decimal("1234.56"),
        amount_due=Decimal("1234.56"),
    )

    page = client_member.get(reverse("bills:inbox"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "24 août 2026" in page and "3 déc. 2026" in page
    assert "1\u202f234,56\u00a0€" in page
