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
    """read.completed for these datasets, and read.completed.initial once a first read is done."""
    payload = {
        "referenceCompany": webhooks.reference_company(company),
        "modifiedFromDate": iso(min(d.requested for d in finished)),
        "dataTypes": [_summary(d) for d in finished],
    }
    webhooks.emit(company, "read.completed", payload)
    initial = [d for d in finished if d.initial]
    for connection_id in {d.connection_id for d in initial}:
        still_running = SandboxDataset.objects.filter(
            connection_id=connection_id, initial=True, completed__isnull=True
        ).exists()
        if not still_running:
            initial_types = SandboxDataset.objects.filter(connection_id=connection_id, initial=True)
            webhooks.emit(
                company,
                "read.completed.initial",
                {**payload, "dataTypes": [_summary(d) for d in initial_types]},
            )


def _summary(dataset: SandboxDataset) -> dict:
    return {
        "connectionId": str(dataset.connection_id),
        "dataType": dataset.data_type,
        "recordsModified": dataset.records_modified,
        "status": dataset.status,
        "issues": [],
    }
