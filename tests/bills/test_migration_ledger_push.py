"""bills 0009–0011: every LedgerWrite, in every status, moves into a `pushes.Push` and nothing is lost;
migrating back gives each write its state again."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

OLD = [("bills", "0008_syncrun_queued_types")]
NEW = [("bills", "0011_ledgerwrite_thin")]
NOW = timezone.now().replace(microsecond=0)

# One old write per status, between them every kind: (data_type, kind, status, fields).
OLD_WRITES = [
    ("suppliers", "create", "queued", {}),
    (
        "bills",
        "create",
        "submitting",
        {"body": '{"reference": "INV-1"}', "attempts": 1, "first_sent_at": NOW},
    ),
    (
        "bills",
        "update",
        "pending",
        {
            "body": '{"reference": "INV-2"}',
            "attempts": 1,
            "first_sent_at": NOW,
            "push_operation_key": "op-pending",
        },
    ),
    ("bills", "attachment", "unknown", {"attempts": 2, "first_sent_at": NOW}),
    (
        "bills",
        "delete",
        "succeeded",
        {
            "attempts": 1,
            "first_sent_at": NOW,
            "push_operation_key": "op-done",
            "record_id": "bill-77",
            "completed_at": NOW + timedelta(seconds=5),
        },
    ),
    (
        "suppliers",
        "update",
        "failed",
        {
            "body": '{"supplierName": "Acme"}',
            "attempts": 1,
            "first_sent_at": NOW,
            "push_operation_key": "op-failed",
            "error": "Xero refused it: Too long.",
            "validation": ["Too long.", "Bad phone."],
            "completed_at": NOW,
        },
    ),
]
NEW_STATUS = {
    "queued": "queued",
    "submitting": "sending",
    "pending": "sent",
    "unknown": "checking",
    "succeeded": "succeeded",
    "failed": "failed",
}


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def _old_world(apps) -> dict[str, dict]:
    """Rows of the old schema: a company, its bill, supplier and file, and one write each."""
    company = apps.get_model("onboarding", "Company").objects.create(
        name="Migrating Ltd", base_currency="USD", country="US"
    )
    user = apps.get_model("onboarding", "User").objects.create(email="mig@example.com")
    supplier = apps.get_model("bills", "Supplier").objects.create(
        company=company, codat_supplier_id="sup-1", name="Acme"
    )
    bill = apps.get_model("bills", "Bill").objects.create(
        company=company, codat_bill_id="bill-77", supplier=supplier, currency="USD"
    )
    upload = apps.get_model("bills", "BillAttachment").objects.create(
        company=company,
        bill=bill,
        file="x.pdf",
        name="x.pdf",
        content_type="application/pdf",
        size=3,
        sha256="0" * 64,
    )
    LedgerWrite = apps.get_model("bills", "LedgerWrite")
    expected = {}
    for data_type, kind, status, fields in OLD_WRITES:
        write = LedgerWrite.objects.create(
            company=company,
            data_type=data_type,
            kind=kind,
            status=status,
            idempotency_key=uuid.uuid4(),
            created_by=user,
            bill=bill if data_type == "bills" else None,
            supplier=supplier if data_type == "suppliers" else None,
            attachment=upload if kind == "attachment" else None,
            **fields,
        )
        created = NOW - timedelta(days=1)
        LedgerWrite.objects.filter(pk=write.pk).update(created_at=created, updated_at=NOW)
        expected[status] = {
            "pk": write.pk,
            "kind": f"{data_type[:-1]}.{kind}",
            "data_type": data_type,
            "key": write.idempotency_key,
            "user": user.pk,
            "company": company.pk,
            "created_at": created,
            "bill": write.bill_id,
            "supplier": write.supplier_id,
            "attachment": write.attachment_id,
            "old": fields,
        }
    return expected


@pytest.mark.django_db(transaction=True)
def test_every_ledger_write_moves_into_its_push_and_back():
    try:
        expected = _old_world(_migrate(OLD))

        apps = _migrate(NEW)

        LedgerWrite = apps.get_model("bills", "LedgerWrite")
        Push = apps.get_model("pushes", "Push")
        assert LedgerWrite.objects.count() == Push.objects.count() == len(OLD_WRITES)
        for status, want in expected.items():
            write = LedgerWrite.objects.select_related("push").get(pk=want["pk"])
            push, old = write.push, want["old"]
            assert (write.bill_id, write.supplier_id, write.attachment_id) == (
                want["bill"],
                want["supplier"],
                want["attachment"],
            )
            assert (push.status, push.kind, push.data_type) == (
                NEW_STATUS[status],
                want["kind"],
                want["data_type"],
            )
            assert push.idempotency_key == want["key"]
            assert push.body == old.get("body", "")
            assert push.push_operation_key == old.get("push_operation_key", "")
            assert push.record_id == old.get("record_id", "")
            assert push.error == old.get("error", "")
            assert push.validation == [
                {"field": "", "message": m} for m in old.get("validation", [])
            ]
            assert push.attempts == old.get("attempts", 0)
            assert push.first_sent_at == old.get("first_sent_at")
            assert push.completed_at == old.get("completed_at")
            assert (push.company_id, push.created_by_id) == (want["company"], want["user"])
            assert push.created_at == want["created_at"] and push.updated_at == NOW
            # A write being sent has a claim as old as its last change: the machine checks it.
            assert push.claimed_at == (NOW if status == "submitting" else old.get("first_sent_at"))

        apps = _migrate(OLD)

        LedgerWrite = apps.get_model("bills", "LedgerWrite")
        assert not Push.objects.exists()  # the pushes went with the rows they came from
        for status, want in expected.items():
            write = LedgerWrite.objects.get(pk=want["pk"])
            assert (write.status, write.kind, write.idempotency_key) == (
                status,
                want["kind"].split(".")[1],
                want["key"],
            )
            assert write.validation == want["old"].get("validation", [])
            assert write.push_operation_key == want["old"].get("push_operation_key", "")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
