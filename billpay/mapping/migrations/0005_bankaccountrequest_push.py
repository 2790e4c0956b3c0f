# Bank account requests keep what was asked for; sending it moves to `pushes.Push` (one each).

import uuid

import django.db.models.deletion
from django.db import migrations, models

KIND = "bank_account.create"
# The request's old write status → its push's status.
PUSH_STATUS = {
    "queued": "queued",
    "submitting": "sending",
    "submitted": "sent",
    "checking": "checking",
    "succeeded": "succeeded",
    "failed": "failed",
}
BACK = {v: k for k, v in PUSH_STATUS.items()}


def forwards(apps, schema_editor):
    """Every request, whatever its state, gets the push that holds its write state."""
    BankAccountRequest = apps.get_model("mapping", "BankAccountRequest")
    Push = apps.get_model("pushes", "Push")
    for request in BankAccountRequest.objects.filter(push=None).iterator(chunk_size=500):
        status = PUSH_STATUS.get(request.status, "checking")
        # A request that may have reached Codat must look sent (first_sent_at), so the machine
        # looks it up before any resend.
        may_have_sent = status in ("sending", "sent", "checking")
        claimed = request.claimed_at or (request.updated_at if may_have_sent else None)
        push = Push.objects.create(
            company_id=request.company_id,
            kind=KIND,
            data_type="bankAccounts",
            status=status,
            idempotency_key=request.idempotency_key,
            body=request.request_body,
            push_operation_key=request.push_operation_key,
            record_id=request.codat_account_id,
            error=request.error,
            validation=request.errors or [],
            attempts=1 if claimed else 0,
            polls=0,
            lookup={},
            claimed_at=claimed,
            first_sent_at=claimed,
            sent_at=claimed if request.push_operation_key else None,
            completed_at=request.finished_at if status in ("succeeded", "failed") else None,
            created_by_id=request.created_by_id,
        )
        Push.objects.filter(pk=push.pk).update(
            created_at=request.created_at, updated_at=request.updated_at
        )
        BankAccountRequest.objects.filter(pk=request.pk).update(push=push)
    _check_now(schema_editor)


def backwards(apps, schema_editor):
    """Requests take their push's write state back; their pushes go."""
    BankAccountRequest = apps.get_model("mapping", "BankAccountRequest")
    Push = apps.get_model("pushes", "Push")
    for request in BankAccountRequest.objects.exclude(push=None).select_related("push").iterator(
        chunk_size=500
    ):
        push = request.push
        BankAccountRequest.objects.filter(pk=request.pk).update(
            status=BACK.get(push.status, "checking"),
            idempotency_key=push.idempotency_key,
            request_body=push.body,
            push_operation_key=push.push_operation_key,
            codat_account_id=push.record_id,
            error=push.error,
            errors=push.validation or [],
            claimed_at=push.claimed_at,
            finished_at=push.completed_at,
            push=None,
        )
        Push.objects.filter(pk=push.pk).delete()
    for pk in BankAccountRequest.objects.filter(idempotency_key=None).values_list("pk", flat=True):
        BankAccountRequest.objects.filter(pk=pk).update(idempotency_key=uuid.uuid4())
    _check_now(schema_editor)


def _check_now(schema_editor):
    # The rows written above leave deferred foreign-key checks, and PostgreSQL refuses to alter
    # a table with pending trigger events (the push column's constraint changes next).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('mapping', '0004_ledgeraccount_first_seen_at'),
        ('pushes', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='bankaccountrequest',
            name='push',
            field=models.OneToOneField(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='bank_account_request', to='pushes.push'),
        ),
        # The key moves to the push: not unique here while both hold it.
        migrations.AlterField(
            model_name='bankaccountrequest',
            name='idempotency_key',
            field=models.UUIDField(null=True),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name='bankaccountrequest', name='claimed_at'),
        migrations.RemoveField(model_name='bankaccountrequest', name='codat_account_id'),
        migrations.RemoveField(model_name='bankaccountrequest', name='error'),
        migrations.RemoveField(model_name='bankaccountrequest', name='errors'),
        migrations.RemoveField(model_name='bankaccountrequest', name='finished_at'),
        migrations.RemoveField(model_name='bankaccountrequest', name='idempotency_key'),
        migrations.RemoveField(model_name='bankaccountrequest', name='poll_count'),
        migrations.RemoveField(model_name='bankaccountrequest', name='push_operation_key'),
        migrations.RemoveField(model_name='bankaccountrequest', name='request_body'),
        migrations.RemoveField(model_name='bankaccountrequest', name='status'),
        migrations.AlterField(
            model_name='bankaccountrequest',
            name='push',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='bank_account_request', to='pushes.push'),
        ),
    ]
