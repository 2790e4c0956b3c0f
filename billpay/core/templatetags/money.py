from decimal import Decimal

from django import template

from billpay.core.money import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """{{ bill.amount_due|money:bill.currency }} → "$1,234.50"."""
    return format_money(amount, currency)
