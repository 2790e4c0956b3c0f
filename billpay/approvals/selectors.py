"""Reads of approvals, scoped to a company: who may decide a step, what waits for whom."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext

from billpay.approvals.models import ApprovalDecision, ApprovalRequest, ApprovalRule
from billpay.onboarding.models import Membership, User
from billpay.onboarding.roles import Can, role_allows

if TYPE_CHECKING:
    from billpay.onboarding.models import Company

R = ApprovalRequest
FALLBACK_ROLES = ("owner", "admin")


def rules_list(*, company: Company, applies_to: str | None = None) -> list[ApprovalRule]:
    """The company's rules in the order they are tried (`ApprovalRule.precedence`), approvers in
    order. Two queries."""
    rules = ApprovalRule.objects.filter(company=company).prefetch_related("approvers__user")
    if applies_to:
        rules = rules.filter(applies_to=applies_to)
    return sorted(rules, key=lambda r: (r.applies_to, r.precedence))


def rule_get(*, company: Company, rule_id: int) -> ApprovalRule:
    return ApprovalRule.objects.get(company=company, pk=rule_id)


def member_roles(*, company: Company) -> dict[int, str]:
    return dict(Membership.objects.filter(company=company).values_list("user_id", "role"))


def decision_action(kind: str) -> Can:
    """What a member's role must allow to approve this kind of thing."""
    return Can.REVIEW_BILLS if kind == R.Kind.BILL else Can.APPROVE_PAYMENTS


def step_deciders(request: ApprovalRequest, roles: dict[int, str]) -> list[int]:
    """Who may decide the request's current step: its approvers who are still members allowed
    to approve, minus whoever asked for it and whoever decided an earlier step (separation of
    duties). When none of them is left, an owner or an admin (under the same two exclusions), so
    an approver who left the team does not block the approval for good."""
    if request.status != R.Status.PENDING or request.step >= len(request.steps):
        return []
    action = decision_action(request.kind)
    excluded = {request.requested_by_id} | {d.user_id for d in request.decisions.all()}
    named = [
        user_id
        for user_id in request.steps[request.step]
        if user_id not in excluded and role_allows(roles.get(user_id, ""), action)
    ]
    if named:
        return named
    return sorted(u for u, role in roles.items() if role in FALLBACK_ROLES and u not in excluded)


def refusal(request: ApprovalRequest, actor: User, roles: dict[int, str], names: str) -> str:
    """Why `actor` may not decide the request's current step, in words."""
    if actor.pk == request.requested_by_id:
        return {
            R.Kind.BILL: gettext("You created this bill: someone else must approve it."),
            R.Kind.PAYMENT: gettext("You prepared this payment: someone else must approve it."),
            R.Kind.RUN: gettext("You prepared this pay run: someone else must approve it."),
        }[request.kind]
    if any(d.user_id == actor.pk for d in request.decisions.all()):
        return gettext("You approved an earlier step: the next step needs someone else.")
    if names:
        return gettext("This is waiting for %(names)s.") % {"names": names}
    return gettext("Nobody else can approve this: an owner must change the approval rules.")


@dataclass
class StepView:
    number: int
    deciders: list[str]  # who may decide it (the step waiting) or who was named
    decision: ApprovalDecision | None = None
    waiting: bool = False


@dataclass
class ApprovalView:
    """One subject's approval as its page shows it."""

    request: ApprovalRequest
    steps: list[StepView] = field(default_factory=list)
    can_decide: bool = False
    refusal: str = ""
    waiting_for: str = ""  # the names of who may decide now


def _names(ids: Iterable[int], users: dict[int, User]) -> list[str]:
    return [str(users[i]) for i in ids if i in users]


def approval_view(
    *, company: Company, kind: str, object_id: int, user: User
) -> ApprovalView | None:
    """The subject's latest approval (not one that is no longer needed), step by step. A few
    queries, whatever the number of steps."""
    request = (
        R.objects.filter(company=company, kind=kind, object_id=object_id)
        .exclude(status=R.Status.CANCELLED)
        .prefetch_related("decisions__user")
        .first()
    )
    if request is None:
        return None
    roles = member_roles(company=company)
    ids = {u for step in request.steps for u in step} | set(roles)
    users = User.objects.in_bulk(ids)
    decisions = {d.step: d for d in request.decisions.all()}
    deciders = step_deciders(request, roles)
    view = ApprovalView(request=request)
    for number, named in enumerate(request.steps):
        waiting = request.status == R.Status.PENDING and number == request.step
        view.steps.append(
            StepView(
                number=number + 1,
                deciders=_names(deciders if waiting else named, users),
                decision=decisions.get(number),
                waiting=waiting,
            )
        )
    view.waiting_for = ", ".join(_names(deciders, users))
    view.can_decide = user.pk in deciders
    if request.status == R.Status.PENDING and not view.can_decide:
        view.refusal = refusal(request, user, roles, view.waiting_for)
    return view


def waiting_for(*, company: Company, user: User) -> list[ApprovalRequest]:
    """The requests whose current step `user` may decide, oldest first. Three queries."""
    roles = member_roles(company=company)
    if not any(
        role_allows(roles.get(user.pk, ""), a) for a in (Can.REVIEW_BILLS, Can.APPROVE_PAYMENTS)
    ):
        return []
    pending = (
        R.objects.filter(company=company, status=R.Status.PENDING)
        .select_related("requested_by")
        .prefetch_related("decisions")
        .order_by("id")
    )
    return [r for r in pending if user.pk in step_deciders(r, roles)]


def blocked_ids(*, company: Company, kind: str, object_ids: Iterable[int]) -> set[int]:
    """The subjects among `object_ids` whose approval is waiting or was rejected. One query."""
    latest: dict[int, str] = {}
    rows = (
        R.objects.filter(company=company, kind=kind, object_id__in=list(object_ids))
        .exclude(status=R.Status.CANCELLED)
        .order_by("object_id", "-id")
        .values_list("object_id", "status")
    )
    for object_id, status in rows:
        latest.setdefault(object_id, status)
    return {i for i, status in latest.items() if status in (R.Status.PENDING, R.Status.REJECTED)}


def approver_choices(*, company: Company) -> list[tuple[int, str]]:
    """The members a rule may name: those whose role approves bills or payments, with it."""
    roles = [
        role
        for role in Membership.Role.values
        if role_allows(role, Can.REVIEW_BILLS) or role_allows(role, Can.APPROVE_PAYMENTS)
    ]
    members = (
        Membership.objects.filter(company=company, role__in=roles)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    return [(m.user_id, f"{m.user} ({m.get_role_display()})") for m in members]
