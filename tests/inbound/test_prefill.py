"""A draft's prefill (header, new supplier, lines mapped to the books) and its duplicates."""

import uuid
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from billpay.bills.services.create import BillInput, LineInput, bill_create
from billpay.inbound import einvoice
from billpay.inbound.einvoice import CREDIT_NOTE, UBL, Line, ParsedDocument, Party, Totals
from billpay.inbound.models import Draft
from billpay.inbound.services import IncomingFile, inbound_ingest
from billpay.inbound.services.prefill import (
    draft_duplicates,
    draft_prefill,
    drafts_duplicate_ids,
    plain,
)
from tests.factories import (
    BillFactory,
    BillLineFactory,
    CreditNoteFactory,
    ExpenseAccountFactory,
    SupplierFactory,
    TaxRateFactory,
)

VAT = "FR40303265045"
ISSUED = date(2026, 11, 2)
D = Decimal


def doc(**changes) -> ParsedDocument:
    """A one-line invoice from Acme: 2 × 100.00 at 20 % = 240.00."""
    base = ParsedDocument(
        format=UBL,
        kind=einvoice.INVOICE,
        number="F-2026-001",
        issue_date=ISSUED,
        due_date=date(2026, 12, 2),
        currency="EUR",
        supplier=Party(
            name="ACME SAS",
            vat_number=VAT,
            siren="303265045",
            email="billing@acme.example",
            street="1 rue de la Paix",
            city="Paris",
            postal_code="75002",
            country="FR",
        ),
        buyer=Party(name="Alpha Bakery"),
        lines=(Line("Flour, 25 kg", D("2.0000"), D("100.00"), D("200.00"), D("20"), "S"),),
        taxes=(),
        totals=Totals(D("200.00"), D("200.00"), D("40.00"), D("240.00"), D(0), D("240.00")),
        payment_terms="30 days end of month",
    )
    return replace(base, **changes)


def make_draft(company, document=None, **fields) -> Draft:
    document = document or doc()
    values = {
        "company": company,
        "source": Draft.Source.UPLOAD,
        "kind": Draft.Kind.CREDIT_NOTE if document.kind == CREDIT_NOTE else Draft.Kind.BILL,
        "format": document.format,
        "file_name": "invoice.xml",
        "sha256": uuid.uuid4().hex,
        "data": document.to_json(),
        "supplier_name": document.supplier.name,
        "reference": document.number,
        "issue_date": document.issue_date,
        "due_date": document.due_date,
        "currency": document.currency,
        "total_amount": document.totals.payable,
    }
    values.update(fields)
    return Draft.objects.create(**values)


def words(prefill) -> list[str]:
    with translation.override("en"):
        return [str(n) for n in prefill.notices]


@pytest.fixture
def acme(company):
    return SupplierFactory(company=company, name="Acme", tax_number="FR 40 303 265 045")


@pytest.fixture
def books(company):
    """The company's expense accounts and tax rates."""
    return {
        "rent": ExpenseAccountFactory(company=company, name="Rent"),
        "supplies": ExpenseAccountFactory(company=company, name="Supplies"),
        "vat20": TaxRateFactory(company=company, name="TVA 20 %", effective_tax_rate=D("20")),
        "vat10": TaxRateFactory(company=company, name="TVA 10 %", effective_tax_rate=D("10")),
    }


def past_bill(company, supplier, account, rate=None, days_ago=30, **fields):
    bill = BillFactory(
        company=company, supplier=supplier, issue_date=ISSUED - timedelta(days=days_ago), **fields
    )
    BillLineFactory(
        bill=bill,
        codat_account_id=account.codat_account_id,
        codat_tax_rate_id=rate.codat_tax_rate_id if rate else "",
    )
    return bill


# --- header ------------------------------------------------------------------------------


def test_the_header_of_a_matched_supplier(company, acme, books):
    prefill = draft_prefill(draft=make_draft(company, supplier=acme))

    assert prefill.header == {
        "supplier": acme.pk,
        "new_supplier_name": "",
        "new_supplier_email": "",
        "reference": "F-2026-001",
        "issue_date": ISSUED,
        "due_date": date(2026, 12, 2),
        "currency": "EUR",
        "note": "30 days end of month",
    }
    assert prefill.new_supplier is None


def test_no_due_date_on_the_invoice_takes_the_suppliers_terms(company, acme, books):
    old = BillFactory(company=company, supplier=acme, issue_date=date(2026, 1, 1))
    old.due_date = date(2026, 1, 16)
    old.save()
    draft = make_draft(company, doc(due_date=None), supplier=acme)

    assert draft_prefill(draft=draft).header["due_date"] == ISSUED + timedelta(days=15)


def test_no_due_date_and_no_terms_leaves_it_for_the_form(company, acme, books):
    draft = make_draft(company, doc(due_date=None), supplier=acme)
    assert draft_prefill(draft=draft).header["due_date"] is None


def test_an_unknown_supplier_is_a_new_one_with_all_the_invoices_details(company, books):
    prefill = draft_prefill(draft=make_draft(company))

    assert prefill.header["supplier"] is None
    assert prefill.header["new_supplier_name"] == "ACME SAS"
    assert prefill.header["new_supplier_email"] == "billing@acme.example"
    supplier = prefill.new_supplier
    assert (supplier.name, supplier.email, supplier.tax_number) == (
        "ACME SAS",
        "billing@acme.example",
        VAT,
    )
    assert (supplier.address_line1, supplier.city, supplier.postal_code, supplier.country) == (
        "1 rue de la Paix",
        "Paris",
        "75002",
        "FR",
    )
    assert supplier.default_currency == "EUR"


def test_a_supplier_created_since_the_draft_came_in_is_found_and_kept(company, books):
    draft = make_draft(company)
    assert draft.supplier is None
    supplier = SupplierFactory(company=company, name="Somebody", tax_number="fr40303265045")

    prefill = draft_prefill(draft=draft)

    assert prefill.header["supplier"] == supplier.pk and prefill.new_supplier is None
    assert Draft.objects.get(pk=draft.pk).supplier == supplier


def test_a_credit_note_fills_the_credit_note_form(company, acme, books):
    note = doc(kind=CREDIT_NOTE, number="AV-7", due_date=None)
    prefill = draft_prefill(draft=make_draft(company, note, supplier=acme))

    assert prefill.header == {
        "supplier": acme.pk,
        "number": "AV-7",
        "issue_date": ISSUED,
        "currency": "EUR",
        "note": "30 days end of month",
    }
    assert prefill.lines[0]["unit_amount"] == "100"


def test_a_file_only_draft_has_one_empty_line(company):
    draft = Draft.objects.create(
        company=company, source=Draft.Source.EMAIL, kind=Draft.Kind.FILE, file_name="scan.pdf"
    )
    prefill = draft_prefill(draft=draft)
    assert prefill.header["supplier"] is None and prefill.header["currency"] == "USD"
    assert [line["unit_amount"] for line in prefill.lines] == [""]


# --- lines -------------------------------------------------------------------------------


def test_lines_are_plain_strings_with_the_last_account_and_the_same_rate(company, acme, books):
    past_bill(company, acme, books["supplies"], days_ago=60)
    past_bill(company, acme, books["rent"], days_ago=10)  # the latest
    lines = (
        Line("Flour", D("2.0000"), D("1500.5000"), D("3001.00"), D("20.00"), "S"),
        Line("Sugar", D("1"), D("100"), D("100"), D("10"), "S"),
    )
    totals = Totals(D("3101"), D("3101"), D("610.20"), D("3711.20"), D(0), D("3711.20"))
    prefill = draft_prefill(draft=make_draft(company, doc(lines=lines, totals=totals)))

    assert prefill.lines == [
        {
            "description": "Flour",
            "quantity": "2",
            "unit_amount": "1500.5",
            "account": books["rent"].pk,
            "tax_rate": books["vat20"].pk,
        },
        {
            "description": "Sugar",
            "quantity": "1",
            "unit_amount": "100",
            "account": books["rent"].pk,
            "tax_rate": books["vat10"].pk,
        },
    ]
    assert words(prefill) == []


def test_plain_decimals():
    assert [plain(D(x)) for x in ("2.0000", "100", "1E+2", "0.125", "0.0000")] == [
        "2",
        "100",
        "100",
        "0.125",
        "0",
    ]


def test_confirming_with_another_account_changes_the_next_prefill(
    company, user, acme, books, enqueued
):
    past_bill(company, acme, books["supplies"], days_ago=60)
    first = draft_prefill(draft=make_draft(company))
    assert first.lines[0]["account"] == books["supplies"].pk

    bill_create(  # the user confirms the draft, booking it to Rent instead
        company=company,
        actor=user,
        data=BillInput(
            supplier=acme,
            reference="F-2026-001",
            issue_date=ISSUED,
            due_date=ISSUED + timedelta(days=30),
            currency="EUR",
            lines=[LineInput("Flour", D("2"), D("100"), books["rent"], books["vat20"])],
        ),
        submission_key=uuid.uuid4(),
    )

    second = draft_prefill(draft=make_draft(company, doc(number="F-2026-002")))
    assert second.lines[0]["account"] == books["rent"].pk


def test_an_account_no_longer_offered_is_left_empty_with_a_notice(company, acme, books):
    past_bill(company, acme, books["supplies"])
    books["supplies"].status = "Archived"
    books["supplies"].save()

    prefill = draft_prefill(draft=make_draft(company))

    assert prefill.lines[0]["account"] is None
    assert "The expense account last used for this supplier can no longer be chosen" in (
        " ".join(words(prefill))
    )


def test_a_new_supplier_asks_for_an_account(company, books):
    prefill = draft_prefill(draft=make_draft(company))
    assert prefill.lines[0]["account"] is None
    assert "Choose the expense account for the new supplier." in words(prefill)


def test_reverse_charge_prefers_a_rate_that_says_so(company, acme, books):
    TaxRateFactory(company=company, name="Exonéré", effective_tax_rate=D("0"))
    reverse = TaxRateFactory(
        company=company, name="Autoliquidation UE", code="", effective_tax_rate=D("0")
    )
    lines = (Line("Consulting", D("1"), D("500"), D("500"), D("0"), "AE"),)
    totals = Totals(D("500"), D("500"), D("0"), D("500"), D(0), D("500"))

    prefill = draft_prefill(draft=make_draft(company, doc(lines=lines, totals=totals)))

    assert prefill.lines[0]["tax_rate"] == reverse.pk
    assert not any("tax rate" in w for w in words(prefill))


def test_reverse_charge_without_such_a_rate_takes_a_zero_rate_with_a_notice(company, books):
    zero = TaxRateFactory(company=company, name="Zero rated", effective_tax_rate=D("0"))
    lines = (Line("Consulting", D("1"), D("500"), D("500"), None, "AE"),)
    totals = Totals(D("500"), D("500"), D("0"), D("500"), D(0), D("500"))

    prefill = draft_prefill(draft=make_draft(company, doc(lines=lines, totals=totals)))

    assert prefill.lines[0]["tax_rate"] == zero.pk
    assert (
        "No tax rate in your books says reverse charge: Zero rated is used for the "
        "reverse-charged lines. Check it." in words(prefill)
    )


def test_an_ordinary_zero_rate_line_does_not_take_the_reverse_charge_rate(company, books):
    TaxRateFactory(company=company, name="A reverse charge", effective_tax_rate=D("0"))
    exempt = TaxRateFactory(company=company, name="Exempt", effective_tax_rate=D("0"))
    lines = (Line("Stamps", D("1"), D("5"), D("5"), D("0"), "E"),)
    totals = Totals(D("5"), D("5"), D("0"), D("5"), D(0), D("5"))

    prefill = draft_prefill(draft=make_draft(company, doc(lines=lines, totals=totals)))

    assert prefill.lines[0]["tax_rate"] == exempt.pk


def test_two_rates_at_20_prefer_the_one_used_last_for_the_supplier(company, acme, books):
    other20 = TaxRateFactory(company=company, name="A 20 % services", effective_tax_rate=D("20"))
    past_bill(company, acme, books["rent"], rate=books["vat20"], days_ago=90)
    past_bill(company, acme, books["rent"], rate=other20, days_ago=5)

    prefill = draft_prefill(draft=make_draft(company))

    assert prefill.lines[0]["tax_rate"] == other20.pk
    assert "Several tax rates in your books are 20 %: A 20 % services is used. Check it." in words(
        prefill
    )


def test_two_rates_at_20_without_history_take_the_first_by_name(company, books):
    first = TaxRateFactory(company=company, name="A 20 %", effective_tax_rate=D("20.0000"))
    prefill = draft_prefill(draft=make_draft(company))
    assert prefill.lines[0]["tax_rate"] == first.pk
    assert any(w.startswith("Several tax rates in your books are 20 %") for w in words(prefill))


def test_a_rate_the_books_do_not_have_is_left_empty_and_named(company, acme, books):
    lines = (Line("Books", D("1"), D("100"), D("100"), D("5.50"), "S"),)
    totals = Totals(D("100"), D("100"), D("5.50"), D("105.50"), D(0), D("105.50"))

    prefill = draft_prefill(draft=make_draft(company, doc(lines=lines, totals=totals)))

    assert prefill.lines[0]["tax_rate"] is None
    assert "No tax rate in your books is 5.5 %: choose one." in words(prefill)
    with translation.override("fr"):
        assert any("5.5" in str(n) for n in prefill.notices)


def test_zero_quantity_lines_are_left_out_with_a_notice(company, acme, books):
    lines = (
        Line("Free sample", D("0"), D("10"), D("0"), D("20"), "S"),
        Line("Flour, 25 kg", D("2"), D("100"), D("200"), D("20"), "S"),
    )
    prefill = draft_prefill(draft=make_draft(company, doc(lines=lines)))

    assert [line["description"] for line in prefill.lines] == ["Flour, 25 kg"]
    assert "Line 1 of the invoice has no quantity: it is left out." in words(prefill)


def test_a_negative_line_is_kept_with_a_notice(company, acme, books):
    lines = (
        Line("Flour, 25 kg", D("2"), D("120"), D("240"), D("20"), "S"),
        Line("Loyalty discount", D("-1"), D("40"), D("-40"), D("20"), "S"),
    )
    prefill = draft_prefill(draft=make_draft(company, doc(lines=lines)))

    assert [line["quantity"] for line in prefill.lines] == ["2", "-1"]
    assert (
        "Line 2 of the invoice is a negative amount, which a bill line can't hold: change the "
        "lines so that they add up to the invoice." in words(prefill)
    )
    assert not any("total" in w for w in words(prefill))  # 240 − 40 + 20 % = 240.00


def test_the_last_account_comes_from_the_latest_dated_bill_not_an_undated_one(company, acme, books):
    past_bill(company, acme, books["rent"], days_ago=3)
    undated = past_bill(company, acme, books["supplies"])
    undated.issue_date = None
    undated.save()

    assert draft_prefill(draft=make_draft(company)).lines[0]["account"] == books["rent"].pk


def test_an_invoice_without_lines_gives_one_empty_line_and_a_notice(company, acme, books):
    past_bill(company, acme, books["rent"])
    prefill = draft_prefill(draft=make_draft(company, doc(lines=(), profile="minimum")))

    assert prefill.lines == [
        {
            "description": "",
            "quantity": "1",
            "unit_amount": "",
            "account": books["rent"].pk,
            "tax_rate": None,
        }
    ]
    assert "The invoice gives no lines to copy: type them from the invoice's file." in words(
        prefill
    )


def test_totals_that_differ_once_rounded_per_line_are_shown_both(company, acme, books):
    # 0.125 a line rounds to 0.13 + 0.03 tax here, 0.48 in all; the document rounded once: 0.46.
    lines = tuple(Line(f"Screw {n}", D("1"), D("0.125"), D("0.125"), D("20"), "S") for n in "abc")
    totals = Totals(D("0.375"), D("0.38"), D("0.08"), D("0.46"), D(0), D("0.46"))

    prefill = draft_prefill(draft=make_draft(company, doc(lines=lines, totals=totals)))

    assert (
        "The invoice's total is €0.46 but its lines, as filled in here, come to €0.48. "
        "Check the lines and tax rates." in words(prefill)
    )
    with translation.override("fr"):
        assert "0,46" in " ".join(str(n) for n in prefill.notices)


def test_totals_that_agree_give_no_notice(company, acme, books):
    past_bill(company, acme, books["rent"])
    assert words(draft_prefill(draft=make_draft(company))) == []


# --- duplicates --------------------------------------------------------------------------


def test_a_bill_with_the_same_number_is_a_duplicate(company, acme, books):
    bill = BillFactory(company=company, supplier=acme, reference="  f-2026-001 ")
    BillFactory(company=company, reference="F-2026-001")  # another supplier's
    draft = make_draft(company, supplier=acme)

    assert draft_duplicates(draft=draft).bills == [bill]
    assert drafts_duplicate_ids(company=company, drafts=[draft]) == {draft.pk}


def test_a_bill_with_the_same_amount_and_date_is_a_duplicate(company, acme):
    bill = BillFactory(
        company=company,
        supplier=acme,
        reference="other",
        issue_date=ISSUED,
        total_amount=D("240.00"),
    )
    BillFactory(  # voided: no longer counts
        company=company, supplier=acme, reference="F-2026-001", codat_status="Void"
    )
    BillFactory(  # same amount, another day
        company=company, supplier=acme, reference="x", issue_date=ISSUED, total_amount=D("241")
    )
    assert draft_duplicates(draft=make_draft(company, supplier=acme)).bills == [bill]


def test_a_draft_of_another_supplier_number_and_amount_is_no_duplicate(company, acme):
    BillFactory(company=company, supplier=acme, reference="F-1", total_amount=D("1"))
    draft = make_draft(company, supplier=acme)
    assert not draft_duplicates(draft=draft)
    assert drafts_duplicate_ids(company=company, drafts=[draft]) == set()


def test_a_credit_note_draft_is_checked_against_credit_notes(company, acme):
    note = CreditNoteFactory(company=company, supplier=acme, number="AV-7")
    BillFactory(company=company, supplier=acme, reference="AV-7")
    draft = make_draft(company, doc(kind=CREDIT_NOTE, number="av-7"), supplier=acme)

    found = draft_duplicates(draft=draft)
    assert found.credit_notes == [note] and found.bills == []


def test_drafts_of_the_same_supplier_by_vat_or_name_are_duplicates(company):
    first = make_draft(company)
    by_vat = make_draft(company, doc(supplier=Party(name="Acme Paris", vat_number=VAT)))
    by_name = make_draft(company, doc(supplier=Party(name="acme"), number="x"), total_amount=D(240))
    stranger = make_draft(company, doc(supplier=Party(name="Globex")))

    assert draft_duplicates(draft=first).drafts == sorted(
        [by_vat, by_name], key=lambda d: (-d.created_at.timestamp(), -d.pk)
    )
    assert draft_duplicates(draft=stranger).drafts == []


def test_the_same_file_twice_is_a_duplicate_whatever_it_holds(company):
    file_draft = Draft.objects.create(
        company=company,
        source=Draft.Source.EMAIL,
        kind=Draft.Kind.FILE,
        file_name="scan.pdf",
        sha256="a" * 64,
    )
    again = Draft.objects.create(
        company=company,
        source=Draft.Source.UPLOAD,
        kind=Draft.Kind.FILE,
        file_name="scan (1).pdf",
        sha256="a" * 64,
    )
    assert draft_duplicates(draft=again).drafts == [file_draft]


def test_discarded_and_refused_drafts_do_not_count_created_ones_do(company, acme):
    make_draft(company, status=Draft.Status.DISCARDED)
    make_draft(company, status=Draft.Status.REFUSED)
    draft = make_draft(company, supplier=acme)
    assert not draft_duplicates(draft=draft)

    created = make_draft(company, status=Draft.Status.CREATED)
    assert draft_duplicates(draft=draft).drafts == [created]
    assert draft_duplicates(draft=created) == draft_duplicates(draft=created)  # no error
    assert not draft_duplicates(draft=created)  # only open drafts are checked


def test_a_foreign_companys_bills_and_drafts_never_count(company, other_company, acme):
    foreign = SupplierFactory(company=other_company, name="Acme", tax_number=VAT)
    BillFactory(company=other_company, supplier=foreign, reference="F-2026-001")
    make_draft(other_company, sha256="b" * 64)
    assert not draft_duplicates(draft=make_draft(company, supplier=acme, sha256="b" * 64))


def test_flagging_a_page_of_drafts_takes_a_constant_number_of_queries(company):
    suppliers = [SupplierFactory(company=company, name=f"Supplier {n}") for n in range(3)]

    def page(size):
        drafts = []
        for n in range(size):
            supplier = suppliers[n % 3]
            BillFactory(company=company, supplier=supplier, reference=f"N-{size}-{n}")
            drafts.append(
                make_draft(
                    company,
                    doc(number=f"N-{size}-{n}", supplier=Party(name=supplier.name)),
                    supplier=supplier,
                )
            )
        return drafts

    small, large = page(2), page(20)
    counts = []
    for drafts in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert drafts_duplicate_ids(company=company, drafts=drafts) == {d.pk for d in drafts}
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 4

    listed = list(Draft.objects.filter(pk__in=[d.pk for d in large]).defer("data"))
    with CaptureQueriesContext(connection) as queries:  # a list that leaves the documents out
        assert drafts_duplicate_ids(company=company, drafts=listed) == {d.pk for d in large}
    assert len(queries) == counts[1]


def test_an_ingested_e_invoice_is_prefilled(company, acme, books):
    past_bill(company, acme, books["rent"])
    with mock.patch.object(einvoice, "parse", return_value=doc()):
        outcome = inbound_ingest(
            company=company, files=[IncomingFile("a.xml", b"<x/>")], source=Draft.Source.UPLOAD
        )
    [draft] = outcome.drafts
    prefill = draft_prefill(draft=draft)
    assert prefill.header["supplier"] == acme.pk
    assert prefill.lines[0]["account"] == books["rent"].pk
    assert prefill.lines[0]["tax_rate"] == books["vat20"].pk

    with mock.patch.object(einvoice, "parse", return_value=doc()):
        again = inbound_ingest(
            company=company, files=[IncomingFile("a.xml", b"<x/>")], source=Draft.Source.UPLOAD
        )
    assert draft_duplicates(draft=again.drafts[0]).drafts == [draft]
