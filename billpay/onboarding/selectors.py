"""Reads about companies and their members."""

from django.db.models import Case, QuerySet, Value, When

from billpay.onboarding.errors import NotConnected
from billpay.onboarding.models import (
    AccountingConnection,
    Company,
    Membership,
    User,
    WebhookEvent,
)
from billpay.onboarding.roles import OWNER_ROLES, role_allows


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    """The user's memberships with their companies (and each company's accounting connection),
    alphabetical: the company switcher, and the tenant gate's one query per page."""
    return (
        Membership.objects.filter(user=user)
        .select_related("company", "company__connection")
        .order_by("company__name")
    )


def company_list_requiring_two_factor(*, user: User) -> list[Company]:
    """The user's companies that require two-step login of every member."""
    return list(
        Company.objects.filter(memberships__user=user, require_two_factor=True).order_by("name")
    )


def membership_get(*, user: User, company_id: int | str | None) -> Membership | None:
    """The user's membership in that company, or None if they do not belong to it."""
    if company_id is None or not str(company_id).isdigit():
        return None
    return membership_list_for_user(user=user).filter(company_id=company_id).first()


def membership_in(memberships: list[Membership], *, company_id: int | str) -> Membership | None:
    """`membership_get` over memberships already read (`membership_list_for_user`)."""
    text = str(company_id)
    if not (text.isascii() and text.isdigit()):
        return None
    return next((m for m in memberships if m.company_id == int(text)), None)


def membership_list_for_company(*, company: Company) -> QuerySet[Membership]:
    """Everyone in the company, owners first, then by role as Membership.Role lists them."""
    rank = Case(
        *(When(role=role, then=Value(i)) for i, role in enumerate(Membership.Role.values)),
        default=Value(len(Membership.Role.values)),
    )
    return (
        Membership.objects.filter(company=company)
        .select_related("user")
        .order_by(rank, "user__email")
    )


def members_who_can(*, company: Company, action: str) -> list[User]:
    """The company's members whose role allows `action` (roles.Can): whom to tell or ask."""
    roles = [role for role in Membership.Role.values if role_allows(role, action)]
    return [
        m.user
        for m in Membership.objects.filter(company=company, role__in=roles).select_related("user")
    ]


def roles_assignable(*, membership: Membership) -> list[tuple[str, str]]:
    """The roles `membership` may give (invite as, change to): every role for an owner, every
    role but owner for an admin, none for the others."""
    if not membership.can.manage_team:
        return []
    return [
        (value, label)
        for value, label in Membership.Role.choices
        if membership.is_owner or value not in OWNER_ROLES
    ]


def member_manageable(*, acting: Membership, member: Membership) -> bool:
    """Whether `acting` may change `member`'s role or remove them (the last-owner rule aside)."""
    return acting.can.manage_team and (acting.is_owner or member.role not in OWNER_ROLES)


def user_get_by_email(*, email: str) -> User | None:
    """The account with this email address (case-insensitive), if any."""
    return User.objects.filter(email__iexact=email.strip()).first()


def company_get(*, company_id: int) -> Company:
    """A company by id, for a caller that already proved access (e.g. a signed invitation)."""
    return Company.objects.get(pk=company_id)


def company_list_linked() -> QuerySet[Company]:
    """Every company whose books are linked: beat's fan-out (one task per company)."""
    return Company.objects.filter(connection__status=AccountingConnection.Status.LINKED)


def connection_get(*, company: Company) -> AccountingConnection | None:
    """The company's accounting connection, if it ever started one."""
    return AccountingConnection.objects.filter(company=company).first()


def connection_for_page(*, company: Company) -> AccountingConnection | None:
    """The connection as the tenant gate loaded it with the company (no query), for rendering a
    page; services read it afresh with `connection_get`."""
    if not Company.connection.is_cached(company):
        return connection_get(company=company)
    try:
        return company.connection
    except AccountingConnection.DoesNotExist:
        return None


def connection_get_linked(*, company: Company) -> AccountingConnection:
    """The company's linked connection: what every read from and write to the books needs.

    **Raises:** NotConnected (one message everywhere) when the company never connected, is
    not linked any more, or has no Codat company yet.
    """
    connection = connection_get(company=company)
    if connection is None or not connection.is_linked or not company.codat_company_id:
        raise NotConnected()
    return connection


def webhook_event_waiting(
    *, company: Company, event_type: str, payload_id: str
) -> WebhookEvent | None:
    """A stored event of this type about this object (`payload.id`, e.g. a push operation key)
    that no task has processed yet: it waits in the queue behind other work."""
    if not payload_id:
        return None
    return (
        WebhookEvent.objects.filter(
            company=company,
            processed_at__isnull=True,
            event_type=event_type,
            payload__payload__id=payload_id,
        )
        .order_by("received_at")
        .first()
    )
