"""CSV downloads: plain (commas, decimal points) or as French Excel opens them (semicolons, decimal
commas, UTF-8 with a byte order mark), streamed row by row, safe from formula injection."""

import csv
import itertools
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils import timezone


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_cell(value):
    """Text that a spreadsheet would run as a formula is prefixed with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def excel_cell(value):
    """A cell as French Excel reads it: amounts with a decimal comma, text as `csv_cell`."""
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    return csv_cell(value)


def csv_response(
    name: str, header: Sequence[str], rows: Iterable[Sequence], *, excel: bool = False
) -> StreamingHttpResponse:
    """`name-YYYY-MM-DD.csv` (or `-excel.csv`) streamed from `rows` under `header`."""
    writer = csv.writer(_Echo(), delimiter=";" if excel else ",")
    cell = excel_cell if excel else csv_cell
    lines = (writer.writerow([cell(v) for v in row]) for row in itertools.chain([header], rows))
    if excel:
        lines = itertools.chain(["\ufeff"], lines)  # the BOM: Excel then reads UTF-8, not ANSI
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    suffix = "-excel" if excel else ""
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-{timezone.localdate():%Y-%m-%d}{suffix}.csv"'
    )
    return response
