from decimal import Decimal

from django import template

from billpay.core.money import format_money, quantize
from billpay.core.parsing import typed_number

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """{{ bill.amount_due|money:bill.currency }} → "$1,234.50"."""
    return format_money(amount, currency)


@register.filter
def amount_input(amount: Decimal | None, currency: str) -> str:
    """An amount as a form field shows it: the currency's decimals, no symbol or grouping, the
    language's decimal mark ("1234.50", "1234,50")."""
    if amount is None:
        return ""
    return typed_number(quantize(amount, currency))
