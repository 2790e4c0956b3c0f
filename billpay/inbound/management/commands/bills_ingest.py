"""`python manage.py bills_ingest FILE… --company <id or name>`: .eml, PDF and XML files →
drafts, as if emailed or uploaded (for development, and `make run`'s demo).

`--samples N` reads N generated e-invoices instead (Factur-X, CII, UBL, credit notes: the test
corpus's `samples.mixed`); `--if-none` does nothing when the company has drafts already, so
`make run` can call it every time."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from billpay.inbound.models import Draft
from billpay.inbound.services.emails import inbound_email_ingest
from billpay.inbound.services.ingest import IncomingFile, inbound_ingest
from billpay.onboarding.models import Company


class Command(BaseCommand):
    help = (
        "Read .eml, PDF and XML files into drafts for a company. Prints one line per file: "
        "the draft, or why it was refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", metavar="FILE")
        parser.add_argument("--company", required=True, help="the company's id or exact name")
        parser.add_argument(
            "--samples", type=int, default=0, metavar="N", help="N generated sample e-invoices"
        )
        parser.add_argument(
            "--if-none", action="store_true", help="only when the company has no drafts yet"
        )

    def handle(self, *args, files: list[str], company: str, samples: int, if_none: bool, **options):
        if not files and samples <= 0:
            raise CommandError("Give files to read, or --samples N.")
        target = _company(company)
        if if_none and Draft.objects.filter(company=target).exists():
            self.stdout.write(f"{target.name} has drafts already: nothing read.")
            return
        if samples > 0:
            from billpay.inbound import samples as corpus

            outcome = inbound_ingest(
                company=target,
                files=[IncomingFile(name, content) for name, content in corpus.mixed(samples)],
                source=Draft.Source.COMMAND,
            )
            for draft in outcome.drafts + outcome.refused:
                self.stdout.write(f"{draft.file_name}: {_describe(draft, '')}")
        paths = [Path(f) for f in files]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:  # a typo in a script: say so before reading anything
            raise CommandError(f"No such file: {', '.join(missing)}")
        for path in paths:
            for label, draft, note in _ingest(target, path):
                self.stdout.write(f"{label}: {_describe(draft, note)}")


def _company(value: str) -> Company:
    if value.isdigit():
        found = Company.objects.filter(pk=int(value)).first()
        if found is not None:
            return found
    matches = list(Company.objects.filter(name__iexact=value.strip())[:2])
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise CommandError(f"Several companies are named {value!r}: give the id")
    raise CommandError(f"No company {value!r}")


def _ingest(company: Company, path: Path):
    content = path.read_bytes()
    if path.suffix.lower() != ".eml":
        outcome = inbound_ingest(
            company=company,
            files=[IncomingFile(name=path.name, content=content)],
            source=Draft.Source.COMMAND,
            keep_plain_files=True,
        )
        for draft in outcome.drafts + outcome.refused:
            yield path.name, draft, ""
        return
    message = email.message_from_bytes(content, policy=policy.default)
    outcome = inbound_email_ingest(company=company, message=message, source=Draft.Source.COMMAND)
    for draft in outcome.drafts + outcome.refused:
        yield _label(path, draft), draft, ""
    for draft in outcome.already:
        yield _label(path, draft), draft, " (already imported)"


def _label(path: Path, draft: Draft) -> str:
    return f"{path.name} > {draft.file_name}" if draft.file_name else path.name


def _describe(draft: Draft, note: str) -> str:
    if draft.status == Draft.Status.REFUSED:
        return f"refused: {draft.problem}{note}"
    what = Draft.Kind(draft.kind).label
    return f"draft #{draft.pk}, {str(what).lower()}{note}"
