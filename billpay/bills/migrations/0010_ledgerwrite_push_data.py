# Writes of bills, suppliers and invoice files go through `pushes.Push` (2/3): every LedgerWrite
# (in every status) gets the push that now holds its write state.

import uuid

from django.db import migrations

# The old write status → its push's status.
PUSH_STATUS = {
    "queued": "queued",
    "submitting": "sending",
    "pending": "sent",
    "unknown": "checking",
    "succeeded": "succeeded",
    "failed": "failed",
}
BACK = {v: k for k, v in PUSH_STATUS.items()}
# (data_type, kind) → the push's kind (its adapter).
PUSH_KIND = {
    ("bills", "create"): "bill.create",
    ("bills", "update"): "bill.update",
    ("bills", "delete"): "bill.delete",
    ("bills", "attachment"): "bill.attachment",
    ("suppliers", "create"): "supplier.create",
    ("suppliers", "update"): "supplier.update",
}
KIND_BACK = {v: k for k, v in PUSH_KIND.items()}


def forwards(apps, schema_editor):
    """Every write gets its push: the same key, body, operation, outcome and dates."""
    LedgerWrite = apps.get_model("bills", "LedgerWrite")
    Push = apps.get_model("pushes", "Push")
    for write in LedgerWrite.objects.filter(push=None).iterator(chunk_size=500):
        sent = write.first_sent_at
        push = Push.objects.create(
            company_id=write.company_id,
            kind=PUSH_KIND[(write.data_type, write.kind)],
            data_type=write.data_type,
            status=PUSH_STATUS[write.status],
            idempotency_key=write.idempotency_key,
            body=write.body,
            push_operation_key=write.push_operation_key,
            record_id=write.record_id,
            error=write.error,
            # The write kept Codat's messages as text; a push keeps them with their field.
            validation=[{"field": "", "message": m} for m in write.validation or [] if m],
            attempts=write.attempts,
            polls=0,
            lookup={},
            # A write being sent was claimed when it was last updated (a claim that old is stale).
            claimed_at=write.updated_at if write.status == "submitting" else sent,
            first_sent_at=sent,
            sent_at=sent if write.push_operation_key else None,
            completed_at=write.completed_at,
            created_by_id=write.created_by_id,
        )
        Push.objects.filter(pk=push.pk).update(
            created_at=write.created_at, updated_at=write.updated_at
        )
        LedgerWrite.objects.filter(pk=write.pk).update(push=push)


def backwards(apps, schema_editor):
    """Writes take their push's state back, and those pushes go (nothing may send them twice)."""
    LedgerWrite = apps.get_model("bills", "LedgerWrite")
    Push = apps.get_model("pushes", "Push")
    pushes = []
    for write in LedgerWrite.objects.exclude(push=None).select_related("push").iterator(
        chunk_size=500
    ):
        push = write.push
        data_type, kind = KIND_BACK[push.kind]
        LedgerWrite.objects.filter(pk=write.pk).update(
            data_type=data_type,
            kind=kind,
            status=BACK[push.status],
            idempotency_key=push.idempotency_key,
            body=push.body,
            push_operation_key=push.push_operation_key,
            record_id=push.record_id,
            error=push.error,
            validation=[v.get("message", "") for v in push.validation or []],
            attempts=push.attempts,
            first_sent_at=push.first_sent_at,
            completed_at=push.completed_at,
            created_by_id=push.created_by_id,
            push=None,
        )
        pushes.append(push.pk)
    Push.objects.filter(pk__in=pushes).delete()
    for pk in LedgerWrite.objects.filter(idempotency_key=None).values_list("pk", flat=True):
        LedgerWrite.objects.filter(pk=pk).update(idempotency_key=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("bills", "0009_ledgerwrite_push"),
        ("pushes", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
