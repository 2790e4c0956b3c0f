# Writes of bills, suppliers and invoice files go through `pushes.Push` (1/3): each LedgerWrite
# gets a link to its push; the fields that move to the push become fit to come back empty when
# migrating backwards. 0010 moves the rows (in its own transaction: PostgreSQL refuses to alter a
# table with pending trigger events), 0011 drops the old fields.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bills", "0008_syncrun_queued_types"),
        ("pushes", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="ledgerwrite",
            name="push",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="ledger_write",
                to="pushes.push",
            ),
        ),
        migrations.AlterField(
            model_name="ledgerwrite",
            name="idempotency_key",
            field=models.UUIDField(null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="ledgerwrite",
            name="data_type",
            field=models.CharField(default="", max_length=20),
        ),
        migrations.AlterField(
            model_name="ledgerwrite",
            name="kind",
            field=models.CharField(default="", max_length=20),
        ),
    ]
