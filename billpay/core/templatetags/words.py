"""Plain words in templates: `{% load words %}`, then `{{ bill.codat_status|bill_status }}`."""

from django import template

from billpay.core import words

register = template.Library()

register.filter("bill_status", words.bill_status)
register.filter("data_type_name", words.data_type_name)
register.filter("field_name", words.field_name)
register.filter("account_status", words.account_status)
register.filter("platform_name", words.platform_name)
register.filter("payment_method", words.payment_method)
