import os
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.test import Client, override_settings
from django.utils import translation

from billpay.onboarding.tenancy import SESSION_COMPANY_KEY
from tests.factories import CompanyFactory, MembershipFactory, UserFactory


@pytest.fixture(scope="session", autouse=True)
def _worker_cache():
    """Under pytest-xdist, each worker its own Redis database for the cache (worker gwN: REDIS_URL's
    database + N), as pytest-django gives each its own PostgreSQL database: rows of two workers'
    databases share primary keys, so a cache shared by them would mix their companies' entries."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    from django.conf import settings

    location = settings.CACHES["default"].get("LOCATION", "")
    if worker == "gw0" or not str(location).startswith("redis://"):
        yield
        return
    parts = urlsplit(location)
    database = int(parts.path.strip("/") or 0) + int(worker.removeprefix("gw"))
    caches = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": urlunsplit(parts._replace(path=f"/{database}")),
        }
    }
    with override_settings(CACHES=caches):
        yield


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Settings every test gets: mail in memory, fast hashing, media in a temp dir."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.APP_BASE_URL = "http://testserver"


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A request activates its language in the thread (LocaleMiddleware leaves it active after
    the response): the next test starts from the default again."""
    yield
    translation.deactivate()


@pytest.fixture
def company(db):
    return CompanyFactory(name="Alpha Bakery")


@pytest.fixture
def user(company):
    """An owner of `company`."""
    return MembershipFactory(company=company, user__email="alice@example.com").user


@pytest.fixture
def accountant(company):
    return MembershipFactory(company=company, role="accountant", user__email="bob@example.com").user


@pytest.fixture
def other_company(db):
    """An outsider: a company `user` does not belong to, with its own owner (charlie)."""
    company = CompanyFactory(name="Charlie Hardware")
    MembershipFactory(company=company, user__email="charlie@example.com")
    return company


def _logged_in(user, company, **defaults) -> Client:
    client = Client(**defaults)
    client.force_login(user)
    session = client.session
    session[SESSION_COMPANY_KEY] = company.pk
    session.save()
    return client


@pytest.fixture
def client_member(user, company) -> Client:
    """A browser logged in as the owner, with `company` current."""
    return _logged_in(user, company)


@pytest.fixture
def client_accountant(accountant, company) -> Client:
    return _logged_in(accountant, company)


@pytest.fixture
def htmx_client(user, company) -> Client:
    """Like client_member, but every request says it comes from htmx."""
    return _logged_in(user, company, HTTP_HX_REQUEST="true")


@pytest.fixture
def outsider():
    """A user with a company of their own, and nothing to do with `company`."""
    return UserFactory(email="mallory@example.com")


# --- The Codat sandbox over real HTTP -------------------------------------------------------------


@pytest.fixture
def sandbox(live_server, settings):
    """The app's Codat client pointed at the sandbox, served over real HTTP by live_server."""
    settings.CODAT_BASE_URL = f"{live_server.url}/sandbox/api"
    settings.CODAT_API_KEY = "sandbox-key"
    settings.SANDBOX_API_KEYS = ["sandbox-key"]
    settings.SANDBOX_WEBHOOK_URL = ""
    settings.SANDBOX_FAULT_ERROR_RATE = "0"
    settings.SANDBOX_FAULT_LATENCY_MS = 0
    settings.SANDBOX_FAULT_429_RATE = "0"
    settings.SANDBOX_FAULT_LOST_RESPONSE_RATE = "0"
    settings.SANDBOX_PUSH_DELAY_SECONDS = 0
    settings.SANDBOX_SYNC_DELAY_SECONDS = 0
    settings.SANDBOX_CACHE_REFRESH_SECONDS = 0
    settings.SANDBOX_FAULT_FIRST_READ_ERROR = ""
    settings.SANDBOX_FAULT_FIRST_READ_ERROR_TYPES = []
    settings.SANDBOX_REDIRECT_URL = (
        "http://testserver/connect/return/?companyId={companyId}&connectionId={connectionId}"
        "&statusCode={statusCode}&errorMessage={errorMessage}"
    )
    return live_server


def link_to_sandbox(company, *, bills: int = 40, platform_key: str = "qhyg", seed: int = 7):
    """Seed sandbox books and link `company` to them, as if the owner had connected."""
    from billpay.onboarding.models import AccountingConnection
    from billpay.sandbox.seeding import seed_company

    seeded = seed_company(name=company.name, platform_key=platform_key, bills=bills, seed=seed)
    company.codat_company_id = str(seeded.company.pk)
    company.save(update_fields=["codat_company_id"])
    AccountingConnection.objects.create(
        company=company,
        codat_connection_id=str(seeded.connection.pk),
        platform_key=platform_key,
        platform_name="QuickBooks Online",
        status=AccountingConnection.Status.LINKED,
    )
    return seeded


@pytest.fixture
def linked_company(sandbox, transactional_db):
    """A company (with owner alice) linked to sandbox books of 40 bills."""
    company = CompanyFactory(name="Alpha Bakery")
    MembershipFactory(company=company, user__email="alice@example.com")
    company.seeded = link_to_sandbox(company)
    return company


@pytest.fixture
def enqueued():
    """Every task sent to the broker (nothing is sent), as (task name, kwargs)."""
    calls = []

    def record(self, args=None, kwargs=None, **options):
        calls.append((self.name.rsplit(".", 1)[-1], kwargs or {}))

    with mock.patch("celery.app.task.Task.apply_async", autospec=True, side_effect=record):
        yield calls


def sync_books(company) -> None:
    """Mirror the company's books now, in the foreground (the way the sync task would)."""
    from billpay.bills.models import SyncRun
    from billpay.bills.services import SyncOutcome, bills_sync, sync_run_queue

    run, _ = sync_run_queue(company=company, trigger=SyncRun.Trigger.MANUAL)
    assert bills_sync(run_id=run.pk) == SyncOutcome.DONE
