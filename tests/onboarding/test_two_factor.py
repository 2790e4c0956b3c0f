"""Two-step login: setting up an authenticator, logging in with its codes or a recovery code,
turning it off; axes and django-otp's throttling on the code step; never a 500 on odd input."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from billpay.core.models import AuditEvent
from billpay.onboarding import services
from billpay.onboarding.errors import CodeInvalid
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = reverse("login")
CODE = reverse("login-code")


def code_of(device: TOTPDevice) -> str:
    """The code the user's app shows now."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def wrong_code_of(device: TOTPDevice) -> str:
    return f"{(int(code_of(device)) + 500_000) % 1_000_000:06d}"


@pytest.fixture
def no_throttle(settings):
    """django-otp slows a device down after a wrong code (1 s, 2 s...): off where a test types
    a wrong code and then a right one at once."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def device(user) -> TOTPDevice:
    """Alice has two-step login on, with recovery codes."""
    services.totp_device_start(user=user)
    pending = services.totp_device_pending(user=user)
    device, codes = services.totp_device_confirm(user=user, code=code_of(pending))
    device.refresh_from_db()
    device.last_t = -1  # the set-up code may be typed again in the test's first login
    device.save()
    device.recovery_codes = codes
    return device


def _password(client, user, **extra):
    return client.post(LOGIN, {"username": user.email, "password": TEST_PASSWORD, **extra})


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- logging in -----------------------------------------------------------------------------------


def test_without_two_step_login_the_password_logs_in(client, user):
    response = _password(client, user)

    assert response.status_code == 302
    assert _logged_in(client)


def test_the_password_alone_does_not_log_in_when_two_step_login_is_on(client, user, device):
    response = _password(client, user)

    assert response.status_code == 302 and response.url == CODE
    assert not _logged_in(client)
    assert client.get(reverse("bills:inbox")).status_code == 302  # still the login page


def test_the_code_from_the_app_logs_in_and_verifies_the_session(client, user, device):
    _password(client, user, next="/payments/")

    response = client.post(CODE, {"code": code_of(device)})

    assert response.status_code == 302 and response.url == "/payments/"
    assert _logged_in(client)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_a_code_with_spaces_is_read(client, user, device):
    _password(client, user)
    code = code_of(device)

    client.post(CODE, {"code": f" {code[:3]} {code[3:]} "})

    assert _logged_in(client)


def test_a_wrong_code_does_not_log_in(client, user, device):
    _password(client, user)

    response = client.post(CODE, {"code": wrong_code_of(device)})

    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert not _logged_in(client)


def test_a_code_used_once_is_refused_the_second_time(client, user, device, no_throttle):
    code = code_of(device)
    _password(client, user)
    client.post(CODE, {"code": code})
    assert _logged_in(client)
    other = Client()

    _password(other, user)
    response = other.post(CODE, {"code": code})

    assert response.status_code == 200
    assert "_auth_user_id" not in other.session


def test_a_right_code_just_after_a_wrong_one_waits(client, user, device):
    _password(client, user)
    client.post(CODE, {"code": wrong_code_of(device)})

    client.post(CODE, {"code": code_of(device)})

    assert not _logged_in(client)  # django-otp: the next try is allowed after a second


def test_a_recovery_code_logs_in_once(client, user, device, no_throttle):
    recovery = device.recovery_codes[0]
    _password(client, user)

    response = client.post(CODE, {"code": recovery.upper()})

    assert response.status_code == 302
    assert _logged_in(client)
    assert StaticToken.objects.filter(device__user=user).count() == 9
    again = Client()
    _password(again, user)
    again.post(CODE, {"code": recovery})
    assert "_auth_user_id" not in again.session


def test_the_code_step_without_the_password_step_goes_back_to_the_login(client, user, device):
    response = client.post(CODE, {"code": code_of(device)})

    assert response.status_code == 302 and response.url == LOGIN
    assert not _logged_in(client)


def test_a_forged_or_stale_pending_login_is_refused(client, user, device, settings):
    _password(client, user)
    session = client.session
    session["two_factor_pending"] = session["two_factor_pending"][:-2] + "xx"
    session.save()

    response = client.post(CODE, {"code": code_of(device)})

    assert response.status_code == 302 and response.url == LOGIN
    assert not _logged_in(client)


def test_the_pending_login_expires(client, user, device, settings):
    settings.TWO_FACTOR_PENDING_SECONDS = -1
    _password(client, user)

    response = client.post(CODE, {"code": code_of(device)})

    assert response.status_code == 302 and response.url == LOGIN


def test_wrong_codes_lock_the_login_out_like_wrong_passwords(client, user, device, no_throttle):
    _password(client, user)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(CODE, {"code": wrong_code_of(device)})

    response = client.post(CODE, {"code": code_of(device)})

    assert response.status_code == 429
    assert not _logged_in(client)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "\x00",
        "1" * 10_000,
        "١٢٣٤٥٦",  # Arabic-Indic digits: int() would read them
        "１２３４５６",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "abcdefgh" * 3,
        "-123456",
        "1e5",
    ],
)
def test_odd_codes_are_refused_without_a_500(client, user, device, code, no_throttle):
    _password(client, user)

    response = client.post(CODE, {"code": code})

    assert response.status_code == 200
    assert not _logged_in(client)


def test_a_list_of_codes_is_refused_without_a_500(client, user, device):
    _password(client, user)

    response = client.post(CODE, {"code": ["123456", "654321"]})

    assert response.status_code == 200
    assert not _logged_in(client)


# --- setting up -----------------------------------------------------------------------------------


def test_setting_up_shows_a_qr_code_and_the_key(client_member, user):
    client_member.post(reverse("onboarding:two-factor-start"))

    response = client_member.get(reverse("onboarding:two-factor-setup"))

    pending = TOTPDevice.objects.get(user=user)
    content = response.content.decode()
    assert not pending.confirmed
    assert "<svg" in content
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', content).group(1)
    assert services.totp_device_secret(device=pending) == secret


def test_the_first_code_turns_it_on_and_shows_ten_recovery_codes(client_member, user):
    client_member.post(reverse("onboarding:two-factor-start"))
    pending = TOTPDevice.objects.get(user=user)

    response = client_member.post(
        reverse("onboarding:two-factor-setup"), {"code": code_of(pending)}
    )

    pending.refresh_from_db()
    tokens = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    content = response.content.decode()
    assert pending.confirmed
    assert len(tokens) == 10 and all(t in content for t in tokens)
    assert response["Cache-Control"] == "no-store"
    assert client_member.session[DEVICE_ID_SESSION_KEY] == pending.persistent_id
    assert AuditEvent.objects.filter(action="two_factor.enabled", actor=user).exists()


def test_a_wrong_first_code_leaves_it_off(client_member, user):
    client_member.post(reverse("onboarding:two-factor-start"))
    pending = TOTPDevice.objects.get(user=user)

    response = client_member.post(
        reverse("onboarding:two-factor-setup"), {"code": wrong_code_of(pending)}
    )

    pending.refresh_from_db()
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert not pending.confirmed
    assert pending.throttling_failure_count == 1  # kept, though the confirmation was refused
    assert not services.two_factor_enabled(user=user)


def test_the_setup_page_without_a_setup_started_goes_to_the_two_step_page(client_member):
    response = client_member.get(reverse("onboarding:two-factor-setup"))

    assert response.status_code == 302 and response.url == reverse("onboarding:two-factor")


def test_starting_again_gives_a_new_key(user):
    first = services.totp_device_start(user=user)

    second = services.totp_device_start(user=user)

    assert list(TOTPDevice.objects.filter(user=user)) == [second]
    assert first.key != second.key


def test_starting_while_on_is_refused(user, device):
    with pytest.raises(CodeInvalid):
        services.totp_device_start(user=user)

    assert TOTPDevice.objects.get(user=user) == device


# --- recovery codes and turning off ---------------------------------------------------------------


def _verified(client, device) -> Client:
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def test_new_recovery_codes_replace_the_old_ones(client_member, user, device):
    old = set(device.recovery_codes)

    response = _verified(client_member, device).post(reverse("onboarding:recovery-codes"))

    new = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(new) == 10 and not (new & old)
    assert all(t in response.content.decode() for t in new)
    assert AuditEvent.objects.filter(action="two_factor.recovery_codes").exists()


def test_new_recovery_codes_need_a_verified_session(client_member, user, device):
    response = client_member.post(reverse("onboarding:recovery-codes"))

    assert response.status_code == 302
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(device.recovery_codes)


def test_an_unverified_session_is_verified_with_a_code(client_member, user, device):
    response = client_member.post(
        reverse("onboarding:two-factor-verify"), {"code": code_of(device), "next": "/payments/"}
    )

    assert response.status_code == 302 and response.url == "/payments/"
    assert client_member.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_verifying_does_not_redirect_off_site(client_member, device):
    response = client_member.post(
        reverse("onboarding:two-factor-verify"),
        {"code": code_of(device), "next": "https://evil.example/"},
    )

    assert response.url == reverse("onboarding:home")


def test_turning_off_with_the_password(client_member, user, device):
    response = client_member.post(
        reverse("onboarding:two-factor-disable"), {"secret": TEST_PASSWORD}
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action="two_factor.disabled", actor=user).exists()


def test_turning_off_with_a_code(client_member, user, device):
    client_member.post(reverse("onboarding:two-factor-disable"), {"secret": code_of(device)})

    assert not services.two_factor_enabled(user=user)


def test_turning_off_with_neither_is_refused(client_member, user, device):
    response = client_member.post(
        reverse("onboarding:two-factor-disable"), {"secret": "not-my-password"}, follow=True
    )

    assert "neither your password nor a valid code" in response.content.decode()
    assert services.two_factor_enabled(user=user)


def test_password_guesses_to_turn_it_off_slow_down_like_codes(client_member, user, device):
    client_member.post(reverse("onboarding:two-factor-disable"), {"secret": "guess-1"})

    response = client_member.post(
        reverse("onboarding:two-factor-disable"), {"secret": TEST_PASSWORD}, follow=True
    )

    assert "Too many wrong tries" in response.content.decode()
    assert services.two_factor_enabled(user=user)


def test_the_two_step_page_says_whether_it_is_on(client_member, user, device):
    on = _verified(client_member, device).get(reverse("onboarding:two-factor")).content.decode()

    assert "10 recovery codes left" in on
    assert "Turn two-step login off" in on


def test_the_two_step_pages_ask_to_log_in(client):
    for name in ("two-factor", "two-factor-setup"):
        response = client.get(reverse(f"onboarding:{name}"))
        assert response.status_code == 302 and response.url.startswith(LOGIN)


@pytest.mark.parametrize("name", ["two-factor-start", "recovery-codes", "two-factor-disable"])
def test_changes_are_posts(client_member, name):
    assert client_member.get(reverse(f"onboarding:{name}")).status_code == 405


def test_the_code_step_reads_in_french(client, user, device):
    client.post(
        LOGIN,
        {"username": user.email, "password": TEST_PASSWORD},
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    page = client.get(CODE, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Connexion en deux étapes" in page
    assert "codes de secours" in page


def test_a_failed_verification_keeps_where_to_go_back(client_member, device):
    response = client_member.post(
        reverse("onboarding:two-factor-verify"), {"code": "000000", "next": "/bills/?page=2"}
    )

    assert response.url == reverse("onboarding:two-factor") + "?next=%2Fbills%2F%3Fpage%3D2"


def test_the_admin_login_sends_an_account_with_two_steps_to_the_app_login(client, user, device):
    user.is_staff = True
    user.save()

    response = client.post(
        "/admin/login/?next=/admin/", {"username": user.email, "password": TEST_PASSWORD}
    )

    assert response.status_code == 200
    assert "logs in with two steps" in response.content.decode()
    assert not _logged_in(client)


def test_the_admin_login_still_works_without_two_steps(client, user):
    user.is_staff = True
    user.save()

    response = client.post(
        "/admin/login/?next=/admin/", {"username": user.email, "password": TEST_PASSWORD}
    )

    assert response.status_code == 302
    assert _logged_in(client)
