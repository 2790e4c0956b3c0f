"""Who sent a document: the supplier matched by VAT number, then SIREN, then name.

One query reads the company's suppliers' names and tax numbers (a company may have thousands),
the comparison runs in Python (tax numbers are written every which way in the books:
"FR 40 303 265 045", "fr40303265045", a bare SIREN or SIRET), and one more query loads the
supplier found. Archived suppliers still match, but an active one wins.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stdnum.eu import vat as eu_vat

from billpay.bills.models import Supplier

if TYPE_CHECKING:
    from billpay.inbound.einvoice import Party
    from billpay.onboarding.models import Company

BY_VAT, BY_SIREN, BY_NAME, NEW = "vat", "siren", "name", "new"

# Legal forms dropped when comparing names ("ACME SAS" is "Acme"). Lower case, no accents.
# fmt: off
LEGAL_FORMS = frozenset({
    "sa", "sas", "sasu", "sarl", "eurl", "sci", "snc", "scop", "sca", "scs", "selarl", "selas",
    "ei", "eirl", "scp", "gie", "gmbh", "ag", "kg", "ohg", "ug", "mbh", "kgaa", "ev", "ltd",
    "limited", "llc", "llp", "lp", "plc", "inc", "incorporated", "corp", "corporation", "co",
    "company", "bv", "nv", "vof", "bvba", "sprl", "srl", "spa", "sapa", "sl", "slu", "sau",
    "ab", "as", "asa", "oy", "oyj", "aps", "et", "cie",
})
# fmt: on


def vat_compact(value: str) -> str:
    """A VAT number without spaces, dots or dashes, upper case ("" for nothing)."""
    if not value:
        return ""
    try:
        return eu_vat.compact(value).upper()
    except Exception:  # stdnum raises on odd input; a tax number we can't read matches nothing
        return re.sub(r"[^0-9A-Za-z]", "", value).upper()


def siren_of(tax_number: str) -> str:
    """The French SIREN a tax number holds: a FR VAT number's last 9 digits, a SIREN, or a
    SIRET's first 9 digits; "" when it holds none."""
    compact = re.sub(r"[^0-9A-Za-z]", "", tax_number or "").upper()
    if compact.startswith("FR") and len(compact) == 13 and compact[4:].isdigit():
        return compact[4:]
    if compact.isdigit() and len(compact) in (9, 14):
        return compact[:9]
    return ""


def party_siren(party: Party) -> str:
    """The party's SIREN: given, or read from its French VAT number."""
    given = re.sub(r"\D", "", party.siren or "")
    if len(given) == 9:
        return given
    return siren_of(party.vat_number) if vat_compact(party.vat_number).startswith("FR") else ""


def name_key(name: str) -> str:
    """A name compared without case, accents, punctuation or legal form: "ACME S.A.S." → "acme"."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    # "S.A.S." and "S.A.R.L." are legal forms too: join single letters separated by dots.
    text = re.sub(r"\b(?:[a-z]\.){2,}", lambda m: m.group(0).replace(".", ""), text)
    words = re.sub(r"[^0-9a-z]+", " ", text).split()
    kept = [w for w in words if w not in LEGAL_FORMS]
    return " ".join(kept or words)


@dataclass(frozen=True)
class SupplierIndex:
    """A company's suppliers as matching compares them: (archived, pk) with their compacted VAT
    number, SIREN and name key, computed once for any number of documents (an upload of 100)."""

    rows: tuple[tuple[tuple[bool, int], str, str, str], ...]

    def find(self, party: Party) -> tuple[int | None, str]:
        """The pk of the party's supplier, and how it was found ((None, NEW): none fits)."""
        vat = vat_compact(party.vat_number)
        siren = party_siren(party)
        key = name_key(party.name)
        by_vat, by_siren, by_name = [], [], []
        for row, row_vat, row_siren, row_key in self.rows:
            if vat and row_vat == vat:
                by_vat.append(row)
            elif siren and row_siren == siren:
                by_siren.append(row)
            elif key and row_key == key:
                by_name.append(row)
        for found, how in ((by_vat, BY_VAT), (by_siren, BY_SIREN)):
            if found:
                return min(found)[1], how
        active = [row for row in by_name if not row[0]]
        unique = active if active else by_name
        if len(unique) == 1:
            return unique[0][1], BY_NAME
        return None, NEW


def supplier_index(*, company: Company) -> SupplierIndex:
    """The company's suppliers, ready to match (one query). Deleted suppliers never match."""
    rows = Supplier.objects.filter(company=company, is_deleted=False).values_list(
        "id", "name", "tax_number", "status"
    )
    return SupplierIndex(
        tuple(
            (
                (status == "Archived", pk),  # active first, then the oldest
                vat_compact(tax_number) if tax_number else "",
                siren_of(tax_number) if tax_number else "",
                name_key(name),
            )
            for pk, name, tax_number, status in rows
        )
    )


def supplier_match(
    *, company: Company, party: Party, index: SupplierIndex | None = None
) -> tuple[Supplier | None, str]:
    """The company's supplier for this party, and how it was found (None, NEW: none fits).

    By VAT number, then SIREN, then a name that is the same once case, accents and legal form
    are set aside (only a unique name counts). Deleted suppliers never match; an active
    supplier wins over an archived one. Pass `index` (from `supplier_index`) to match many
    documents with one read of the suppliers. **Queries:** two at most, whatever the supplier
    count (one with an index).
    """
    if not (vat_compact(party.vat_number) or party_siren(party) or name_key(party.name)):
        return None, NEW
    pk, how = (index or supplier_index(company=company)).find(party)
    if pk is None:
        return None, NEW
    return _load(company, pk), how


def _load(company: Company, pk: int) -> Supplier | None:
    return Supplier.objects.filter(company=company, pk=pk).first()
