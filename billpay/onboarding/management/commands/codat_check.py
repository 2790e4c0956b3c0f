"""`manage.py codat_check`: does CODAT_BASE_URL answer, and does it accept CODAT_API_KEY?

Makes one cheap request (`GET /companies?page=1&pageSize=1`) and exits non-zero on failure,
so it can run in a release step or by hand after changing the key.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from billpay.codat import CodatAuthError, CodatError, get_codat_client


class Command(BaseCommand):
    help = "Check that CODAT_BASE_URL is reachable and accepts CODAT_API_KEY."

    def handle(self, *args, **options) -> None:
        url = settings.CODAT_BASE_URL
        # One try: the question is "does it work right now", answered quickly.
        client = get_codat_client(max_retries=0, timeout=(5.0, 15.0))
        try:
            next(client.list_companies(page_size=1), None)
        except CodatError as exc:
            self.stderr.write(_failure(url, exc))
            raise SystemExit(1) from exc
        finally:
            client.close()
        self.stdout.write(self.style.SUCCESS(f"OK: reached {url}, key accepted"))


def _failure(url: str, error: CodatError) -> str:
    if isinstance(error, CodatAuthError):
        return f"FAILED: key rejected ({error.status})"
    if error.status is None:
        # No HTTP answer at all: show the underlying connection error (DNS, refused, TLS).
        return f"FAILED: cannot reach {url}: {error.__cause__ or error}"
    return f"FAILED: {url} answered {error.status}: {error.error or error}"
