"""Issue 15, point 4 in a real browser: an owner sets up two-step login from the key the page
shows (the code is computed here, as an authenticator app would), keeps the recovery codes,
requires it of every member, then logs out and in with password and code."""

import base64
import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from billpay.onboarding.models import Company
from tests.factories import TEST_PASSWORD, CompanyFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]
EMAIL = "tess@example.com"


def app_code(secret: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the key typed by hand from the page."""
    key = base64.b32decode(secret.replace(" ", ""))
    return f"{totp(key, drift=steps_ahead):06d}"


def _password_step(page) -> None:
    page.goto("/login/")
    page.locator("#id_username").fill(EMAIL)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_an_owner_sets_up_two_step_login_and_logs_in_with_it(
    transactional_db, live_server, new_page, audit
):
    company = CompanyFactory(name="Tess Tiles")
    MembershipFactory(company=company, user__email=EMAIL)
    page = new_page()
    _password_step(page)
    expect(page).not_to_have_url(re.compile(r"/login/"))

    # --- set up: the header's link, the QR code and the key, a first code -------------------------
    page.get_by_role("link", name="Two-step login").click()
    page.get_by_role("button", name="Set up two-step login").click()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    audit(page, "two-step set-up")
    page.get_by_role("textbox", name="Code").fill(app_code(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    recovery = page.locator("#recovery-codes li").first.inner_text().strip()
    assert TOTPDevice.objects.get(user__email=EMAIL, confirmed=True)
    audit(page, "recovery codes")
    page.get_by_role("link", name="I saved them").click()

    # --- require it of every member (the owner's session passed it) -------------------------------
    page.goto("/team/")
    page.get_by_role("button", name="Require two-step login for every member").click()
    expect(page.get_by_text("Every member now logs in with two steps.")).to_be_visible()
    assert Company.objects.get(pk=company.pk).require_two_factor

    # --- log out, then in with the password and the app's next code --------------------------------
    page.get_by_role("button", name="Log out").click()
    _password_step(page)
    expect(page).to_have_url(re.compile(r"/login/code/$"))
    expect(page.get_by_role("heading", name="Two-step login")).to_be_visible()
    audit(page, "login code step")
    # The set-up's code is used up (a code works once): the app's next one, as after 30 s.
    page.get_by_role("textbox", name="Code").fill(app_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))
    page.goto("/bills/")
    expect(page).to_have_url(re.compile(r"/bills/$"))  # a verified session goes in

    # --- and once more with a recovery code ---------------------------------------------------------
    page.get_by_role("button", name="Log out").click()
    _password_step(page)
    page.get_by_role("textbox", name="Code").fill(recovery)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("You used a recovery code: 9 left.")).to_be_visible()
    audit.assert_clean()
