"""The sandbox's clock-driven work, run lazily whenever a request touches a company."""

from django.db import transaction

from billpay.sandbox import conf, pushes, store, webhooks
from billpay.sandbox.jsonutil import iso
from billpay.sandbox.models import SandboxCompany, SandboxDataset


def advance(company: SandboxCompany) -> None:
    """Finish due pushes, then due datasets (so a refresh sees the write), then retry webhooks."""
    pushes.advance_pushes(company)
    finished = store.complete_due_datasets(company)
    if finished:
        emit_read_completed(company, finished)
    if conf.get("SANDBOX_WEBHOOK_URL") and webhooks.has_due():
        transaction.on_commit(_retry_due)


def _retry_due() -> None:
    ids = webhooks.due_ids()
    if ids:
        webhooks.deliver_soon(ids)


def emit_read_completed(company: SandboxCompany, finished: list[SandboxDataset]) -> None:
    """Send read.completed for later reads, and read.completed.initial once a first read is done.

    The initial event lists every type the connection's first read fetched, whatever its status.
    """
    later = [d for d in finished if not d.initial]
    if later:
        webhooks.emit(company, "read.completed", read_payload(company, later))
    for connection_id in sorted({d.connection_id for d in finished if d.initial}, key=str):
        first_read = SandboxDataset.objects.filter(connection_id=connection_id, initial=True)
        if first_read.filter(completed__isnull=True).exists():
            continue  # the first read's other types are still being fetched
        datasets = sorted(first_read, key=lambda dataset: dataset.data_type)
        webhooks.emit(company, "read.completed.initial", read_payload(company, datasets))


def read_payload(company: SandboxCompany, datasets: list[SandboxDataset]) -> dict:
    """The payload of read.completed(.initial), as Codat's ReadCompletedWebhook documents it."""
    return {
        "referenceCompany": webhooks.reference_company(company),
        # Records this read changed are stamped at its end, so none is older than its request.
        "modifiedFromDate": iso(min(d.requested for d in datasets)),
        "dataTypes": [
            {
                "connectionId": str(dataset.connection_id),
                "dataType": dataset.data_type,
                "recordsModified": dataset.records_modified,
                "status": dataset.status,
                "issues": [],
            }
            for dataset in datasets
        ],
    }
