"""Reads of the mirrored books, always scoped to one company: the inbox (`inbox`), a bill's page
and the suppliers list (`bills`), the sync runs (`sync`), the bills ticked in the inbox
(`selection`), what the create forms offer (`create`), and the revision that versions cached
reads of the bills (`revision`)."""

from billpay.bills.selectors.bills import (
    ActivityItem,
    BillLines,
    LineAmounts,
    bill_activity,
    bill_get,
    bill_lines,
    bill_paid_on,
    supplier_list_with_balances,
)
from billpay.bills.selectors.create import (
    attachment_pending_get,
    bill_duplicates_find,
    bill_get_app_created,
    bill_writes,
    expense_account_choices,
    supplier_choices,
    supplier_get,
    supplier_search,
    supplier_terms_days,
    tax_rate_choices,
)
from billpay.bills.selectors.credit_notes import credit_notes_available, credit_notes_sending
from billpay.bills.selectors.inbox import (
    PAGE_SIZE,
    SORT_LABELS,
    SORTS,
    VIEWS,
    CurrencyTotal,
    InboxFilter,
    InboxPage,
    bill_currencies,
    bill_inbox_page,
    bill_list_for_inbox,
    bill_totals_by_currency,
    currencies_cache_key,
)
from billpay.bills.selectors.revision import bills_revision, bills_revision_key
from billpay.bills.selectors.selection import (
    MAX_SELECTED,
    bill_list_selected,
)
from billpay.bills.selectors.sync import FirstSync, sync_first_state, sync_run_latest

__all__ = [
    "credit_notes_available",
    "credit_notes_sending",
    "MAX_SELECTED",
    "PAGE_SIZE",
    "bill_list_selected",
    "SORTS",
    "SORT_LABELS",
    "VIEWS",
    "ActivityItem",
    "BillLines",
    "CurrencyTotal",
    "FirstSync",
    "InboxFilter",
    "InboxPage",
    "LineAmounts",
    "attachment_pending_get",
    "bill_activity",
    "bill_currencies",
    "bill_duplicates_find",
    "bill_get",
    "bill_get_app_created",
    "bill_inbox_page",
    "bill_list_for_inbox",
    "bill_lines",
    "bill_paid_on",
    "bill_totals_by_currency",
    "bill_writes",
    "bills_revision",
    "bills_revision_key",
    "currencies_cache_key",
    "expense_account_choices",
    "supplier_choices",
    "supplier_get",
    "supplier_list_with_balances",
    "supplier_search",
    "supplier_terms_days",
    "sync_first_state",
    "sync_run_latest",
    "tax_rate_choices",
]
