"""Browser end-to-end tests: Debian's chromium driven by Playwright against pytest-django's live_server.

Everything runs in this process: the app and the Codat sandbox are served by the same live_server
(a threaded WSGI server), and Celery tasks run eagerly inside the request that enqueues them, so a
page shows a task's final state as soon as the request that started it returns.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# A closed network: no QUIC, no component or safe-browsing updates, no sync, no first-run UI.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "e2e"
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item (rep_setup, rep_call) for the artifact finalizer."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="module")
def browser():
    """One headless chromium per test module; every test gets fresh contexts from it.

    launch() gives chromium a fresh temporary user-data-dir of its own (and deletes it on close):
    Playwright refuses a --user-data-dir argument outside launch_persistent_context().

    Playwright's sync API keeps an asyncio loop marked as running in this thread while it is
    open, so Django's async-safety guard would refuse the test's own ORM calls: it is lifted for
    exactly as long as the browser lives (module scope, so it never leaks into other tests).
    """
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, request, live_server):
    """Open a page in a fresh browser context (its own cookies): new_page(viewport=PHONE).

    When the test fails, every page it opened leaves a screenshot and its HTML in var/e2e/.
    Any Content-Security-Policy violation in any of its pages fails the test (tests/e2e/csp.py);
    `new_page.csp.take()` hands one caused on purpose to the test instead.
    """
    from tests.e2e.csp import CspWatch

    contexts = []
    pages = []
    csp = CspWatch()

    def factory(*, viewport=None, locale=None):
        # locale also sets the Accept-Language header the app picks its language from.
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport or {"width": 1280, "height": 900},
            **({"locale": locale} if locale else {}),
        )
        context.set_default_timeout(TIMEOUT_MS)
        csp.attach(context)
        contexts.append(context)
        page = context.new_page()
        pages.append(page)
        return page

    factory.csp = csp
    yield factory

    for page in pages:  # let the browser's last reports reach us
        if not page.is_closed():
            page.wait_for_timeout(50)
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        for number, page in enumerate(pages, start=1):
            stem = ARTIFACTS / f"{name}-{number}"
            try:
                page.screenshot(path=f"{stem}.png", full_page=True)
                Path(f"{stem}.html").write_text(page.content(), encoding="utf-8")
            except Exception as exc:  # the page may have crashed: keep what there is
                Path(f"{stem}.error.txt").write_text(repr(exc), encoding="utf-8")
    for context in contexts:
        context.close()
    csp.assert_clean()


@pytest.fixture
def eager_celery(settings):
    """Run tasks in-process where they are enqueued (delay, apply_async, delay_on_commit)."""
    from billpay.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    before = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = False
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture
def fixed_books(monkeypatch):
    """The books the consent page generates come from one fixed seed (not the company's random
    id), so every run sees the same suppliers, bills and due dates relative to today."""
    from billpay.sandbox import generator

    generate = generator.generate_books
    monkeypatch.setattr(
        generator,
        "generate_books",
        lambda company, profile, **kwargs: generate(company, profile, **{**kwargs, "seed": 7}),
    )


@pytest.fixture
def app_server(sandbox, settings, eager_celery, fixed_books):
    """The live server with the app's Codat client on its sandbox, the consent page sending the
    browser back to this server, and write-back polls that don't wait for webhooks."""
    url = sandbox.url
    settings.APP_BASE_URL = url
    settings.CSRF_TRUSTED_ORIGINS = [url]
    settings.SANDBOX_REDIRECT_URL = (
        f"{url}/connect/return/?companyId={{companyId}}&connectionId={{connectionId}}"
        "&statusCode={statusCode}&errorMessage={errorMessage}"
    )
    settings.SANDBOX_DEFAULT_BILLS = 30
    settings.SANDBOX_PUSH_DELAY_SECONDS = 0
    settings.SANDBOX_SYNC_DELAY_SECONDS = 0
    settings.PUSH_WEBHOOK_GRACE_SECONDS = 0  # no webhooks here: verify by polling at once
    return sandbox


@pytest.fixture
def audit(request):
    """audit(page, "name"): screenshots at desktop and phone size under var/e2e/<test>/ and an
    axe-core run at both sizes; call audit.assert_clean() at the end of the test."""
    from tests.e2e.audit import PageAudit

    name = re.sub(r"[^A-Za-z0-9_.\[\]-]+", "_", request.node.name)  # test_x[fr] per language
    directory = ARTIFACTS / name
    for old in directory.glob("*.png"):  # this run's pictures only
        old.unlink()
    return PageAudit(directory=directory)


OWNER = "paula@example.com"


@dataclass(frozen=True)
class Books:
    company: object
    owner: object
    plan: object  # tests.e2e.journey.PayPlan


@pytest.fixture
def books(app_server, browser) -> Books:
    """An owner whose company is linked to 30 synced sandbox bills, with bank transfers mapped."""
    from billpay.bills.models import SyncRun
    from billpay.bills.services import bills_sync, sync_run_queue
    from billpay.mapping.services import account_mapping_save
    from tests.conftest import link_to_sandbox
    from tests.e2e.journey import pay_plan
    from tests.factories import CompanyFactory, MembershipFactory

    company = CompanyFactory(name="Pebble Street Bakery")
    owner = MembershipFactory(company=company, user__email=OWNER).user
    link_to_sandbox(company, bills=30, seed=7)
    run, _ = sync_run_queue(company=company, trigger=SyncRun.Trigger.MANUAL)
    bills_sync(run_id=run.pk)
    plan = pay_plan(company)
    account_mapping_save(
        company=company,
        actor=owner,
        method="bank_transfer",
        currency=plan.account.currency,
        account=plan.account,
    )
    return Books(company=company, owner=owner, plan=plan)
