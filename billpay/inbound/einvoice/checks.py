"""What a reader checks once a document is read: identifiers and totals. Never a refusal: each
problem is a warning on the draft, with the amounts, and the user decides."""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_noop
from stdnum import get_cc_module
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret

from billpay.core.words import Money, Phrase, phrase
from billpay.inbound.einvoice.document import ParsedDocument, Party

TOLERANCE = Decimal("0.01")  # on amounts the document rounded (a rate applied to a base)
# Categories where no tax is due: reverse charge, exempt, zero, intra-EU, export, outside scope.
NO_TAX_CATEGORIES = {"AE", "E", "Z", "K", "G", "O"}


def checked(document: ParsedDocument) -> ParsedDocument:
    """The document with its parties' identifiers checked and its totals cross-checked."""
    warnings: list[Phrase] = list(document.warnings)
    supplier = _party(document.supplier, warnings, buyer=False)
    buyer = _party(document.buyer, warnings, buyer=True)
    warnings += _totals(document)
    return replace(document, supplier=supplier, buyer=buyer, warnings=tuple(warnings))


# --- identifiers ----------------------------------------------------------------------------


def valid_vat(number: str) -> str:
    """The compact VAT number if it is valid, else "". EU numbers by `stdnum.eu.vat`; another
    country's by its own module when stdnum has one (GB, CH, NO...)."""
    if not number:
        return ""
    try:
        return eu_vat.validate(number)
    except ValidationError:
        pass
    compact = "".join(c for c in number.upper() if c.isalnum())
    country = compact[:2].lower()
    if country.isalpha() and country not in eu_vat.MEMBER_STATES and country != "el":
        module = get_cc_module(country, "vat")
        if module is not None:
            try:
                module.validate(compact)
                return compact
            except ValidationError:
                try:
                    module.validate(compact[2:])
                    return compact
                except ValidationError:
                    return ""
    return ""


def _party(party: Party, warnings: list[Phrase], *, buyer: bool) -> Party:
    vat = valid_vat(party.vat_number)
    if party.vat_number and not vat:
        warnings.append(
            phrase(
                gettext_noop("The buyer's VAT number %(number)s is not valid."),
                number=party.vat_number,
            )
            if buyer
            else phrase(
                gettext_noop("The supplier's VAT number %(number)s is not valid."),
                number=party.vat_number,
            )
        )
    siren = ""
    if party.siren:
        try:
            siren = fr_siren.validate(party.siren)
        except ValidationError:
            warnings.append(
                phrase(
                    gettext_noop("The buyer's SIREN %(number)s is not valid."), number=party.siren
                )
                if buyer
                else phrase(
                    gettext_noop("The supplier's SIREN %(number)s is not valid."),
                    number=party.siren,
                )
            )
    if not siren and party.registration and fr_siret.is_valid(party.registration):
        siren = fr_siret.to_siren(fr_siret.compact(party.registration))  # a SIRET (scheme 0009)
    if not siren and vat.startswith("FR") and vat[4:].isdigit():
        siren = vat[4:]  # a French VAT number: FR + 2-character key + the SIREN
        if not fr_siren.is_valid(siren):
            siren = ""
    return replace(party, vat_number=vat, siren=siren)


# --- totals ---------------------------------------------------------------------------------


def _totals(document: ParsedDocument) -> list[Phrase]:
    totals, currency = document.totals, document.currency

    def money(amount: Decimal) -> Money:
        return Money(amount, currency)

    warnings: list[Phrase] = []
    if not document.lines:
        warnings.append(
            phrase(
                gettext_noop(
                    "This e-invoice gives its totals but not its lines: type the lines on the draft."
                )
            )
        )
    else:
        lines = sum((line.net_amount for line in document.lines), Decimal(0))
        if lines != totals.line_total:
            warnings.append(
                phrase(
                    gettext_noop(
                        "The lines add up to %(sum)s, but the invoice says the lines total "
                        "%(total)s."
                    ),
                    sum=money(lines),
                    total=money(totals.line_total),
                )
            )
        for position, line in enumerate(document.lines, 1):
            if line.tax_rate is None and line.tax_category not in NO_TAX_CATEGORIES:
                warnings.append(
                    phrase(gettext_noop("Line %(line)s has no tax rate."), line=str(position))
                )
    expected = totals.line_total - totals.allowances + totals.charges
    if document.lines and expected != totals.tax_exclusive:
        warnings.append(
            phrase(
                gettext_noop(
                    "The lines total less discounts and plus charges makes %(expected)s, but "
                    "the invoice's total without tax is %(total)s."
                ),
                expected=money(expected),
                total=money(totals.tax_exclusive),
            )
        )
    if document.taxes:
        taxes = sum((tax.tax_amount for tax in document.taxes), Decimal(0))
        if taxes != totals.tax_amount:
            warnings.append(
                phrase(
                    gettext_noop(
                        "The tax by rate adds up to %(sum)s, but the invoice's total tax is "
                        "%(total)s."
                    ),
                    sum=money(taxes),
                    total=money(totals.tax_amount),
                )
            )
        for tax in document.taxes:
            warnings += _breakdown(tax, money)
    expected = totals.tax_exclusive + totals.tax_amount
    if expected != totals.tax_inclusive:
        warnings.append(
            phrase(
                gettext_noop(
                    "The total without tax plus the tax makes %(expected)s, but the invoice's "
                    "total with tax is %(total)s."
                ),
                expected=money(expected),
                total=money(totals.tax_inclusive),
            )
        )
    expected = totals.tax_inclusive - totals.prepaid + totals.rounding
    if expected != totals.payable:
        warnings.append(
            phrase(
                gettext_noop(
                    "The total with tax less what was already paid makes %(expected)s, but the "
                    "invoice's amount due is %(total)s."
                ),
                expected=money(expected),
                total=money(totals.payable),
            )
        )
    return warnings


def _breakdown(tax, money) -> list[Phrase]:
    """A rate applied to its base, within a cent of the tax the document states."""
    if tax.rate is None:
        return []
    if tax.category in NO_TAX_CATEGORIES and tax.tax_amount == 0:
        return []  # reverse charge, exempt...: no tax here, whatever rate is written
    computed = (tax.taxable_amount * tax.rate / 100).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    if abs(computed - tax.tax_amount) <= TOLERANCE:
        return []
    return [
        phrase(
            gettext_noop(
                "Tax at %(rate)s %% on %(base)s makes %(expected)s, but the invoice says %(total)s."
            ),
            rate=_rate(tax.rate),
            base=money(tax.taxable_amount),
            expected=money(computed),
            total=money(tax.tax_amount),
        )
    ]


def _rate(rate: Decimal) -> str:
    return format(rate.normalize(), "f") if rate == rate.to_integral() else str(rate)
