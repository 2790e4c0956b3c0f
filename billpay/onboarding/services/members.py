"""Companies, memberships and invitations.

An invitation is not a row: it is a signed, expiring token carrying (company, email, role,
inviter). Accepting it creates the membership — for an existing account, or for a new one made
from the invitation's email address. Accepting twice is harmless (the membership already exists).
"""

from dataclasses import asdict, dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext

from billpay.core.errors import NotAllowed
from billpay.core.services import audit_record
from billpay.onboarding.errors import (
    EmailTaken,
    InvitationForSomeoneElse,
    InvitationInvalid,
    LastOwner,
    MemberNotFound,
    SignupLinkInvalid,
)
from billpay.onboarding.hooks import linked_handlers
from billpay.onboarding.models import AccountingConnection, Company, Membership, User
from billpay.onboarding.roles import OWNER_ROLES, Can, refusal, require, role_allows
from billpay.onboarding.selectors import user_get_by_email
from billpay.onboarding.services.connection import INTEGRATION_NAMES

INVITATION_SALT = "billpay.onboarding.invitation"


@dataclass(frozen=True)
class Invitation:
    company_id: int
    email: str
    role: str
    invited_by_id: int


def company_create(*, owner: User, name: str, base_currency: str, country: str) -> Membership:
    """Create a company with `owner` as its first owner. **Transaction:** own."""
    with transaction.atomic():
        company = Company.objects.create(
            name=name.strip(), base_currency=base_currency.upper(), country=country.upper()
        )
        membership = Membership.objects.create(
            user=owner, company=company, role=Membership.Role.OWNER
        )
        audit_record(company=company, actor=owner, action="company.created", target=company.name)
    return membership


def signup_request(
    *,
    email: str,
    password: str,
    full_name: str,
    company_name: str,
    base_currency: str,
    country: str,
) -> None:
    """Start a sign-up without telling whether the email already has an account (issue 15,
    point 7): the answer on screen is the same either way, and only the mailbox learns which.

    - A new email: the account (inactive), its company and the owner membership are created,
      and a confirmation link is emailed; `signup_confirm` activates it.
    - An account that was never confirmed: this sign-up's name, password and company replace the
      earlier ones and a new link is sent. The link is bound to the password, so an earlier link
      (someone else's sign-up with this address, say) stops working.
    - An active account: its owner is emailed that someone tried to sign up with the address,
      with links to log in and to reset the password. Nothing changes.
    **Transaction:** own.
    """
    email = User.objects.normalize_email(email).strip().lower()
    existing = user_get_by_email(email=email)
    if existing is not None and existing.is_active:
        make_password(password)  # the same work as a new sign-up, so the time taken tells nothing
        _email(existing, "signup_exists", {"user": existing})
        return
    try:
        with transaction.atomic():
            user = _pending_account(
                existing,
                email=email,
                password=password,
                full_name=full_name,
                company={"name": company_name, "base_currency": base_currency, "country": country},
            )
    except IntegrityError:  # the same address signing up twice at once: the other one mails
        return
    token = default_token_generator.make_token(user)
    path = reverse(
        "onboarding:signup-confirm", args=[urlsafe_base64_encode(force_bytes(user.pk)), token]
    )
    _email(user, "signup_confirm", {"user": user, "url": f"{settings.APP_BASE_URL}{path}"})


def _pending_account(
    existing: User | None, *, email: str, password: str, full_name: str, company: dict
) -> User:
    language = translation.get_language() or settings.LANGUAGE_CODE
    if existing is None:
        user = User.objects.create_user(
            email=email, password=password, full_name=full_name, is_active=False, language=language
        )
        company_create(owner=user, **company)
        return user
    existing.set_password(password)
    existing.full_name, existing.language = full_name, language
    existing.save(update_fields=["password", "full_name", "language"])
    membership = existing.memberships.select_related("company").first()
    if membership is None:
        company_create(owner=existing, **company)
    else:
        row = membership.company
        row.name, row.base_currency = company["name"].strip(), company["base_currency"].upper()
        row.country = company["country"].upper()
        row.save(update_fields=["name", "base_currency", "country", "updated_at"])
    return existing


def _email(user: User, template: str, context: dict) -> None:
    """One of the sign-up emails, in the recipient's language."""
    context = {**context, "app_url": settings.APP_BASE_URL}
    with translation.override(user.language or translation.get_language()):
        subject = render_to_string(f"onboarding/email/{template}_subject.txt", context)
        send_mail(
            subject=" ".join(subject.split()),
            message=render_to_string(f"onboarding/email/{template}.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )


def signup_confirm(*, uidb64: str, token: str) -> Membership:
    """Activate an account from its emailed link; its first membership, to enter.
    **Raises:** SignupLinkInvalid (unknown, expired, already used, or superseded).
    **Idempotent:** no; the link works once (logging in changes what it is bound to)."""
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or user.is_active or not default_token_generator.check_token(user, token):
        raise SignupLinkInvalid(
            gettext("This link has expired or was already used. Sign up again to get a new one.")
        )
    with transaction.atomic():
        user.is_active = True
        user.save(update_fields=["is_active"])
        membership = user.memberships.select_related("company").first()
        audit_record(
            company=membership.company, actor=user, action="user.confirmed", target=user.email
        )
    return membership


def user_language_set(*, user: User, language: str) -> User:
    """Remember the language `user` chose (one of settings.LANGUAGES). **Idempotent.**"""
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


def invitation_token_make(*, invitation: Invitation) -> str:
    """A signed token for the invitation link; its age is checked when read."""
    return signing.dumps(asdict(invitation), salt=INVITATION_SALT, compress=True)


def invitation_token_read(*, token: str) -> Invitation:
    """Decode an invitation link. **Raises:** InvitationInvalid (tampered, expired, stale)."""
    max_age = settings.INVITATION_MAX_AGE_DAYS * 24 * 3600
    try:
        invitation = Invitation(**signing.loads(token, salt=INVITATION_SALT, max_age=max_age))
    except signing.SignatureExpired as exc:
        raise InvitationInvalid(gettext("This invitation has expired. Ask for a new one.")) from exc
    except (signing.BadSignature, TypeError) as exc:
        raise InvitationInvalid(gettext("This invitation link is not valid.")) from exc
    if not Company.objects.filter(pk=invitation.company_id).exists():
        raise InvitationInvalid(gettext("This invitation link is not valid."))
    return invitation


def invitation_send(
    *, company: Company, invited_by: User, email: str, role: str = Membership.Role.ACCOUNTANT
) -> Invitation:
    """Email a signed, expiring invitation link. **Idempotent:** sending again sends a new link.

    **Raises:** NotAllowed (the inviter cannot manage the team, or invites an owner without
    being one).
    """
    inviter = require(company, invited_by, Can.MANAGE_TEAM)
    _check_owner_rule(inviter, Membership.Role(role))
    invitation = Invitation(
        company_id=company.pk, email=email.strip().lower(), role=role, invited_by_id=invited_by.pk
    )
    path = reverse(
        "onboarding:invitation-accept", args=[invitation_token_make(invitation=invitation)]
    )
    context = {
        "company": company,
        "invited_by": invited_by,
        "role": Membership.Role(role).label,
        "url": f"{settings.APP_BASE_URL}{path}",
        "days": settings.INVITATION_MAX_AGE_DAYS,
    }
    # In the invitee's language when they already have an account, else the inviter's.
    invitee = user_get_by_email(email=invitation.email)
    with translation.override((invitee and invitee.language) or translation.get_language()):
        send_mail(
            subject=gettext("%(person)s invited you to %(company)s on BillPay")
            % {"person": invited_by, "company": company.name},
            message=render_to_string("onboarding/email/invitation.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
    audit_record(
        company=company, actor=invited_by, action="invitation.sent", target=invitation.email
    )
    return invitation


def member_role_set(*, company: Company, actor: User, membership_id: int, role: str) -> Membership:
    """Give a member another role (issue 15, point 1). **Idempotent.**

    **Raises:** NotAllowed (the actor cannot manage the team; only an owner makes an owner or
    changes an owner's role), LastOwner, MemberNotFound.
    **Transaction:** own, with the company's memberships locked, so two owners demoting each
    other at once cannot leave the company without one.
    """
    role = Membership.Role(role)
    with transaction.atomic():
        acting, member, owners = _locked(company, actor, membership_id)
        if member.role == role:
            return member
        _check_owner_rule(acting, member.role, role)
        if member.role == Membership.Role.OWNER and owners == 1:
            raise LastOwner(
                gettext("%(name)s is the only owner: make someone else an owner first.")
                % {"name": member.user}
            )
        before = member.role
        member.role = role
        member.save(update_fields=["role", "updated_at"])
        audit_record(
            company=company,
            actor=actor,
            action="membership.role_changed",
            target=member.user.email,
            data={"from": before, "to": role},
        )
    return member


def member_remove(*, company: Company, actor: User, membership_id: int) -> None:
    """Remove a member from the company (they keep their account and other companies).

    **Raises:** NotAllowed, LastOwner, MemberNotFound. **Transaction:** own, as `member_role_set`.
    """
    with transaction.atomic():
        acting, member, owners = _locked(company, actor, membership_id)
        _check_owner_rule(acting, member.role)
        if member.role == Membership.Role.OWNER and owners == 1:
            raise LastOwner(
                gettext("%(name)s is the only owner and cannot be removed.") % {"name": member.user}
            )
        member.delete()
        audit_record(
            company=company,
            actor=actor,
            action="membership.removed",
            target=member.user.email,
            data={"role": member.role},
        )


def _locked(
    company: Company, actor: User, membership_id: int
) -> tuple[Membership, Membership, int]:
    """(the actor's membership, the member's, how many owners), every membership of the company
    locked. **Raises:** NotAllowed, MemberNotFound."""
    members = list(
        Membership.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(company=company)
        .order_by("pk")
    )
    acting = next((m for m in members if m.user_id == actor.pk), None)
    if acting is None or not role_allows(acting.role, Can.MANAGE_TEAM):
        raise NotAllowed(refusal(Can.MANAGE_TEAM))
    member = next((m for m in members if m.pk == membership_id), None)
    if member is None:
        raise MemberNotFound(gettext("No such member."))
    return acting, member, sum(m.role == Membership.Role.OWNER for m in members)


def _check_owner_rule(acting: Membership, *roles: str) -> None:
    """Only an owner gives, changes or takes away the owner role."""
    if acting.role != Membership.Role.OWNER and OWNER_ROLES.intersection(roles):
        raise NotAllowed(gettext("Only an owner can make someone an owner or change an owner."))


def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Join the company as the invited role. **Idempotent.** **Raises:** InvitationForSomeoneElse."""
    if user.email.lower() != invitation.email.lower():
        raise InvitationForSomeoneElse(
            gettext("This invitation is for %(email)s. Log out, then open the link again.")
            % {"email": invitation.email}
        )
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, company_id=invitation.company_id, defaults={"role": invitation.role}
        )
        if created:
            audit_record(
                company=membership.company,
                actor=user,
                action="membership.created",
                target=user.email,
                data={"role": invitation.role, "invited_by": invitation.invited_by_id},
            )
    return membership


def invitation_accept_new_user(
    *, invitation: Invitation, full_name: str, password: str
) -> Membership:
    """Create the invited person's account and join. **Raises:** EmailTaken. **Transaction:** own."""
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=invitation.email, password=password, full_name=full_name
            )
            return invitation_accept(invitation=invitation, user=user)
    except IntegrityError as exc:
        raise EmailTaken(
            gettext("An account with this email address already exists. Log in instead.")
        ) from exc


def demo_seed(
    *,
    password: str,
    codat_company_id: str = "",
    codat_connection_id: str = "",
    platform_key: str = "qhyg",
) -> Company:
    """The demo company with an owner and an accountant, optionally linked to (sandbox) books.

    **Idempotent:** safe to run again; an already linked company keeps its link.
    """
    with transaction.atomic():
        company, _ = Company.objects.get_or_create(
            name="Acme Plumbing Ltd", defaults={"base_currency": "USD", "country": "US"}
        )
        for email, full_name, role in (
            ("owner@example.com", "Olivia Owner", Membership.Role.OWNER),
            ("accountant@example.com", "Arjun Accountant", Membership.Role.ACCOUNTANT),
        ):
            user = user_get_by_email(email=email) or User.objects.create_user(
                email=email, password=password, full_name=full_name
            )
            Membership.objects.get_or_create(user=user, company=company, defaults={"role": role})
        if codat_company_id and not company.codat_company_id:
            company.codat_company_id = codat_company_id
            company.save(update_fields=["codat_company_id"])
            AccountingConnection.objects.update_or_create(
                company=company,
                defaults={
                    "codat_connection_id": codat_connection_id,
                    "platform_key": platform_key,
                    "platform_name": INTEGRATION_NAMES.get(platform_key, platform_key),
                    "status": AccountingConnection.Status.LINKED,
                    "linked_at": timezone.now(),
                },
            )
            for handler in linked_handlers():  # bills: the first sync
                handler(company=company)
    return company
