# Accounts mirrored from now on record when we first saw them; those already mirrored keep it
# empty, which reads as "known before any push sent from here on".

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('mapping', '0003_accountmapping_bankaccountrequest'),
    ]

    operations = [
        migrations.AddField(
            model_name='ledgeraccount',
            name='first_seen_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='ledgeraccount',
            name='first_seen_at',
            field=models.DateTimeField(blank=True, default=django.utils.timezone.now, null=True),
        ),
    ]
