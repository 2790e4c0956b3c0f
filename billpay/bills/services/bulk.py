"""Bulk writes for the sync: PostgreSQL COPY where available, Django's bulk_create elsewhere.

Django's bulk_create on PostgreSQL sends each column as an array (UNNEST), and psycopg escapes
every element of a text array in Python; for 10,000 bills with their raw JSON that quoting alone
cost more than the whole network read. COPY streams rows in PostgreSQL's own text format, so an
upsert is: COPY into a temporary staging table, then one INSERT … ON CONFLICT … RETURNING.
SQLite (`make run`) keeps the portable bulk_create path.
"""

from collections.abc import Sequence

from django.db import DEFAULT_DB_ALIAS, connection, connections, models


def _fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _copy(cursor, table: str, fields: list[models.Field], rows: Sequence[models.Model]) -> None:
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    # psycopg dumps str, int, bool, Decimal, date and datetime itself; only JSON needs Django's
    # adapter. Resolving that once per column (not per value) keeps the loop cheap.
    real = connections[DEFAULT_DB_ALIAS]
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    auto_now = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    plan = [(f.attname, f.get_db_prep_save if f.attname in json_fields else None) for f in fields]
    with (
        cursor.connection.cursor() as raw,
        raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in rows:
            for f in auto_now:
                f.pre_save(obj, add=True)
            copy.write_row(
                [
                    prep(getattr(obj, name), real) if prep else getattr(obj, name)
                    for name, prep in plan
                ]
            )


def insert(model: type[models.Model], rows: Sequence[dict]) -> None:
    """Insert rows given as {attname: value} dicts (no ids come back; no model instances are
    built on PostgreSQL, which matters for tens of thousands of bill lines).

    **Transaction:** joins the caller's.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=2000)
        return
    fields = _fields(model)
    defaults = {f.attname: f.get_default() for f in fields}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    names = [f.attname for f in fields]
    with connection.cursor() as cursor, cursor.connection.cursor() as raw:
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[name] if name in row else defaults[name] for name in names])


def upsert(
    model: type[models.Model],
    rows: Sequence[models.Model],
    *,
    unique_fields: list[str],
    update_fields: list[str],
) -> None:
    """Insert or update rows on the unique fields and set their primary keys.

    **Transaction:** joins the caller's (the staging table empties itself at commit).
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=unique_fields,
            update_fields=update_fields,
        )
        return
    qn = connection.ops.quote_name
    table, fields = model._meta.db_table, _fields(model)
    stage = qn(f"stage_{table}")
    columns = ", ".join(qn(f.column) for f in fields)
    conflict = ", ".join(qn(model._meta.get_field(name).column) for name in unique_fields)
    updates = ", ".join(
        f"{qn(c)} = EXCLUDED.{qn(c)}"
        for c in (model._meta.get_field(n).column for n in update_fields)
    )
    key_columns = [model._meta.get_field(name).column for name in unique_fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "
            f"SELECT {columns} FROM {qn(table)} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {stage}")
        _copy(cursor, stage, fields, rows)
        cursor.execute(
            f"INSERT INTO {qn(table)} ({columns}) SELECT {columns} FROM {stage} "
            f"ON CONFLICT ({conflict}) DO UPDATE SET {updates} "
            f"RETURNING {qn(model._meta.pk.column)}, {', '.join(qn(c) for c in key_columns)}"
        )
        ids = {tuple(str(v) for v in key): pk for pk, *key in cursor.fetchall()}
    attnames = [model._meta.get_field(name).attname for name in unique_fields]
    for obj in rows:
        obj.pk = ids[tuple(str(getattr(obj, a)) for a in attnames)]
