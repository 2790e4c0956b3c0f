"""The corpus through the ingest service: every sample becomes a draft with what it says, every
hostile file a refused draft with its reason, and neither stops the others."""

from decimal import Decimal

from django.utils import translation

from billpay.inbound import samples
from billpay.inbound.models import Draft
from billpay.inbound.services import IncomingFile, inbound_ingest


def test_the_whole_corpus_and_the_hostile_files_in_one_upload(company, user):
    good = samples.corpus()
    hostile = {name: make() for name, make in samples.HOSTILE.items()}
    files = [
        IncomingFile(*file) for file in [*good.values(), samples.totals_off(), *hostile.values()]
    ]
    outcome = inbound_ingest(company=company, files=files, source=Draft.Source.UPLOAD, actor=user)

    assert len(outcome.drafts) == len(good) + 1
    by_reference = {draft.reference: draft for draft in outcome.drafts}
    several = by_reference["IL/2026/0310"]
    assert several.format == "factur-x" and several.kind == Draft.Kind.BILL
    assert several.total_amount == Decimal("318.67")
    assert several.supplier_name == "Imprimerie Lefèvre & Fils"
    assert several.data["supplier"]["vat_number"] == "FR89380129866"
    assert several.attachment.content_type == "application/pdf"
    assert by_reference["AV-2026-0007"].kind == Draft.Kind.CREDIT_NOTE
    assert by_reference["TTT-5521"].currency == "GBP"

    off = by_reference["FA-2026-0099"]
    off.refresh_from_db()
    assert len(off.warnings) == 3
    with translation.override("en"):
        assert off.warning_texts[0] == (
            "The lines add up to €45.00, but the invoice says the lines total €50.00."
        )

    refused = {draft.file_name: draft for draft in outcome.refused}
    assert set(refused) == {name for name, _content in hostile.values()}
    with translation.override("en"):
        assert refused["xxe-file.xml"].problem_text.startswith("This file declares a document type")
        assert refused["not-a-number.xml"].problem_text == (
            "In this e-invoice, the amount due is not a number: “54,00 EUR”."
        )
    assert all(draft.attachment is None for draft in outcome.refused)
