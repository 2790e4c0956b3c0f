from django.db import migrations

# The inbox searches with LIKE '%term%' over search_text. On PostgreSQL a trigram GIN index
# serves that without scanning every bill of the company; SQLite (make run) goes without.


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS bill_search_trgm ON bills_bill USING gin (search_text gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS bill_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("bills", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
