"""The sandbox's URLs: Codat's API under api/ (exact Codat paths) and the hosted Link pages."""

from django.urls import path

from billpay.sandbox.views import base as views_base
from billpay.sandbox.views import companies, data, link, push

app_name = "sandbox"

C = "api/companies/<str:company_id>"
CONN = f"{C}/connections/<str:connection_id>"

urlpatterns = [
    path("link/company/<str:company_id>", link.link_company, name="link-company"),
    path(
        "link/companies/<str:company_id>/connections/<str:connection_id>/start",
        link.link_connection,
        name="link-connection",
    ),
    path("api/companies", companies.company_collection, name="companies"),
    path(C, companies.company_detail, name="company"),
    path(f"{C}/connections", companies.connection_collection, name="connections"),
    path(CONN, companies.connection_detail, name="connection"),
    path(f"{C}/dataStatus", data.data_status, name="data-status"),
    path(f"{C}/data/all", data.queue_all, name="data-all"),
    path(f"{C}/data/queue/<str:data_type>", data.queue, name="data-queue"),
    path(f"{C}/data/history", data.history, name="data-history"),
    path(f"{C}/data/history/<str:dataset_id>", data.history_one, name="data-history-one"),
    path(f"{C}/data/info", data.info, name="data-info"),
    path(f"{C}/push", data.push_list, name="push-list"),
    path(f"{C}/push/<str:push_key>", data.push_one, name="push-one"),
    path(
        f"{CONN}/data/bills/<str:bill_id>/attachments",
        data.attachment_list,
        name="bill-attachments",
    ),
    path(
        f"{CONN}/data/bills/<str:bill_id>/attachments/<str:attachment_id>",
        data.attachment_get,
        name="bill-attachment",
    ),
    path(
        f"{CONN}/data/bills/<str:bill_id>/attachments/<str:attachment_id>/download",
        data.attachment_download,
        name="bill-attachment-download",
    ),
    path(f"{CONN}/options/<str:data_type>", push.options, name="push-options"),
    path(f"{CONN}/push/bills", push.bills, name="push-bills"),
    path(f"{CONN}/push/bills/<str:bill_id>", push.bill, name="push-bill"),
    path(
        f"{CONN}/push/bills/<str:bill_id>/attachments",
        push.bill_attachments,
        name="push-bill-attachments",
    ),
    path(
        f"{CONN}/push/bills/<str:bill_id>/attachments/<str:attachment_id>",
        push.bill_attachment,
        name="push-bill-attachment",
    ),
    path(f"{CONN}/push/suppliers", push.suppliers, name="push-suppliers"),
    path(f"{CONN}/push/suppliers/<str:supplier_id>", push.supplier, name="push-supplier"),
    path(f"{CONN}/push/billCreditNotes", push.credit_notes, name="push-bill-credit-notes"),
    path(f"{CONN}/push/bankAccounts", push.bank_accounts, name="push-bank-accounts"),
    path(f"{CONN}/push/billPayments", push.bill_payments, name="push-bill-payments"),
    path(f"{CONN}/push/billPayments/<str:payment_id>", push.bill_payment, name="push-bill-payment"),
]
for segment in data.READ_TYPES:
    urlpatterns += [
        path(f"{C}/data/{segment}", data.list_view(segment), name=f"data-{segment}"),
        path(
            f"{C}/data/{segment}/<str:record_id>",
            data.detail_view(segment),
            name=f"data-{segment}-detail",
        ),
    ]
# Anything else under api/ answers like Codat (ErrorMessage 404 with rate-limit headers), not HTML.
urlpatterns.append(path("api/<path:rest>", views_base.unknown_endpoint, name="api-unknown"))
