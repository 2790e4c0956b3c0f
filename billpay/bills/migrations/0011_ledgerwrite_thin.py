# Writes of bills, suppliers and invoice files go through `pushes.Push` (3/3): a LedgerWrite
# keeps only what it is about (bill, supplier, invoice file) and its push.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bills", "0010_ledgerwrite_push_data"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="ledgerwrite", name="ledgerwrite_push_key_unique"),
        migrations.RemoveIndex(model_name="ledgerwrite", name="bills_ledge_company_adfd8b_idx"),
        migrations.RemoveField(model_name="ledgerwrite", name="attempts"),
        migrations.RemoveField(model_name="ledgerwrite", name="body"),
        migrations.RemoveField(model_name="ledgerwrite", name="completed_at"),
        migrations.RemoveField(model_name="ledgerwrite", name="created_by"),
        migrations.RemoveField(model_name="ledgerwrite", name="data_type"),
        migrations.RemoveField(model_name="ledgerwrite", name="error"),
        migrations.RemoveField(model_name="ledgerwrite", name="first_sent_at"),
        migrations.RemoveField(model_name="ledgerwrite", name="idempotency_key"),
        migrations.RemoveField(model_name="ledgerwrite", name="kind"),
        migrations.RemoveField(model_name="ledgerwrite", name="push_operation_key"),
        migrations.RemoveField(model_name="ledgerwrite", name="record_id"),
        migrations.RemoveField(model_name="ledgerwrite", name="status"),
        migrations.RemoveField(model_name="ledgerwrite", name="validation"),
        migrations.AlterField(
            model_name="ledgerwrite",
            name="push",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="ledger_write",
                to="pushes.push",
            ),
        ),
    ]
