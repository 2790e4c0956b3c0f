# Payments keep their own states; sending them moves to `pushes.Push` (one per attempt).

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


SENDING = {"queued", "submitting", "submitted", "checking"}
# The payment's old write-back status → its push's status.
PUSH_STATUS = {
    "queued": "queued",
    "submitting": "sending",
    "submitted": "sent",
    "checking": "checking",
    "pending": "succeeded",
    "verified": "succeeded",
    "failed": "failed",
}


def forwards(apps, schema_editor):
    """Every payment that ever went to the books gets the push that holds its write state."""
    Payment = apps.get_model("payments", "Payment")
    PaymentEvent = apps.get_model("payments", "PaymentEvent")
    Push = apps.get_model("pushes", "Push")
    for payment in Payment.objects.filter(status__in=PUSH_STATUS).iterator(chunk_size=500):
        old = payment.status
        waiting_for_verify = old == "pending"
        push = Push.objects.create(
            company_id=payment.company_id,
            kind="payment",
            data_type="billPayments",
            status=PUSH_STATUS[old],
            idempotency_key=payment.idempotency_key,
            body=payment.request_body,
            push_operation_key=payment.push_operation_key,
            record_id=payment.codat_bill_payment_id,
            error=payment.status_reason if old == "failed" else "",
            validation=payment.validation_errors or [],
            attempts=max(payment.attempt, 1) if payment.claimed_at else 0,
            polls=0,
            lookup={} if waiting_for_verify else (payment.lookup or {}),
            claimed_at=payment.claimed_at,
            first_sent_at=payment.claimed_at,
            sent_at=payment.submitted_at,
            completed_at=payment.completed_at if old in ("pending", "verified", "failed") else None,
            created_by_id=payment.confirmed_by_id,
        )
        Push.objects.filter(pk=push.pk).update(
            created_at=payment.confirmed_at or payment.created_at, updated_at=payment.updated_at
        )
        Payment.objects.filter(pk=payment.pk).update(
            push=push,
            status="sending" if old in SENDING else old,
            verify_state=(payment.lookup or {}) if waiting_for_verify else {},
        )
    PaymentEvent.objects.filter(status__in=SENDING).update(status="sending")


def backwards(apps, schema_editor):
    """Payments take their push's write state back (sending → the push's status)."""
    Payment = apps.get_model("payments", "Payment")
    PaymentEvent = apps.get_model("payments", "PaymentEvent")
    back = {"queued": "queued", "sending": "submitting", "sent": "submitted", "checking": "checking"}
    for payment in Payment.objects.exclude(push=None).select_related("push").iterator(chunk_size=500):
        push = payment.push
        Payment.objects.filter(pk=payment.pk).update(
            status=back.get(push.status, "checking") if payment.status == "sending" else payment.status,
            idempotency_key=push.idempotency_key,
            push_operation_key=push.push_operation_key,
            codat_bill_payment_id=push.record_id,
            validation_errors=push.validation,
            lookup=payment.verify_state if payment.status == "pending" else push.lookup,
            claimed_at=push.claimed_at,
            submitted_at=push.sent_at,
        )
    for pk in Payment.objects.filter(push=None).values_list("pk", flat=True):
        Payment.objects.filter(pk=pk).update(idempotency_key=uuid.uuid4())
    PaymentEvent.objects.filter(status="sending").update(status="submitting")


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0001_initial'),
        ('pushes', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="payment", name="payment_status_valid"),
        migrations.AddField(
            model_name="payment",
            name="push",
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="payment", to="pushes.push"),
        ),
        migrations.AddField(model_name="payment", name="verify_polls", field=models.PositiveIntegerField(default=0)),
        migrations.AddField(model_name="payment", name="verify_state", field=models.JSONField(blank=True, default=dict)),
        # Old and new values are both allowed while the rows move.
        migrations.AlterField(
            model_name="payment",
            name="status",
            field=models.CharField(default="draft", max_length=20),
        ),
        migrations.AlterField(
            model_name="payment",
            name="idempotency_key",
            field=models.UUIDField(null=True, unique=True),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveIndex(model_name="payment", name="payments_pa_push_op_6ea76a_idx"),
        migrations.RemoveField(model_name="payment", name="claimed_at"),
        migrations.RemoveField(model_name="payment", name="codat_bill_payment_id"),
        migrations.RemoveField(model_name="payment", name="idempotency_key"),
        migrations.RemoveField(model_name="payment", name="lookup"),
        migrations.RemoveField(model_name="payment", name="poll_count"),
        migrations.RemoveField(model_name="payment", name="push_operation_key"),
        migrations.RemoveField(model_name="payment", name="submitted_at"),
        migrations.RemoveField(model_name="payment", name="validation_errors"),
        migrations.AlterField(
            model_name="payment",
            name="status",
            field=models.CharField(choices=[("draft", "Prepared"), ("scheduled", "Scheduled"), ("sending", "Sending to your books"), ("pending", "Recorded, waiting to show in your books"), ("verified", "Verified in your books"), ("failed", "Failed"), ("on_hold", "On hold"), ("cancelled", "Cancelled")], default="draft", max_length=20),
        ),
        migrations.AlterField(
            model_name="paymentevent",
            name="status",
            field=models.CharField(choices=[("draft", "Prepared"), ("scheduled", "Scheduled"), ("sending", "Sending to your books"), ("pending", "Recorded, waiting to show in your books"), ("verified", "Verified in your books"), ("failed", "Failed"), ("on_hold", "On hold"), ("cancelled", "Cancelled")], max_length=20),
        ),
        migrations.AddConstraint(
            model_name="payment",
            constraint=models.CheckConstraint(condition=models.Q(("status__in", ["draft", "scheduled", "sending", "pending", "verified", "failed", "on_hold", "cancelled"])), name="payment_status_valid"),
        ),
    ]
