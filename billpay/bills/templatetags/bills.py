import html
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from billpay.bills.models import Bill, SyncRun
from billpay.bills.selectors import sync_run_latest as _sync_run_latest
from billpay.bills.selectors.inbox import InboxBill
from billpay.core import words
from billpay.core.money import format_money, money_locale

register = template.Library()


@register.simple_tag(takes_context=True)
def sync_run_latest(context) -> SyncRun | None:
    """The current company's latest sync run, for pages of other apps (the connection page)."""
    return _sync_run_latest(company=context["request"].company)


@register.simple_tag
def due_label(due: date | None, amount_due, today: date | None = None) -> str:
    """'overdue by 3 days', 'due today', 'due in 3 days' — only for bills still owed."""
    if due is None or not amount_due:
        return ""
    return _due_words((due - (today or timezone.localdate())).days, get_language())


@lru_cache(maxsize=1024)
def _due_words(days: int, language: str | None) -> str:
    """`due_label`'s words for a bill due in `days` (negative: overdue), remembered per
    language: an inbox page asks for the same few dozen again and again."""
    if days < 0:
        return ngettext("overdue by %(days)s day", "overdue by %(days)s days", -days) % {
            "days": -days
        }
    if days == 0:
        return gettext("due today")
    if days <= 30:
        return ngettext("due in %(days)s day", "due in %(days)s days", days) % {"days": days}
    return ""


@register.filter
def quantity(value: Decimal | None) -> str:
    """A line's quantity without trailing zeros and never in exponent form: 10, 2.5, 0.3333.

    (Decimal.normalize() alone turns 10.0000 into "1E+1".)
    """
    if value is None:
        return ""
    return format(value.normalize(), "f")


@register.filter
def status_class(codat_status: str) -> str:
    return {"Paid": "ok", "PartiallyPaid": "info", "Void": "bad", "Draft": "warn"}.get(
        codat_status, ""
    )


# A bill's status in the books in words ("PartiallyPaid" → "Partly paid"); also in `words`.
register.filter("bill_status", words.bill_status)


@register.filter
def review_class(review_status: str) -> str:
    return {"approved": "ok", "rejected": "bad"}.get(review_status, "")


FILE_KINDS = {
    "application/pdf": "PDF",
    "image/png": _("PNG image"),
    "image/jpeg": _("JPEG image"),
    "image/gif": _("GIF image"),
    "image/webp": _("WebP image"),
    "text/plain": _("text file"),
    "text/csv": _("spreadsheet (CSV)"),
}


@register.filter
def file_kind(content_type: str | None) -> str:
    """A file's type in words: 'PDF', 'PNG image'; 'file' for anything else."""
    key = (content_type or "").split(";")[0].strip().lower()
    if key in FILE_KINDS:
        return FILE_KINDS[key]
    return gettext("image") if key.startswith("image/") else gettext("file")


# --- the inbox's rows ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InboxRow:
    """One inbox row with its text worked out in Python (values are escaped by the template)."""

    bill: InboxBill
    id: str
    url: str
    payable: bool
    supplier: str
    reference: str
    issued: str
    due: str
    due_note: str
    overdue: bool
    total: str
    amount_due: str
    push_state: str
    status: str
    status_class: str
    review_class: str
    review_label: str


def inbox_rows(bills: list[InboxBill], today: date, bills_url: str) -> list[InboxRow]:
    """The page's rows with their text worked out (printed by `inbox_rows_html`).

    The profile of the inbox (issue 12, point 11) found a page of 50 bills spending most of its
    time in the template language: about 1,500 lookups and filters, each a few microseconds
    (a date through `|date` ~20 µs, an id through number localisation ~6 µs). Here each row is
    one Python call (the language and the review labels looked up once per page, not per row).
    """
    language, locale = get_language(), money_locale()
    no_supplier = gettext("(no supplier)")
    review_labels = {value: str(label) for value, label in Bill.Review.choices}
    return [
        InboxRow(
            bill=bill,
            id=str(bill.pk),
            url=f"{bills_url}{bill.pk}/",
            payable=bill.amount_due > 0 and bill.is_in_books,
            supplier=bill.supplier_name or no_supplier,
            reference=bill.reference or "—",
            issued=_day(bill.issue_date, language) if bill.issue_date else "—",
            due=_day(bill.due_date, language) if bill.due_date else "—",
            due_note=_due_words((bill.due_date - today).days, language)
            if bill.due_date and bill.amount_due
            else "",
            overdue=_is_overdue(bill, today),
            total=format_money(bill.total_amount, bill.currency, locale),
            amount_due=format_money(bill.amount_due, bill.currency, locale),
            push_state=bill.push_state,
            status=words.bill_status(bill.codat_status),
            status_class=status_class(bill.codat_status),
            review_class=review_class(bill.review_status),
            review_label=review_labels.get(bill.review_status, bill.review_status),
        )
        for bill in bills
    ]


def _is_overdue(bill: InboxBill, today: date | None) -> bool:
    """What `due_label` words as "overdue by …": a bill still owed, past its due date."""
    due = bill.due_date
    return due is not None and bool(bill.amount_due) and due < (today or timezone.localdate())


@dataclass(frozen=True, slots=True)
class RowWords:
    """The rows' fixed words, translated once per page rather than once per row."""

    select: str
    sending: str
    failed: str
    in_books: str
    pay: str

    @classmethod
    def for_platform(cls, platform: str) -> "RowWords":
        return cls(
            select=_esc(gettext("Select")),
            sending=_esc(gettext("Sending to %(platform)s…") % {"platform": platform}),
            failed=_esc(gettext("Failed")),
            in_books=_esc(gettext("in your books")),
            pay=_esc(gettext("Pay")),
        )


@register.simple_tag
def inbox_rows_html(
    bills: list[InboxBill],
    today: date,
    bills_url: str,
    pay_url: str,
    platform_name: str,
    selectable: bool = True,
) -> SafeString:
    """`{% inbox_rows_html page.bills today bills_url pay_url platform %}`: the rows' HTML.

    `pay_url` empty (a role that prepares no payment, roles.Can): no Pay button on the rows;
    `selectable` false (a role that neither pays nor approves): no tick boxes.

    Written here rather than in the template: with the rows' text ready (`inbox_rows`), the
    template language still spent most of a page in some 1,300 variable lookups and escapes.
    Every value is escaped exactly as the template's autoescape did.
    """
    row_words = RowWords.for_platform(platform_name or gettext("your books"))
    return mark_safe(
        "".join(
            _row_html(row, pay_url, row_words, selectable)
            for row in inbox_rows(bills, today, bills_url)
        )
    )


def _row_html(row: InboxRow, pay_url: str, row_words: RowWords, selectable: bool = True) -> str:
    """One row: every value escaped with `html.escape`, as Django's autoescape does (format_html
    itself cost a quarter of the page)."""
    rid = _esc(row.id)
    select = (
        f'<input type="checkbox" name="bill" value="{rid}" form="bill-selection" '
        f'aria-labelledby="pick-{rid} sup-{rid} ref-{rid}"><span id="pick-{rid}" hidden>{row_words.select}</span>'
        if row.payable and selectable
        else ""
    )
    due_note = f'<br><span class="small due">{_esc(row.due_note)}</span>' if row.due_note else ""
    if row.push_state == "sending":
        status = f'<span class="badge info">{row_words.sending}</span>'
    elif row.push_state == "failed":
        error = row.bill.push_error_text
        status = (
            f'<span class="badge bad">{row_words.failed}</span><br>'
            f'<span class="small" title="{_esc(error)}">{_esc(Truncator(error).chars(70))}</span>'
        )
    else:
        in_books = f' <span class="small muted">{row_words.in_books}</span>'
        status = (
            f'<span class="badge {_esc(row.status_class)}">{_esc(row.status)}</span>'
            f"{in_books if row.push_state == 'in_books' else ''}"
        )
    action = (
        f'<a class="button small secondary" id="pay-{rid}" href="{_esc(pay_url)}?bill={rid}" '
        f'aria-labelledby="pay-{rid} sup-{rid} ref-{rid}">{row_words.pay}</a>'
        if row.payable and pay_url
        else ""
    )
    url = _esc(row.url)
    return (
        f'<tr class="{"overdue" if row.overdue else ""}"><td class="c-select">{select}</td>'
        f'<td class="c-supplier"><a id="sup-{rid}" href="{url}" hx-get="{url}" '
        f'hx-target="#bill-drawer" hx-swap="outerHTML">{_esc(row.supplier)}</a></td>'
        f'<td class="c-ref" id="ref-{rid}">{_esc(row.reference)}</td>'
        f'<td class="wide-only">{_esc(row.issued)}</td>'
        f'<td class="c-due">{_esc(row.due)}{due_note}</td>'
        f'<td class="num wide-only">{_esc(row.total)}</td>'
        f'<td class="num c-amount"><strong>{_esc(row.amount_due)}</strong></td>'
        f'<td class="c-status">{status}</td>'
        f'<td class="wide-only"><span class="badge {_esc(row.review_class)}">'
        f"{_esc(row.review_label)}</span></td>"
        f'<td class="c-action">{action}</td></tr>\n'
    )


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def day(value: date | None) -> str:
    """'5 Mar 2026' or '5 mars 2026', as `{{ value|date }}` writes it in the active language
    (its DATE_FORMAT, billpay/core/formats/<lang>/) ("" for None).

    Remembered per date and language: Django's date formatting looks up translated month names
    on every call, and a page shows the same few dozen dates again and again.
    """
    return _day(value, get_language()) if value else ""


@lru_cache(maxsize=4096)
def _day(value: date, language: str | None) -> str:
    return date_format(value)
