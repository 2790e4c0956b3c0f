"""The list floor: the least a Django page listing 50 bills of a company can cost.

A bare view (no log-in, no tenancy, no context processors) reads the same 50 rows the inbox's
default view reads, through the same index (bills to pay by due date), and renders them with a
plain template. The load benchmark serves it from the same gunicorn as the inbox, so inbox ÷
floor (`load_inbox_list_ratio`) is the share of a page's cost the inbox adds on top of listing.
"""

from django.http import HttpRequest, HttpResponse
from django.template import engines

from billpay.bills.models import DUE_KEY, TO_PAY, Bill

PAGE_SIZE = 50

TEMPLATE = engines["django"].from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bills</title></head>
<body><table>
<thead><tr><th>Supplier</th><th>Reference</th><th>Due</th><th>Amount due</th><th>Status</th></tr></thead>
<tbody>
{% for bill in bills %}<tr><td>{{ bill.supplier_name }}</td><td>{{ bill.reference }}</td><td>{{ bill.due_date }}</td><td>{{ bill.amount_due }} {{ bill.currency }}</td><td>{{ bill.codat_status }}</td></tr>
{% endfor %}</tbody>
</table></body></html>
"""
)


def bill_list_floor(request: HttpRequest, company_id: int) -> HttpResponse:
    bills = (
        Bill.objects.filter(TO_PAY, company_id=company_id)
        .annotate(sort_key=DUE_KEY)
        .order_by("sort_key", "id")
        .only("supplier_name", "reference", "due_date", "amount_due", "currency", "codat_status")[
            :PAGE_SIZE
        ]
    )
    return HttpResponse(TEMPLATE.render({"bills": bills}))
