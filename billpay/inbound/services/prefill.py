"""What a draft fills in: the create form's header and lines, and what the user should check.

The supplier is matched again when the draft has none (one may have been created since). Each
line's expense account is the one last used for that supplier (read from its latest bills, so
confirming a draft with another account changes the next prefill); its tax rate is the books'
rate with the same percentage. What could not be mapped, and totals that differ from the
document's own, become notices.

Duplicates: bills, credit notes and other drafts of the same supplier with the same number, or
the same amount and issue date, and drafts of the very same file. `drafts_duplicate_ids` flags a
whole page of drafts in a few queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db.models import F, Q
from django.db.models.functions import Lower, Trim
from django.utils.translation import gettext_noop

from billpay.bills.models import Bill, BillLine, CreditNote, Supplier
from billpay.bills.selectors.create import (
    expense_account_choices,
    supplier_terms_days,
    tax_rate_choices,
)
from billpay.bills.services.create.inputs import LineInput, SupplierInput, bill_totals
from billpay.core.words import Money, Phrase, phrase
from billpay.inbound.models import Draft
from billpay.inbound.services.matching import name_key, supplier_match, vat_compact

if TYPE_CHECKING:
    from collections.abc import Iterable

    from billpay.bills.models import TaxRate
    from billpay.onboarding.models import Company

REVERSE_CHARGE = "AE"
REVERSE_CHARGE_WORDS = ("reverse", "autoliq", "auto-liq", "auto liq")
RECENT_LINES = 200  # the supplier's latest bill lines read for its usual account and rates


@dataclass(frozen=True)
class Prefill:
    # The initial data of BillForm (supplier pk, new_supplier_name, new_supplier_email,
    # reference, issue_date, due_date, currency, note) or of CreditNoteForm (number, ...).
    header: dict
    # LineForm initials: description, quantity and unit_amount as plain strings ("2", "1500.5"),
    # account and tax_rate as pks of the company's expense accounts and tax rates (or None).
    lines: list[dict]
    # The whole new supplier from the invoice (VAT number, address...) when none matched: the
    # confirm view creates it with these details rather than only the form's name and email.
    new_supplier: SupplierInput | None = None
    # What the user should look at before confirming ("No tax rate in your books is 5.5 %").
    notices: list[Phrase] = field(default_factory=list)


@dataclass(frozen=True)
class Duplicates:
    """What a draft may duplicate: same supplier (or VAT number), number and amount."""

    bills: list[Bill] = field(default_factory=list)
    credit_notes: list[CreditNote] = field(default_factory=list)
    drafts: list[Draft] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.bills or self.credit_notes or self.drafts)


# --- prefill -------------------------------------------------------------------------------


def draft_prefill(*, draft: Draft) -> Prefill:
    """The create form's initial data for this draft (a file-only draft: nearly empty)."""
    company = draft.company
    data = draft.data or {}
    supplier = _refresh_supplier(draft)
    party = data.get("supplier") or {}
    currency = draft.currency or company.base_currency
    notices: list[Phrase] = []

    if draft.kind == Draft.Kind.CREDIT_NOTE:
        header = {
            "supplier": supplier.pk if supplier else None,
            "number": draft.reference,
            "issue_date": draft.issue_date,
            "currency": currency,
            "note": data.get("payment_terms", ""),
        }
    else:
        header = {
            "supplier": supplier.pk if supplier else None,
            "new_supplier_name": "" if supplier else draft.supplier_name,
            "new_supplier_email": "" if supplier else party.get("email", ""),
            "reference": draft.reference,
            "issue_date": draft.issue_date,
            "due_date": _due_date(draft, supplier),
            "currency": currency,
            "note": data.get("payment_terms", ""),
        }
    new_supplier = None
    if supplier is None and party.get("name"):
        new_supplier = SupplierInput(
            name=party["name"].strip()[:300],
            email=party.get("email", ""),
            tax_number=party.get("vat_number", "") or party.get("siren", ""),
            default_currency=currency,
            address_line1=party.get("street", ""),
            city=party.get("city", ""),
            postal_code=party.get("postal_code", ""),
            country=party.get("country", ""),
        )
    if draft.kind == Draft.Kind.FILE:
        return Prefill(header=header, lines=[_empty_line(None)], new_supplier=None)

    lines = _lines(draft, supplier, data, currency, notices)
    return Prefill(header=header, lines=lines, new_supplier=new_supplier, notices=notices)


def _refresh_supplier(draft: Draft) -> Supplier | None:
    """The draft's supplier; matched again (and kept) when it has none or it was deleted."""
    supplier = draft.supplier if draft.supplier_id else None
    if supplier is not None and not supplier.is_deleted:
        return supplier
    party = _party(draft.data or {})
    if party is None:
        return None
    found, _how = supplier_match(company=draft.company, party=party)
    if found is not None or supplier is not None:
        draft.supplier = found
        Draft.objects.filter(pk=draft.pk).update(supplier=found)
    return found


def _party(data: dict):
    from billpay.inbound.einvoice import Party

    values = data.get("supplier") or {}
    known = set(Party.__dataclass_fields__)
    party = Party(**{k: str(v or "") for k, v in values.items() if k in known})
    return party if (party.name or party.vat_number or party.siren) else None


def _due_date(draft: Draft, supplier: Supplier | None) -> date | None:
    if draft.due_date:
        return draft.due_date
    if supplier is not None and draft.issue_date:
        days = supplier_terms_days(supplier)
        if days is not None:
            return draft.issue_date + timedelta(days=days)
    return None  # the form fills in its default terms


def _lines(draft, supplier, data, currency, notices) -> list[dict]:
    company = draft.company
    history = _supplier_history(company, supplier)
    account_pk = _last_account(company, history, notices, has_supplier=supplier is not None)
    rates = list(tax_rate_choices(company=company))
    mapped_rates: dict[str, TaxRate | None] = {}
    out: list[dict] = []
    computed: list[LineInput] = []
    for number, line in enumerate(data.get("lines") or [], start=1):
        quantity = _decimal(line.get("quantity"))
        unit = _decimal(line.get("unit_price"))
        if quantity is None or unit is None or quantity == 0:
            notices.append(
                phrase(
                    gettext_noop("Line %(number)s of the invoice has no quantity: it is left out."),
                    number=number,
                )
            )
            continue
        if quantity < 0 or unit < 0:  # a discount or a returned item, as a line
            notices.append(
                phrase(
                    gettext_noop(
                        "Line %(number)s of the invoice is a negative amount, which a bill line "
                        "can't hold: change the lines so that they add up to the invoice."
                    ),
                    number=number,
                )
            )
        rate = _tax_rate(line, rates, history, mapped_rates, notices)
        out.append(
            {
                "description": (line.get("description") or "").strip(),
                "quantity": plain(quantity),
                "unit_amount": plain(unit),
                "account": account_pk,
                "tax_rate": rate.pk if rate else None,
            }
        )
        computed.append(LineInput("", quantity, unit, None, rate))
    if not out:
        notices.append(
            phrase(
                gettext_noop(
                    "The invoice gives no lines to copy: type them from the invoice's file."
                )
            )
        )
        return [_empty_line(account_pk)]
    _check_totals(data, computed, currency, notices)
    return out


def _empty_line(account_pk: int | None) -> dict:
    return {
        "description": "",
        "quantity": "1",
        "unit_amount": "",
        "account": account_pk,
        "tax_rate": None,
    }


def _supplier_history(company: Company, supplier: Supplier | None) -> list[tuple[str, str]]:
    """(account id, tax rate id) of the supplier's latest bill lines, newest bill first."""
    if supplier is None:
        return []
    return list(
        BillLine.objects.filter(company=company, bill__company=company, bill__is_deleted=False)
        .filter(Q(bill__supplier=supplier) | Q(bill__codat_supplier_id=supplier.codat_supplier_id))
        .exclude(bill__codat_status="Void")
        .order_by(F("bill__issue_date").desc(nulls_last=True), "-bill_id", "position")
        .values_list("codat_account_id", "codat_tax_rate_id")[:RECENT_LINES]
    )


def _last_account(company, history, notices, *, has_supplier: bool) -> int | None:
    last = next((account for account, _rate in history if account), "")
    if not last:
        if has_supplier:
            notices.append(
                phrase(gettext_noop("Choose the expense account: this supplier has none yet."))
            )
        else:
            notices.append(phrase(gettext_noop("Choose the expense account for the new supplier.")))
        return None
    account = expense_account_choices(company=company).filter(codat_account_id=last).first()
    if account is None:
        notices.append(
            phrase(
                gettext_noop(
                    "The expense account last used for this supplier can no longer be chosen: "
                    "choose another."
                )
            )
        )
        return None
    return account.pk


def _tax_rate(line: dict, rates: list, history, mapped: dict, notices) -> TaxRate | None:
    """The books' tax rate for a line (the same line rate maps once, with one notice)."""
    rate = _decimal(line.get("tax_rate"))
    category = (line.get("tax_category") or "S").upper()
    key = f"{category}:{rate}"
    if key in mapped:
        return mapped[key]
    mapped[key] = chosen = _choose_rate(rate, category, rates, history, notices)
    return chosen


def _choose_rate(rate, category, rates, history, notices) -> TaxRate | None:
    if rate is None and category == REVERSE_CHARGE:
        rate = Decimal(0)
    if rate is None:
        if category in ("E", "Z", "O", "K", "G"):
            rate = Decimal(0)
        else:
            notices.append(
                phrase(gettext_noop("The invoice gives no tax rate for a line: choose one."))
            )
            return None
    same = [r for r in rates if r.effective_tax_rate is not None and r.effective_tax_rate == rate]
    if category == REVERSE_CHARGE:
        reverse = [r for r in rates if _says_reverse_charge(r)]
        if reverse:
            return _prefer_used(reverse, history)
        zero = [r for r in rates if r.effective_tax_rate == 0]
        if zero:
            chosen = _prefer_used(zero, history)
            notices.append(
                phrase(
                    gettext_noop(
                        "No tax rate in your books says reverse charge: %(rate)s is used for the "
                        "reverse-charged lines. Check it."
                    ),
                    rate=chosen.name,
                )
            )
            return chosen
        notices.append(
            phrase(
                gettext_noop(
                    "No tax rate in your books is for reverse charge: choose one for the "
                    "reverse-charged lines."
                )
            )
        )
        return None
    if len(same) > 1:  # a reverse-charge rate at 0 % is not for an ordinary 0 % line
        plain_same = [r for r in same if not _says_reverse_charge(r)]
        same = plain_same or same
    if not same:
        notices.append(
            phrase(
                gettext_noop("No tax rate in your books is %(rate)s %%: choose one."),
                rate=plain(rate),
            )
        )
        return None
    if len(same) == 1:
        return same[0]
    chosen = _prefer_used(same, history)
    notices.append(
        phrase(
            gettext_noop(
                "Several tax rates in your books are %(rate)s %%: %(name)s is used. Check it."
            ),
            rate=plain(rate),
            name=chosen.name,
        )
    )
    return chosen


def _says_reverse_charge(rate) -> bool:
    words = f"{rate.name} {rate.code}".casefold()
    return any(w in words for w in REVERSE_CHARGE_WORDS) or rate.code.strip().upper() == "RC"


def _prefer_used(candidates: list, history) -> TaxRate:
    """The candidate used last for the supplier, else the first by name."""
    by_id = {r.codat_tax_rate_id: r for r in candidates}
    for _account, rate_id in history:
        if rate_id in by_id:
            return by_id[rate_id]
    return min(candidates, key=lambda r: (r.name, r.pk))


def _check_totals(data: dict, lines: list[LineInput], currency: str, notices) -> None:
    totals = data.get("totals") or {}
    expected = _decimal(totals.get("tax_inclusive"))
    if expected is None:
        return
    computed = bill_totals(lines=lines, currency=currency).total_amount
    if computed != expected:
        notices.append(
            phrase(
                gettext_noop(
                    "The invoice's total is %(document)s but its lines, as filled in here, come "
                    "to %(computed)s. Check the lines and tax rates."
                ),
                document=Money(expected, currency),
                computed=Money(computed, currency),
            )
        )


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def plain(number: Decimal) -> str:
    """A Decimal as the form takes it: "2", "1500.5", never "2.0000" or "1E+2"."""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


# --- duplicates ----------------------------------------------------------------------------

LIVE = (Draft.Status.OPEN, Draft.Status.CREATED)


@dataclass
class _Found:
    bills: set[int] = field(default_factory=set)
    credit_notes: set[int] = field(default_factory=set)
    drafts: set[int] = field(default_factory=set)


def draft_duplicates(*, draft: Draft) -> Duplicates:
    """Bills, credit notes and other open or created drafts this draft may repeat."""
    if draft.status != Draft.Status.OPEN:
        return Duplicates()
    _refresh_supplier(draft)
    found = _duplicates_find(draft.company, [draft]).get(draft.pk)
    if found is None:
        return Duplicates()
    return Duplicates(
        bills=list(Bill.objects.filter(company=draft.company, pk__in=found.bills)),
        credit_notes=list(
            CreditNote.objects.filter(company=draft.company, pk__in=found.credit_notes)
        ),
        drafts=list(Draft.objects.filter(company=draft.company, pk__in=found.drafts)),
    )


def drafts_duplicate_ids(*, company: Company, drafts: Iterable[Draft]) -> set[int]:
    """The ids of those open drafts that may repeat a bill, credit note or other draft.

    **Queries:** at most four for the whole list (suppliers, bills, credit notes, drafts).
    """
    return set(_duplicates_find(company, list(drafts)))


def _ref(value: str) -> str:
    return (value or "").strip().lower()  # as the database's Lower(Trim(...))


def _data(draft: Draft) -> dict:
    """The draft's document, unless the list loaded drafts without it (no query per draft)."""
    return {} if "data" in draft.get_deferred_fields() else (draft.data or {})


def _amount(draft: Draft) -> Decimal | None:
    """What the document totals, tax included (a bill's total_amount)."""
    total = _decimal((_data(draft).get("totals") or {}).get("tax_inclusive"))
    return total if total is not None else draft.total_amount


def _duplicates_find(company: Company, drafts: list[Draft]) -> dict[int, _Found]:
    drafts = [d for d in drafts if d.company_id == company.pk and d.status == Draft.Status.OPEN]
    if not drafts:
        return {}
    found: dict[int, _Found] = defaultdict(_Found)
    _against_books(company, drafts, found)
    _against_drafts(company, drafts, found)
    return {pk: f for pk, f in found.items() if f.bills or f.credit_notes or f.drafts}


def _against_books(company: Company, drafts: list[Draft], found: dict[int, _Found]) -> None:
    with_supplier = [d for d in drafts if d.supplier_id and d.kind != Draft.Kind.FILE]
    if not with_supplier:
        return
    codat_ids = dict(
        Supplier.objects.filter(
            company=company, pk__in={d.supplier_id for d in with_supplier}
        ).values_list("id", "codat_supplier_id")
    )
    for kind, model, number_field, void in (
        (Draft.Kind.BILL, Bill, "reference", Q(codat_status="Void")),
        (Draft.Kind.CREDIT_NOTE, CreditNote, "number", Q(status=CreditNote.Status.VOID)),
    ):
        mine = [d for d in with_supplier if d.kind == kind]
        if not mine:
            continue
        refs = {_ref(d.reference) for d in mine} - {""}
        amounts = {a for d in mine if d.issue_date and (a := _amount(d)) is not None}
        same = Q(total_amount__in=amounts) if amounts else Q(pk__in=[])
        if refs:
            same |= Q(ref_key__in=refs)
        rows = (
            model.objects.filter(company=company, is_deleted=False)
            .filter(
                Q(supplier_id__in={d.supplier_id for d in mine})
                | Q(codat_supplier_id__in={codat_ids.get(d.supplier_id) for d in mine} - {None})
            )
            .exclude(void)
            .annotate(ref_key=Lower(Trim(number_field)))
            .filter(same)
            .values_list(
                "id", "supplier_id", "codat_supplier_id", "ref_key", "total_amount", "issue_date"
            )
        )
        rows = list(rows)
        for d in mine:
            ref, amount, codat_id = _ref(d.reference), _amount(d), codat_ids.get(d.supplier_id)
            for pk, sup_id, sup_codat, row_ref, total, issued in rows:
                if sup_id != d.supplier_id and not (codat_id and sup_codat == codat_id):
                    continue
                if (ref and row_ref == ref) or (
                    d.issue_date and issued == d.issue_date and total == amount
                ):
                    (
                        found[d.pk].bills if kind == Draft.Kind.BILL else found[d.pk].credit_notes
                    ).add(pk)


def _against_drafts(company: Company, drafts: list[Draft], found: dict[int, _Found]) -> None:
    shas = {d.sha256 for d in drafts} - {""}
    refs = {_ref(d.reference) for d in drafts if d.kind != Draft.Kind.FILE} - {""}
    amounts = {d.total_amount for d in drafts if d.issue_date and d.total_amount is not None}
    same = Q(pk__in=[])
    if shas:
        same |= Q(sha256__in=shas)
    if refs:
        same |= Q(ref_key__in=refs)
    if amounts:
        same |= Q(total_amount__in=amounts)
    others = list(
        Draft.objects.filter(company=company, status__in=LIVE)
        .annotate(ref_key=Lower(Trim("reference")))
        .filter(same)
        .values(
            "id",
            "kind",
            "sha256",
            "ref_key",
            "total_amount",
            "issue_date",
            "supplier_id",
            "supplier_name",
            "data__supplier__vat_number",
        )
    )
    for d in drafts:
        vat, key = _draft_vat(d), name_key(d.supplier_name)
        ref = _ref(d.reference)
        for other in others:
            if other["id"] == d.pk:
                continue
            if d.sha256 and other["sha256"] == d.sha256:
                found[d.pk].drafts.add(other["id"])
                continue
            if d.kind == Draft.Kind.FILE or other["kind"] != d.kind:
                continue
            same_supplier = (
                (d.supplier_id and other["supplier_id"] == d.supplier_id)
                or (vat and vat_compact(other["data__supplier__vat_number"] or "") == vat)
                or (key and name_key(other["supplier_name"]) == key)
            )
            if not same_supplier:
                continue
            if (ref and other["ref_key"] == ref) or (
                d.issue_date
                and other["issue_date"] == d.issue_date
                and d.total_amount is not None
                and other["total_amount"] == d.total_amount
            ):
                found[d.pk].drafts.add(other["id"])


def _draft_vat(draft: Draft) -> str:
    return vat_compact((_data(draft).get("supplier") or {}).get("vat_number", ""))
