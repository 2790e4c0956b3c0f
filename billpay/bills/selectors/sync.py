"""How far the company's reading of its books has got: its sync runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from billpay.bills.models import SyncRun

if TYPE_CHECKING:
    from billpay.onboarding.models import AccountingConnection, Company


def sync_run_latest(*, company: Company) -> SyncRun | None:
    """The company's most recent sync run, if any."""
    return SyncRun.objects.filter(company=company).first()


@dataclass(frozen=True)
class FirstSync:
    """How far the company's first read of its books has got: what the inbox may claim.

    Until a sync has succeeded once, an empty inbox says nothing about the bills in the books:
    they are being read (`reading`), the read failed (`failed`, `latest.error` says why), or no
    read has started (`not_started`). Only once `done` may it say that every bill is paid.
    """

    latest: SyncRun | None
    done: bool

    @property
    def reading(self) -> bool:
        return not self.done and self.latest is not None and self.latest.is_active

    @property
    def failed(self) -> bool:
        return (
            not self.done
            and self.latest is not None
            and self.latest.status == SyncRun.Status.FAILED
        )

    @property
    def not_started(self) -> bool:
        return not self.done and self.latest is None


def sync_first_state(
    *, company: Company, connection: AccountingConnection | None = None
) -> FirstSync:
    """Whether the company's books have been read once, and its latest sync run.

    No query when the connection (as loaded for the page) says a sync has finished (the usual
    case: `latest` is then not read, nothing shows it); one or two otherwise.
    """
    if connection is not None and connection.last_synced_at is not None:
        return FirstSync(latest=None, done=True)
    latest = sync_run_latest(company=company)
    done = latest is not None and (
        latest.status == SyncRun.Status.SUCCEEDED
        or SyncRun.objects.filter(company=company, status=SyncRun.Status.SUCCEEDED).exists()
    )
    return FirstSync(latest=latest, done=done)
