"""Seed a ready sandbox company: Linked connection, books, cache filled, datasets Complete.

A seeded company stands for books Codat read long ago: every data type the books hold is in the
cache with a Complete dataset, whatever SANDBOX_FIRST_READ_DATA_TYPES says about new links.
"""

from dataclasses import dataclass

from django.db import transaction

from billpay.sandbox import clock, companies, generator, store
from billpay.sandbox.models import SandboxCompany, SandboxConnection, SandboxDataset
from billpay.sandbox.profiles import get_profile


@dataclass(frozen=True)
class Seeded:
    """What sandbox_seed created."""

    company: SandboxCompany
    connection: SandboxConnection
    books: generator.Books


def seed_company(
    *,
    name: str,
    platform_key: str = "qhyg",
    bills: int = 150,
    suppliers: int | None = None,
    seed: int = 1,
    lines_per_bill: int | None = None,
) -> Seeded:
    """Create a company whose ledger and cache hold the same generated books."""
    now = clock.now()
    with transaction.atomic():
        company = companies.company_create(name=name)
        connection = SandboxConnection.objects.create(
            company=company,
            platform_key=platform_key,
            status=SandboxConnection.Status.LINKED,
            created=now,
            last_sync=now,
        )
        books = generator.generate_books(
            company,
            get_profile(platform_key),
            bills=bills,
            suppliers=suppliers,
            seed=seed,
            lines_per_bill=lines_per_bill,
        )
        profile = get_profile(platform_key)
        SandboxDataset.objects.bulk_create(
            SandboxDataset(
                company=company,
                connection=connection,
                data_type=data_type,
                status=SandboxDataset.Status.COMPLETE
                if profile.supports(data_type)
                else SandboxDataset.Status.NOT_SUPPORTED,
                requested=now,
                due=now,
                completed=now,
                records_modified=True,
                initial=True,
            )
            for data_type in store.BOOK_TYPES
        )
        SandboxCompany.objects.filter(pk=company.pk).update(last_sync=now)
    generator.analyze()
    return Seeded(company=company, connection=connection, books=books)
