"""Supplier matching: VAT number, then SIREN, then a unique name; active wins; few queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billpay.bills.models import Supplier
from billpay.inbound.einvoice import Party
from billpay.inbound.services.matching import (
    BY_NAME,
    BY_SIREN,
    BY_VAT,
    NEW,
    name_key,
    siren_of,
    supplier_match,
)
from tests.factories import SupplierFactory

VAT = "FR40303265045"  # SIREN 303265045


@pytest.mark.parametrize("written", ["FR 40 303 265 045", "fr40303265045", "FR-40.303.265.045"])
def test_vat_number_matches_however_the_books_write_it(company, written):
    supplier = SupplierFactory(company=company, name="Somebody else", tax_number=written)
    SupplierFactory(company=company, name="Acme")

    assert supplier_match(company=company, party=Party(name="Acme", vat_number=VAT)) == (
        supplier,
        BY_VAT,
    )


@pytest.mark.parametrize("written", ["303 265 045", "303265045 00012", "FR40 303265045"])
def test_siren_matches_a_bare_siren_a_siret_or_a_vat_number(company, written):
    supplier = SupplierFactory(company=company, name="Other name", tax_number=written)

    by_vat = supplier_match(company=company, party=Party(name="Acme", vat_number=VAT))
    by_siren = supplier_match(company=company, party=Party(name="Acme", siren="303265045"))

    assert by_siren == (supplier, BY_SIREN)
    assert by_vat[0] == supplier


def test_siren_from_the_partys_vat_number_finds_a_supplier_with_a_siret(company):
    supplier = SupplierFactory(company=company, name="X", tax_number="30326504500012")
    assert supplier_match(company=company, party=Party(vat_number=VAT)) == (supplier, BY_SIREN)


def test_vat_wins_over_name(company):
    SupplierFactory(company=company, name="Acme")
    by_vat = SupplierFactory(company=company, name="Acme Holdings", tax_number=VAT)
    assert supplier_match(company=company, party=Party(name="ACME", vat_number=VAT)) == (
        by_vat,
        BY_VAT,
    )


@pytest.mark.parametrize(
    "on_invoice", ["ACME SAS", "Acme S.A.S.", "acme", "  Acme,  SARL ", "ÂCMÉ"]
)
def test_name_ignores_case_accents_and_legal_form(company, on_invoice):
    supplier = SupplierFactory(company=company, name="Acme")
    assert supplier_match(company=company, party=Party(name=on_invoice)) == (supplier, BY_NAME)


def test_names_with_accents_and_legal_forms_on_both_sides():
    assert name_key("Société Générale S.A.") == name_key("SOCIETE GENERALE")
    assert name_key("Müller GmbH") == name_key("muller")
    assert name_key("Acme") != name_key("Acme Paris")


def test_a_name_shared_by_two_active_suppliers_matches_nothing(company):
    SupplierFactory(company=company, name="Acme SAS")
    SupplierFactory(company=company, name="ACME")
    assert supplier_match(company=company, party=Party(name="Acme")) == (None, NEW)


def test_archived_suppliers_match_but_active_ones_win(company):
    archived = SupplierFactory(company=company, name="Acme", tax_number=VAT, status="Archived")
    assert supplier_match(company=company, party=Party(vat_number=VAT))[0] == archived

    active = SupplierFactory(company=company, name="Acme SARL", tax_number="FR 40303265045")
    assert supplier_match(company=company, party=Party(vat_number=VAT)) == (active, BY_VAT)
    # By name too: the archived namesake does not make the name ambiguous.
    assert supplier_match(company=company, party=Party(name="acme")) == (active, BY_NAME)


def test_deleted_and_foreign_suppliers_never_match(company, other_company):
    SupplierFactory(company=company, name="Acme", tax_number=VAT, is_deleted=True)
    SupplierFactory(company=other_company, name="Acme", tax_number=VAT)
    assert supplier_match(company=company, party=Party(name="Acme", vat_number=VAT)) == (
        None,
        NEW,
    )


def test_an_empty_party_matches_nothing_without_a_query(company, django_assert_num_queries):
    SupplierFactory(company=company, name="", tax_number="")
    with django_assert_num_queries(0):
        assert supplier_match(company=company, party=Party()) == (None, NEW)


def test_siren_of():
    assert siren_of("FR 40 303 265 045") == "303265045"
    assert siren_of("303 265 045 00012") == "303265045"
    assert siren_of("DE123456789") == ""
    assert siren_of("12345") == ""


def test_two_thousand_suppliers_take_two_queries(company):
    Supplier.objects.bulk_create(
        [
            Supplier(
                company=company,
                codat_supplier_id=f"bulk-{n}",
                name=f"Supplier {n} SARL",
                tax_number=f"FR{n:011d}",
                status="Active",
            )
            for n in range(2000)
        ]
    )
    target = Supplier.objects.get(company=company, codat_supplier_id="bulk-1234")
    for party, how in (
        (Party(vat_number="FR00000001234"), BY_VAT),
        (Party(name="SUPPLIER 1234"), BY_NAME),
    ):
        with CaptureQueriesContext(connection) as queries:
            assert supplier_match(company=company, party=party) == (target, how)
        assert len(queries) == 2
    with CaptureQueriesContext(connection) as queries:
        assert supplier_match(company=company, party=Party(name="Nobody")) == (None, NEW)
    assert len(queries) == 1
