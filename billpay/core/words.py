"""Plain words for what the books and Codat call by API names, in one place.

Statuses, data types, field names and platforms arrive as Codat spells them ("PartiallyPaid",
"taxRates", "accountName", "qhyg"); nothing on screen should. Each function takes the API
value and returns what an owner reads; an unknown value falls back to readable words rather than
leaking the raw name ("someNewType" → "Some new type").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# A bill's status in the books (Codat's BillStatus).
BILL_STATUSES = {
    "Draft": _("Draft"),
    "Open": _("Unpaid"),
    "PartiallyPaid": _("Partly paid"),
    "Paid": _("Paid"),
    "Void": _("Voided"),
    "Unknown": _("Unknown"),
}
# Codat's data types (and the app's names for them).
DATA_TYPES = {
    "accounts": _("Accounts"),
    "chartOfAccounts": _("Accounts"),
    "bankAccounts": _("Bank accounts"),
    "billCreditNotes": _("Credit notes"),
    "billPayments": _("Bill payments"),
    "bills": _("Bills"),
    "company": _("Company details"),
    "paymentMethods": _("Payment methods"),
    "suppliers": _("Suppliers"),
    "taxRates": _("Tax rates"),
}
# Field names in the books' validation messages (Codat's JSON field names).
FIELDS = {
    "accountName": _("Account name"),
    "accountNumber": _("Account number"),
    "accountType": _("Account type"),
    "currency": _("Currency"),
    "dueDate": _("Due date"),
    "issueDate": _("Issue date"),
    "nominalCode": _("Account code"),
    "reference": _("Reference"),
    "sortCode": _("Sort code"),
    "supplierName": _("Supplier name"),
    "supplierRef": _("Supplier"),
    "supplierRef.id": _("Supplier"),
    "totalAmount": _("Amount"),
}
# An account's status in the books.
ACCOUNT_STATUSES = {
    "Active": _("Active"),
    "Archived": _("Closed"),
    "Pending": _("Being set up"),
    "Unknown": _("Unknown"),
}
# Codat's platform keys → the accounting software's name.
PLATFORMS = {
    "akxx": "Oracle NetSuite",
    "fbrh": "FreeAgent",
    "gbol": "Xero",
    "knfz": "Sage Intacct",
    "mqjo": "Xero",
    "pdvj": "Sage Business Cloud",
    "qhyg": "QuickBooks Online",
    "rwuv": "Zoho Books",
}


def humanize(name: str) -> str:
    """An API name as words: "partiallyPaid" → "Partially paid", "line_items.0" → "Line items 0"."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(name))
    words = re.sub(r"[_.\-\[\]]+", " ", words).strip().lower()
    return words[:1].upper() + words[1:]


def _known(words: dict, value: str) -> str:
    """The plain words for a known API name, in the active language; else the name as words."""
    label = words.get(value)
    return str(label) if label else humanize(value)


def bill_status(value: str | None) -> str:
    """A bill's status in the books, in words ("PartiallyPaid" → "Partly paid")."""
    return _bill_status(value or "", get_language())


@lru_cache(maxsize=256)
def _bill_status(value: str, language: str | None) -> str:
    """Remembered per language: the inbox words 50 statuses a page, nearly all the same few."""
    if not value:
        return gettext("Unknown")
    return _known(BILL_STATUSES, value)


def data_type_name(value: str) -> str:
    """A data type, in words ("taxRates" → "Tax rates")."""
    return _known(DATA_TYPES, value)


def field_name(value: str) -> str:
    """A field of a record in the books, in words ("lineItems.0.accountRef" → "Line items 0 account ref")."""
    return _known(FIELDS, value)


def account_status(value: str | None) -> str:
    """An account's status in the books ("Archived" → "Closed")."""
    if not value:
        return "—"
    return _known(ACCOUNT_STATUSES, value)


def platform_name(key: str) -> str:
    """The accounting software behind a platform key, never the key itself."""
    return PLATFORMS.get(key) or gettext("Your accounting software")


def payment_method(key: str) -> str:
    """A payment method's name ("bank_transfer" → "Bank transfer / ACH")."""
    for method, label, _kind in settings.PAYMENT_METHODS:
        if method == key:
            return str(label)  # lazy in settings: the active language
    return humanize(key)


# --- texts kept in the database, shown in the reader's language ----------------------------------
#
# A worker writes "Verified in your books" or "On hold: …" long before anyone reads it, in no
# user's language. Such a text is kept as a `Phrase`: our English msgid (marked with gettext_noop
# so makemessages collects it) and its parameters, stored as JSON next to the plain English text
# (`<column>_i18n`). The English column stays what staff, logs, audit entries and exports read;
# pages render the JSON with `stored_text()` in the active language. A parameter is either ours
# (a nested Phrase, translated too), money or a date (formatted for the reader), or anything else
# (the books' validation messages, supplier names, references), shown as it was written.


@dataclass(frozen=True)
class Money:
    """An amount as a phrase parameter: written in the reader's locale at display."""

    amount: Decimal
    currency: str

    def __str__(self) -> str:
        from billpay.core.money import format_money  # money imports nothing from here

        return format_money(self.amount, self.currency)


@dataclass(frozen=True)
class Day:
    """A date as a phrase parameter: written in the reader's DATE_FORMAT at display."""

    value: date

    def __str__(self) -> str:
        return formats.date_format(self.value, "DATE_FORMAT")


@dataclass(frozen=True)
class Phrase:
    """Our words with their parameters: `gettext(msgid) % params` when shown, never before."""

    msgid: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        """The phrase in the active language (a parameter that is a Phrase too)."""
        translated = gettext(self.msgid) if self.msgid else ""
        if not self.params:
            return translated  # no % formatting: a plain text may hold a "%"
        values = {key: str(value) for key, value in self.params.items()}
        for pattern in (translated, self.msgid):
            try:
                return pattern % values
            except (KeyError, TypeError, ValueError):
                logger.warning("phrase %r: its parameters do not fit %r", self.msgid, pattern)
        return self.msgid

    def english(self) -> str:
        """The phrase as it reads in English: the plain text column."""
        with translation.override("en"):
            return str(self)

    def to_json(self, *, limit: int = 2000) -> dict:
        """The phrase as JSON; parameters from outside (the books) cut at `limit` characters."""
        return {
            "msgid": self.msgid,
            "params": {k: _encode(v, limit) for k, v in self.params.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping) -> Phrase:
        params = data.get("params") or {}
        return cls(str(data.get("msgid") or ""), {k: _decode(v) for k, v in params.items()})


def phrase(msgid: str, **params: object) -> Phrase:
    """Our words to keep and show later: `phrase(gettext_noop("On hold: %(reason)s"), reason=…)`."""
    return Phrase(msgid, params)


def as_phrase(value: Phrase | str | None) -> Phrase:
    """A phrase, or a plain text taken as one (translated if it is one of ours, else as it is)."""
    if isinstance(value, Phrase):
        return value
    return Phrase(str(value or ""))


def error_phrase(error: object) -> Phrase:
    """What an error tells the user (a Codat error's `user_words`), as a phrase to keep."""
    msgid, params = error.user_words
    return Phrase(msgid, params)


def joined(*parts: Phrase | str) -> Phrase:
    """Several texts said one after the other (ours translated, the books' as they are)."""
    kept = [p for p in (as_phrase(part) for part in parts) if p.msgid]
    if len(kept) <= 1:
        return kept[0] if kept else Phrase("")
    names = {f"p{i}": part for i, part in enumerate(kept)}
    return Phrase(" ".join(f"%({name})s" for name in names), names)


def store(column: str, value: Phrase | str | None, *, max_length: int | None = None) -> dict:
    """The fields that keep a text: `{column: English, column_i18n: JSON}` for update()/create().

    A bounded column keeps the start of the English text; its JSON keeps every parameter from
    outside cut to the same length, so a shown text is never longer than its column allows.
    """
    value = as_phrase(value)
    english = value.english()
    if max_length is not None:
        english = english[:max_length]
    data = value.to_json(limit=max_length or 2000) if value.msgid else {}
    return {column: english, f"{column}_i18n": data}


def stored_phrase(text: str, data: Mapping | None) -> Phrase:
    """A kept text as the phrase it was (to pass on, e.g. a push's error as a payment's reason).

    Rows written before texts were kept as phrases have plain English and no JSON: the text is
    taken as a msgid, so one of ours is translated and anything else (an English sentence with
    its parameters already in it, the books' own words) is shown as it is. The English column
    decides: cleared, there is no text; changed by a writer that left the JSON behind, the
    JSON is stale and the English is shown.
    """
    if not text:
        return Phrase("")
    if data and data.get("msgid"):
        kept = Phrase.from_json(data)
        if kept.english()[: len(text)] == text:
            return kept
    return Phrase(text)


def stored_text(text: str, data: Mapping | None) -> str:
    """A kept text in the active language (see `stored_phrase`)."""
    return str(stored_phrase(text, data))


def _encode(value: object, limit: int) -> object:
    if isinstance(value, Phrase):
        return value.to_json(limit=limit)
    if isinstance(value, Money):
        return {"amount": str(value.amount), "currency": value.currency}
    if isinstance(value, Day):
        return {"date": value.value.isoformat()}
    if isinstance(value, bool | int):
        return value
    return str(value)[:limit]


def _decode(value: object) -> object:
    if not isinstance(value, Mapping):
        return value
    if "msgid" in value:
        return Phrase.from_json(value)
    try:
        if "amount" in value:
            return Money(Decimal(str(value["amount"])), str(value.get("currency") or ""))
        if "date" in value:
            return Day(date.fromisoformat(str(value["date"])))
    except (InvalidOperation, ValueError):
        pass
    return ""


# --- the audit trail ------------------------------------------------------------------------------
# What each audited action says after the person's name ("Alice approved the bill"). An action
# missing here is shown as words made of its code, never as the raw code.
AUDIT_ACTIONS = {
    "company.created": _("created the company"),
    "user.confirmed": _("confirmed their email address"),
    "membership.created": _("joined the company"),
    "membership.role_changed": _("changed a member's role"),
    "membership.removed": _("removed a member"),
    "invitation.sent": _("sent an invitation"),
    "two_factor.enabled": _("turned two-step login on"),
    "two_factor.disabled": _("turned two-step login off"),
    "two_factor.recovery_codes": _("made new two-step login recovery codes"),
    "two_factor.required": _("required two-step login of every member"),
    "two_factor.optional": _("stopped requiring two-step login"),
    "connection.started": _("started connecting the accounting software"),
    "connection.linked": _("connected the accounting software"),
    "connection.unlinked": _("disconnected the accounting software"),
    "connection.deauthorized": _("lost access to the accounting software"),
    "connection.pending_auth": _("is waiting for the accounting software's authorization"),
    "bill.review.approved": _("approved the bill"),
    "bill.review.rejected": _("rejected the bill"),
    "bill.review.pending": _("reset the review"),
    "bill.note": _("added a note"),
    "bill.created": _("created the bill here"),
    "bill.changed": _("changed the bill"),
    "bill.deleted": _("deleted the bill"),
    "bill.resent": _("sent the bill again"),
    "bill.delete_requested": _("asked the books to delete the bill"),
    "supplier.created": _("created a supplier"),
    "credit_note.created": _("created a credit note here"),
    "draft.confirmed": _("confirmed an e-invoice"),
    "draft.discarded": _("discarded an e-invoice"),
    "supplier.changed": _("changed a supplier"),
    "payment.prepared": _("prepared a payment"),
    "payment.approval_required": _("was told a payment needs approval first"),
    "payment.scheduled": _("scheduled a payment"),
    "payment.submitted": _("sent a payment to the books"),
    "payment.recorded": _("saw a payment recorded in the books"),
    "payment.verified": _("saw a payment verified in the books"),
    "payment.failed": _("saw a payment refused by the books"),
    "payment.held": _("saw a payment put on hold"),
    "payment.cancelled": _("cancelled a payment"),
    "payment.retried": _("retried a payment"),
    "payment.settings_changed": _("changed the payment settings"),
    "payment.delete_requested": _("asked the books to delete a payment"),
    "payment.deleted": _("saw a payment deleted from the books"),
    "payment.delete_failed": _("saw the books refuse to delete a payment"),
    "run.created": _("prepared a pay run"),
    "run.amount_changed": _("changed an amount of a pay run"),
    "run.date_changed": _("changed the date of a pay run"),
    "run.method_changed": _("changed the account of a pay run"),
    "run.batch_changed": _("changed how a pay run is grouped"),
    "run.approval_required": _("was told a pay run needs approval first"),
    "run.approved": _("approved a pay run"),
    "approval.requested": _("asked for an approval"),
    "approval.approved": _("approved a step of an approval"),
    "approval.rejected": _("rejected an approval"),
    "approval.rule_created": _("added an approval rule"),
    "approval.rule_changed": _("changed an approval rule"),
    "inbound_address.rotated": _("changed the address bills are emailed to"),
    "approval.rule_deleted": _("removed an approval rule"),
    "run.confirmed": _("confirmed a pay run"),
    "run.cancelled": _("discarded a pay run"),
    "run.group_retried": _("retried a payment of a pay run"),
    "run.done": _("saw every payment of a pay run verified"),
    "run.attention": _("saw a pay run end with payments to look at"),
    "recurring.created": _("set up a recurring bill"),
    "recurring.changed": _("changed a recurring bill"),
    "recurring.paused": _("paused a recurring bill"),
    "recurring.resumed": _("resumed a recurring bill"),
    "recurring.bill_made": _("saw a recurring bill made on schedule"),
    "recurring.bill_refused": _("saw a recurring bill not made on schedule"),
    "recurring.payment_prepared": _("saw a recurring bill's payment prepared"),
    "recurring.payment_refused": _("saw a recurring bill's payment not prepared"),
    "mapping.saved": _("chose a payment account"),
    "mapping.removed": _("removed a payment account"),
    "mapping.account_requested": _("asked the books to create a bank account"),
    "mapping.account_created": _("saw a bank account created in the books"),
    "mapping.account_failed": _("saw a bank account refused by the books"),
}
# The audit page's "what" filter: each area and the action codes it covers (prefixes).
AUDIT_AREAS = {
    "bills": (_("Bills"), ("bill.",)),
    "suppliers": (_("Suppliers"), ("supplier.",)),
    "payments": (_("Payments"), ("payment.",)),
    "runs": (_("Pay runs"), ("run.",)),
    "approvals": (_("Approvals"), ("approval.",)),
    "recurring": (_("Recurring bills"), ("recurring.",)),
    "accounts": (_("Payment accounts"), ("mapping.",)),
    "team": (_("Team"), ("company.", "membership.", "invitation.", "user.", "two_factor.")),
    "connection": (_("Accounting software"), ("connection.",)),
}
WRITE_VERBS = {
    "create": _("saw a record created in the books"),
    "update": _("saw a record changed in the books"),
    "delete": _("saw a record deleted from the books"),
    "attachment": _("saw a file attached in the books"),
    "failed": _("could not write to the books"),
}


def audit_object(action: str, target: str, ref: str, data: Mapping) -> str:
    """What an audited action was about, in the reader's language where the trail kept our own
    words (a pay run's number, a payment method); names from the books or typed by people as kept."""
    if ref.startswith("run:"):
        return gettext("Pay run %(number)s") % {"number": ref.split(":", 1)[1]}
    if ref.startswith("approval_rule:"):
        return gettext("Approval rule %(number)s") % {"number": ref.split(":", 1)[1]}
    if action in ("mapping.saved", "mapping.removed") and data.get("method"):
        return f"{payment_method(data['method'])} ({data.get('currency', '')})"
    return target


def audit_action(action: str) -> str:
    """An audited action in words ("bill.review.approved" → "approved the bill")."""
    label = AUDIT_ACTIONS.get(action)
    if label is None and ".write." in action:
        label = WRITE_VERBS.get(action.rsplit(".", 1)[1])
    return str(label) if label else humanize(action).lower()
