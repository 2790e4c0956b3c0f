"""What each value is called in a message ("the total without tax is not a number")."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from billpay.core.words import phrase

WHAT = {
    "quantity": phrase(gettext_noop("a line's quantity")),
    "price": phrase(gettext_noop("a line's unit price")),
    "base_quantity": phrase(gettext_noop("a line's price quantity")),
    "line_net": phrase(gettext_noop("a line's amount")),
    "rate": phrase(gettext_noop("a tax rate")),
    "taxable": phrase(gettext_noop("an amount before tax")),
    "tax": phrase(gettext_noop("a tax amount")),
    "allowance": phrase(gettext_noop("a discount or charge")),
    "line_total": phrase(gettext_noop("the total of the lines")),
    "allowance_total": phrase(gettext_noop("the total of discounts")),
    "charge_total": phrase(gettext_noop("the total of charges")),
    "tax_exclusive": phrase(gettext_noop("the total without tax")),
    "tax_total": phrase(gettext_noop("the total tax")),
    "tax_inclusive": phrase(gettext_noop("the total with tax")),
    "prepaid": phrase(gettext_noop("the amount already paid")),
    "rounding": phrase(gettext_noop("the rounding amount")),
    "payable": phrase(gettext_noop("the amount due")),
    "issue_date": phrase(gettext_noop("the invoice date")),
    "due_date": phrase(gettext_noop("the due date")),
}
