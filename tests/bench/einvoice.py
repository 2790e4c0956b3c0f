"""E-invoices benchmark: 100 mixed e-invoices (Factur-X PDFs, CII and UBL invoices, UBL credit
notes, 1 to 4 lines, 8 suppliers) read into drafts by the ingest service, as an upload of 100 files
would be, for a company with 2,000 suppliers in its books (so matching has work to do).

`einvoice_100_s` is the best of ROUNDS wall times (reading, matching, storing each file and its
draft, one transaction per file); `einvoice_per_s` is documents per second at that time."""

from billpay.inbound import samples
from tests.bench.harness import report, timer

COUNT = 100
ROUNDS = 3
SUPPLIERS = 2000


def _company():
    from billpay.bills.models import Supplier
    from billpay.onboarding.models import Company

    company = Company.objects.create(name="Bench E-invoices SAS", base_currency="EUR", country="FR")
    Supplier.objects.bulk_create(
        Supplier(
            company=company,
            codat_supplier_id=f"sup-{n}",
            name=f"Supplier {n} SARL",
            tax_number=samples.fr_vat(samples.siren(f"{10000000 + n:08d}")),
            status="Active",
        )
        for n in range(SUPPLIERS)
    )
    return company


def run() -> None:
    from billpay.inbound.models import Draft
    from billpay.inbound.services import IncomingFile, inbound_ingest

    company = _company()
    files = [IncomingFile(name, content) for name, content in samples.mixed(COUNT)]
    times = []
    for _ in range(ROUNDS):
        with timer() as t:
            outcome = inbound_ingest(company=company, files=files, source=Draft.Source.UPLOAD)
        assert len(outcome.drafts) == COUNT and not outcome.refused, outcome.refused
        times.append(t["s"])
    best = min(times)
    report("einvoice_100_s", best, "100 files into drafts")
    report("einvoice_per_s", COUNT / best, "documents per second")
