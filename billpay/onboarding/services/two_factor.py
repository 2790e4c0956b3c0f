"""Two-step login (issue 15, point 4): an authenticator app (TOTP) and recovery codes.

Built on django-otp. A user's second step is at most one *confirmed* TOTP device plus one
static device holding their recovery codes (each code is deleted when used):

    no device --totp_device_start--> set-up pending (unconfirmed TOTP device, QR code shown)
    set-up pending --totp_device_confirm(valid code)--> on (10 recovery codes made, shown once)
    on --recovery_codes_regenerate--> on (the old codes stop working)
    on --two_factor_disable(password or code)--> no device

A TOTP code is good once (django-otp keeps the last time step used), and every wrong code
slows the next try down (django-otp's throttling: 1, 2, 4... seconds). The company setting
"require two-step login" is owners' alone; confirming payments checks it (`two_factor_gate`).
Device changes are audited in each of the user's companies, since each can see who may pay.
"""

import re
from base64 import b32encode
from dataclasses import dataclass

import qrcode
from django.db import transaction
from django.utils.translation import gettext
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathImage

from billpay.core.errors import NotAllowed
from billpay.core.services import audit_record
from billpay.onboarding.errors import CodeInvalid
from billpay.onboarding.models import Company, Membership, User

RECOVERY_CODES = 10
TOTP_CODE = re.compile(r"[0-9]{6}")
RECOVERY_CODE = re.compile(r"[a-z2-7]{8}")  # django-otp's StaticToken.random_token(): base32
DEVICE_NAME = "default"
RECOVERY_DEVICE_NAME = "recovery"


@dataclass(frozen=True)
class TwoFactorStatus:
    enabled: bool
    recovery_codes_left: int


def code_normalize(code: str) -> str:
    """A code as typed ("123 456", "ABCD-EFGH ") in the form the devices compare."""
    return re.sub(r"[\s-]", "", code).lower()


def two_factor_status(*, user: User) -> TwoFactorStatus:
    """Whether the user has a confirmed authenticator, and how many recovery codes are left."""
    enabled = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    left = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return TwoFactorStatus(enabled=enabled, recovery_codes_left=left if enabled else 0)


def two_factor_enabled(*, user: User) -> bool:
    """True once the user confirmed an authenticator app: logging in then asks for a code."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_device_pending(*, user: User) -> TOTPDevice | None:
    """The authenticator being set up (not confirmed yet), if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def totp_device_secret(*, device: TOTPDevice) -> str:
    """The secret as people type it into an app by hand: base32, in groups of four."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def totp_device_qr_svg(*, device: TOTPDevice) -> str:
    """The device's otpauth:// link as an inline SVG QR code (our markup: no user text in it)."""
    image = qrcode.make(device.config_url, image_factory=SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def totp_device_start(*, user: User) -> TOTPDevice:
    """Begin setting up an authenticator: a new secret, unconfirmed until a code proves it.

    **Idempotent:** a set-up already pending is replaced (a fresh secret).
    **Raises:** CodeInvalid if an authenticator is already on. **Transaction:** own.
    """
    with transaction.atomic():
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise CodeInvalid(gettext("Two-step login is already on."))
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def totp_device_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Turn two-step login on with the first code of the authenticator being set up.

    Returns the device and the new recovery codes (shown once, never again).
    **Raises:** CodeInvalid (no set-up pending, or a wrong code). **Transaction:** own.
    """
    code = code_normalize(code)
    pending = totp_device_pending(user=user)
    if pending is None:
        raise CodeInvalid(gettext("Start the set-up again: it was not found."))
    if not TOTP_CODE.fullmatch(code):
        raise CodeInvalid(gettext("Type the 6-digit code your app shows."))
    # Checked in a transaction of its own, so a wrong code's throttling is kept.
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(pk=pending.pk).first()
        accepted = device is not None and device.verify_token(code)
    if not accepted:
        raise CodeInvalid(_wrong_code())
    with transaction.atomic():
        if not TOTPDevice.objects.filter(pk=device.pk, confirmed=False).update(confirmed=True):
            raise CodeInvalid(gettext("Start the set-up again: it was not found."))
        device.confirmed = True
        codes = _recovery_codes_replace(user)
        _audit(user, "two_factor.enabled")
    return device, codes


def recovery_codes_regenerate(*, user: User) -> list[str]:
    """New recovery codes for a user with two-step login on; the old ones stop working.

    **Raises:** CodeInvalid if two-step login is off. **Transaction:** own.
    """
    with transaction.atomic():
        if not two_factor_enabled(user=user):
            raise CodeInvalid(gettext("Turn two-step login on first."))
        codes = _recovery_codes_replace(user)
        _audit(user, "two_factor.recovery_codes")
    return codes


def two_factor_disable(*, user: User, secret: str) -> None:
    """Turn two-step login off, given the user's password or a current code.

    A wrong password counts as a wrong code, so guesses slow down as codes do (django-otp's
    throttling on the authenticator). **Raises:** CodeInvalid (neither matches, or too soon after
    a wrong try). **Transaction:** own.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None and not device.verify_is_allowed()[0]:
        raise CodeInvalid(gettext("Too many wrong tries: wait a few seconds and try again."))
    if (
        not (secret and user.check_password(secret))
        and two_factor_verify(user=user, code=secret) is None
    ):
        raise CodeInvalid(gettext("That is neither your password nor a valid code."))
    with transaction.atomic():
        deleted, _ = TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        if deleted:
            _audit(user, "two_factor.disabled")


def two_factor_verify(*, user: User, code: str) -> Device | None:
    """The device that accepts `code`: 6 digits go to the authenticator, 8 letters and digits to
    the recovery codes (a recovery code is used up). None if no device accepts it.

    Each device counts its own failures (django-otp throttling), so a recovery code typed right
    does not slow the authenticator down. **Transaction:** own (the throttle is saved either way).
    """
    code = code_normalize(code)
    if TOTP_CODE.fullmatch(code):
        model = TOTPDevice
    elif RECOVERY_CODE.fullmatch(code):
        model = StaticDevice
    else:
        model = TOTPDevice  # neither shape: still a failed try on the authenticator
        code = ""
    with transaction.atomic():
        device = (
            model.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .order_by("pk")
            .first()
        )
        if device is None:
            return None
        if code and device.verify_token(code):
            return device
        if not code:
            device.throttle_increment()
    return None


def two_factor_required_set(
    *, company: Company, actor: User, required: bool, actor_verified: bool
) -> Company:
    """Owners require two-step login of every member (or stop requiring it).

    An owner turning it on must have passed two-step login in this session, or they would lock
    themselves out of confirming payments. **Idempotent:** no change, no audit.
    **Raises:** NotAllowed (not an owner; not verified). **Transaction:** own.
    """
    if not Membership.objects.filter(
        company=company, user_id=getattr(actor, "pk", None), role=Membership.Role.OWNER
    ).exists():
        raise NotAllowed(gettext("Only an owner can change this."))
    if required and not actor_verified:
        raise NotAllowed(
            gettext("Turn two-step login on for yourself first, then require it of everyone.")
        )
    with transaction.atomic():
        changed = Company.objects.filter(pk=company.pk, require_two_factor=not required).update(
            require_two_factor=required
        )
        if changed:
            audit_record(
                company=company,
                actor=actor,
                action="two_factor.required" if required else "two_factor.optional",
                target=company.name,
            )
    company.require_two_factor = required
    return company


def _wrong_code() -> str:
    return gettext("That code is not right, or was used already. Wait for a new one and try again.")


def _recovery_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def _audit(user: User, action: str) -> None:
    for membership in Membership.objects.filter(user=user).select_related("company"):
        audit_record(company=membership.company, actor=user, action=action, target=str(user))
