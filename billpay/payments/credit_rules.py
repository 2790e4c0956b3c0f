"""How each accounting platform takes supplier credit notes in bill payments (CODAT.md §8).

A credit note is set against a bill by a bill payment line with a `Bill` link (negative) and a
`CreditNote` link (positive). On QuickBooks Online and Xero the credit must be fully allocated in
a bill payment of its own (`totalAmount: 0`); cash for the rest is a separate bill payment.
Xero's credit allocation is one line with exactly one bill and one credit note. NetSuite and
Sage Intacct take credit and cash in one bill payment. MYOB takes no credit notes in payments.
Any other platform is written the cautious way (apart), which is Codat's documented shape.
"""

from enum import StrEnum


class CreditStyle(StrEnum):
    TOGETHER = "together"  # credit and cash in one bill payment
    APART = "apart"  # one credit-only bill payment (totalAmount 0), then the cash
    ONE_EACH = "one_each"  # one credit-only bill payment per (bill, credit note), then the cash
    NONE = "none"  # credit notes cannot be used in payments


_STYLES = {
    "akxx": CreditStyle.TOGETHER,  # Oracle NetSuite
    "knfz": CreditStyle.TOGETHER,  # Sage Intacct
    "qhyg": CreditStyle.APART,  # QuickBooks Online
    "gbol": CreditStyle.ONE_EACH,  # Xero
    "myob": CreditStyle.NONE,  # MYOB (the sandbox's key for it)
}


def credit_style(platform_key: str) -> CreditStyle:
    """The way this platform takes credit notes in bill payments."""
    return _STYLES.get(platform_key or "", CreditStyle.APART)
