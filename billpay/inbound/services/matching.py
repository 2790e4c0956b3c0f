"""Who sent a document: the supplier matched by VAT number, then SIREN, then name.

One query reads the company's suppliers' names and tax numbers (a company may have thousands),
the comparison runs in Python (tax numbers are written every which way in the books:
"FR 40 303 265 045", "fr40303265045", a bare SIREN or SIRET), and one more query loads the
supplier found. Archived suppliers still match, but an active one wins.
"""

from __future__ import annotations

import re
import unicodedata
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


def supplier_match(*, company: Company, party: Party) -> tuple[Supplier | None, str]:
    """The company's supplier for this party, and how it was found (None, NEW: none fits).

    By VAT number, then SIREN, then a name that is the same once case, accents and legal form
    are set aside (only a unique name counts). Deleted suppliers never match; an active
    supplier wins over an archived one. **Queries:** two at most, whatever the supplier count.
    """
    vat = vat_compact(party.vat_number)
    siren = party_siren(party)
    key = name_key(party.name)
    if not (vat or siren or key):
        return None, NEW
    rows = Supplier.objects.filter(company=company, is_deleted=False).values_list(
        "id", "name", "tax_number", "status"
    )
    by_vat, by_siren, by_name = [], [], []
    for pk, name, tax_number, status in rows:
        row = (status == "Archived", pk)  # active first, then the oldest
        if tax_number:
            if vat and vat_compact(tax_number) == vat:
                by_vat.append(row)
                continue
            if siren and siren_of(tax_number) == siren:
                by_siren.append(row)
                continue
        if key and name_key(name) == key:
            by_name.append(row)
    for found, how in ((by_vat, BY_VAT), (by_siren, BY_SIREN)):
        if found:
            return _load(company, min(found)[1]), how
    if by_name:
        active = [row for row in by_name if not row[0]]
        unique = active if active else by_name
        if len(unique) == 1:
            return _load(company, unique[0][1]), BY_NAME
    return None, NEW


def _load(company: Company, pk: int) -> Supplier | None:
    return Supplier.objects.filter(company=company, pk=pk).first()
