"""Approval policies: matching a subject to its rule, keeping its request in step, deciding.

- **Matching** (`rule_for`): the rules of the subject's kind are tried in precedence order (a
  supplier's own rule first, then the higher floor): the first whose supplier and amount range
  fit decides. Amounts are compared in the company's base currency; an amount in another currency
  cannot be compared without a trustworthy rate, so it takes the first rule whose supplier fits
  (the most demanding): we err on the side of asking. A pay run takes the rule of its most
  demanding payment.
- **Requests follow their subjects** (`approvals_refresh`): a subject a rule covers gets a
  request with the rule's steps copied; a request nobody has decided yet follows rule changes; a
  request of another amount is cancelled (an approval is of an amount) and a new one starts.
- **Deciding** (`approval_decide`): one decision per step, by one of the step's approvers; the
  person who created or prepared the subject never decides, nor does one person decide two steps
  (separation of duties). A rejection needs a comment and ends the request. Every decision is
  an audit event on the subject, with its comment, and tells the next approvers or the requester.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from billpay.approvals import hooks, notices
from billpay.approvals.errors import ApprovalClosed, ApprovalCommentRequired, RuleInvalid
from billpay.approvals.models import ApprovalDecision, ApprovalRequest, ApprovalRule, RuleApprover
from billpay.approvals.selectors import member_roles, refusal, rules_list, step_deciders
from billpay.approvals.subjects import KIND_RULES, Part, Subject
from billpay.core.errors import NotAllowed
from billpay.core.services import audit_record
from billpay.onboarding.models import User
from billpay.onboarding.roles import Can, require, role_allows

if TYPE_CHECKING:
    from billpay.onboarding.models import Company

R = ApprovalRequest
D = ApprovalDecision.Decision
COMMENT_MAX = 1000


def _fits(rule: ApprovalRule, part: Part, base_currency: str) -> bool:
    if rule.codat_supplier_id and rule.codat_supplier_id != part.codat_supplier_id:
        return False
    if part.currency != base_currency:
        return True
    low, high = rule.min_amount, rule.max_amount
    return (low is None or part.amount >= low) and (high is None or part.amount <= high)


def rule_for(
    rules: Sequence[ApprovalRule], parts: Sequence[Part], base_currency: str
) -> ApprovalRule | None:
    """The rule that covers these parts (see the module docstring); `rules` in precedence order."""
    best = None
    for part in parts:
        found = next((r for r in rules if _fits(r, part, base_currency)), None)
        if found is not None and (best is None or found.precedence < best.precedence):
            best = found
    return best


def rule_steps(rule: ApprovalRule) -> list[list[int]]:
    ids = [a.user_id for a in rule.approvers.all()]
    if rule.mode == ApprovalRule.Mode.ANY:
        return [ids]
    return [[user_id] for user_id in ids]


def _stale(request: ApprovalRequest, subject: Subject, rule: ApprovalRule | None) -> bool:
    """The request no longer stands: another amount, or (nobody has decided yet) other rules."""
    if request.fingerprint != subject.fingerprint:
        return True
    if request.status != R.Status.PENDING or request.decisions.all():
        return False
    return rule is None or (rule.pk, rule_steps(rule)) != (request.rule_id, request.steps)


def approvals_refresh(
    *,
    company: Company,
    subjects: Sequence[Subject],
    announce: bool = False,
    every: Sequence[str] = (),
) -> None:
    """Bring the subjects' requests in step with the rules and the subjects' amounts.

    `every`: the kinds of which `subjects` are all the open ones (after a sync, a rule change):
    their other waiting requests (a bill paid or deleted meanwhile) are no longer needed.
    `announce`: tell each new request's first approvers (one subject prepared or created by a
    person; not the many bills of a sync or of a rule change, which the lists show).
    A rejection stands until the subject changes. **Idempotent.** **Transaction:** one; two
    refreshes at once start one request (the unique open request per subject).
    """
    if every:
        now = timezone.now()
        R.objects.filter(company=company, kind__in=every, status=R.Status.PENDING).exclude(
            object_id__in=[s.object_id for s in subjects if s.kind in every]
        ).update(status=R.Status.CANCELLED, decided_at=now, updated_at=now)
    if not subjects:
        return
    rules: dict[str, list[ApprovalRule]] = {}
    for rule in rules_list(company=company):
        rules.setdefault(rule.applies_to, []).append(rule)
    kinds = {s.kind for s in subjects}
    if (
        not any(rules.get(KIND_RULES[k]) for k in kinds)
        and not R.objects.filter(company=company, kind__in=kinds, status=R.Status.PENDING).exists()
    ):
        return  # no rule and nothing open: the common case costs two queries
    latest: dict[tuple[str, int], ApprovalRequest] = {}
    existing = (
        R.objects.filter(
            company=company, kind__in=kinds, object_id__in={s.object_id for s in subjects}
        )
        .exclude(status=R.Status.CANCELLED)
        .prefetch_related("decisions")
        .order_by("-id")
    )
    for request in existing:
        latest.setdefault((request.kind, request.object_id), request)
    stale, new = [], []
    for subject in subjects:
        rule = rule_for(rules.get(subject.applies_to, []), subject.parts, company.base_currency)
        request = latest.get((subject.kind, subject.object_id))
        if request is not None and _stale(request, subject, rule):
            if request.status in R.ACTIVE:
                stale.append(request.pk)
            request = None
        if request is None and rule is not None and rule_steps(rule):
            new.append(_new_request(company, subject, rule))
    now = timezone.now()
    with transaction.atomic():
        R.objects.filter(pk__in=stale, status__in=R.ACTIVE).update(
            status=R.Status.CANCELLED, decided_at=now, updated_at=now
        )
        if not announce:
            R.objects.bulk_create(new, ignore_conflicts=True)
            return
        for request in new:
            try:
                with transaction.atomic():
                    request.save()
            except IntegrityError:
                continue  # another refresh started it at the same moment
            audit_record(
                company=company,
                actor=request.requested_by,
                action="approval.requested",
                target=request.label,
                ref=request.ref,
                data={"steps": len(request.steps)},
            )
            notices.requested(
                company, request, step_deciders(request, member_roles(company=company))
            )


def _new_request(company: Company, subject: Subject, rule: ApprovalRule) -> ApprovalRequest:
    return R(
        company=company,
        kind=subject.kind,
        object_id=subject.object_id,
        label=subject.label[:300],
        amount=subject.amount,
        currency=subject.currency,
        fingerprint=subject.fingerprint,
        rule=rule,
        mode=rule.mode,
        steps=rule_steps(rule),
        requested_by_id=subject.requested_by_id,
    )


def approval_blocking(*, company: Company, subject: Subject) -> ApprovalRequest | None:
    """The subject's request if it still holds the subject back (waiting or rejected), after
    bringing it in step with the rules; None when no rule covers it or it is approved."""
    approvals_refresh(company=company, subjects=[subject], announce=True)
    request = (
        R.objects.filter(company=company, kind=subject.kind, object_id=subject.object_id)
        .exclude(status=R.Status.CANCELLED)
        .first()
    )
    if request is None or request.status == R.Status.APPROVED:
        return None
    return request


def approval_reopen(*, company: Company, subject: Subject) -> None:
    """Start the subject's approval over (a decided bill reviewed again): its latest request is
    no longer needed; a rule that covers it starts a new one. **Idempotent.**"""
    latest = (
        R.objects.filter(company=company, kind=subject.kind, object_id=subject.object_id)
        .exclude(status=R.Status.CANCELLED)
        .first()
    )
    if latest is not None:
        now = timezone.now()
        R.objects.filter(pk=latest.pk).exclude(status=R.Status.CANCELLED).update(
            status=R.Status.CANCELLED, decided_at=now, updated_at=now
        )
    approvals_refresh(company=company, subjects=[subject], announce=True)


def approval_withdraw(*, company: Company, kind: str, object_id: int) -> None:
    """The subject is gone (a payment cancelled, a run discarded): its open request is no longer
    needed. **Idempotent.**"""
    now = timezone.now()
    R.objects.filter(
        company=company, kind=kind, object_id=object_id, status=R.Status.PENDING
    ).update(status=R.Status.CANCELLED, decided_at=now, updated_at=now)


def blocking_words(*, company: Company, request: ApprovalRequest, lead: str = "") -> str:
    """Why a subject cannot go ahead yet, in words: who it waits for, or who rejected it;
    after `lead` (a sentence of the caller's) when given."""
    words = _blocking_words(company, request)
    return f"{lead} {words}" if lead else words


def _blocking_words(company: Company, request: ApprovalRequest) -> str:
    if request.status == R.Status.REJECTED:
        last = request.decisions.select_related("user").last()
        return gettext("%(who)s rejected it: %(comment)s") % {
            "who": str(last.user) if last and last.user else gettext("An approver"),
            "comment": last.comment if last else "",
        }
    ids = step_deciders(request, member_roles(company=company))
    names = ", ".join(str(u) for u in User.objects.filter(pk__in=ids).order_by("pk"))
    return gettext("It waits for approval (step %(step)d of %(steps)d) by %(names)s.") % {
        "step": request.step + 1,
        "steps": len(request.steps),
        "names": names or gettext("an owner"),
    }


def approval_decide(
    *, company: Company, actor: User, subject: Subject, decision: str, comment: str = ""
) -> ApprovalRequest | None:
    """Decide the current step of the subject's request (None: no rule covers the subject).

    **Raises:** ApprovalCommentRequired (a rejection without a comment), NotAllowed (not this
    step's approver, or separation of duties), ApprovalClosed (rejected or no longer needed).
    **Idempotent:** the same person sending the same decision twice is one decision.
    **Transaction:** one, with the request locked; two approvers of one step at once: one wins,
    the other's approval goes to the next step if they may decide it, else is refused.
    """
    comment = comment.strip()[:COMMENT_MAX]
    if decision == D.REJECTED and not comment:
        raise ApprovalCommentRequired(gettext("Say why you reject it, so they know what to fix."))
    approvals_refresh(company=company, subjects=[subject], announce=True)
    with transaction.atomic():
        request = (
            R.objects.select_for_update()
            .filter(company=company, kind=subject.kind, object_id=subject.object_id)
            .exclude(status=R.Status.CANCELLED)
            .first()
        )
        if request is None:
            return None
        last = request.decisions.order_by("-step").first()
        if last is not None and (last.user_id, last.decision) == (actor.pk, decision):
            return request  # the same form sent twice
        if request.status == R.Status.APPROVED:
            if decision == D.APPROVED:
                return request
            raise ApprovalClosed(gettext("It is approved already."))
        if request.status == R.Status.REJECTED:
            raise ApprovalClosed(gettext("It was rejected already."))
        roles = member_roles(company=company)
        deciders = step_deciders(request, roles)
        if actor.pk not in deciders:
            names = ", ".join(str(u) for u in User.objects.filter(pk__in=deciders))
            raise NotAllowed(refusal(request, actor, roles, names))
        ApprovalDecision.objects.create(
            request=request, step=request.step, user=actor, decision=decision, comment=comment
        )
        number = request.step + 1
        if decision == D.APPROVED:
            request.step = number
            if request.step >= len(request.steps):
                request.status, request.decided_at = R.Status.APPROVED, timezone.now()
        else:
            request.status, request.decided_at = R.Status.REJECTED, timezone.now()
        request.save(update_fields=["step", "status", "decided_at", "updated_at"])
        data = {"step": number, "steps": len(request.steps)}
        if comment:
            data["comment"] = comment
        audit_record(
            company=company,
            actor=actor,
            action=f"approval.{decision}",
            target=request.label,
            ref=request.ref,
            data=data,
        )
        if request.status == R.Status.PENDING:
            request.refresh_from_db()  # the prefetched decisions are stale
            notices.requested(company, request, step_deciders(request, roles))
        else:
            notices.decided(company, request, actor, comment)
    return request


# Rules -------------------------------------------------------------------------------------


def rule_save(
    *,
    company: Company,
    actor: User,
    rule: ApprovalRule | None,
    applies_to: str,
    min_amount: Decimal | None,
    max_amount: Decimal | None,
    codat_supplier_id: str,
    supplier_name: str,
    mode: str,
    approver_ids: list[int],
) -> ApprovalRule:
    """Create or change a rule; the open requests nobody has decided yet follow it.

    **Raises:** NotAllowed, RuleInvalid (no approver, the same person twice, a member whose role
    cannot approve this kind). **Transaction:** one.
    """
    require(company, actor, Can.MANAGE_SETTINGS)
    if not approver_ids:
        raise RuleInvalid(gettext("Pick at least one approver."))
    if len(set(approver_ids)) != len(approver_ids):
        raise RuleInvalid(gettext("Each approver can be named once in a rule."))
    roles = member_roles(company=company)
    action = (
        Can.REVIEW_BILLS if applies_to == ApprovalRule.AppliesTo.BILLS else Can.APPROVE_PAYMENTS
    )
    if any(not role_allows(roles.get(u, ""), action) for u in approver_ids):
        raise RuleInvalid(gettext("Every approver must be a member whose role allows approving."))
    created = rule is None
    with transaction.atomic():
        if rule is None:
            rule = ApprovalRule(company=company, created_by=actor)
        rule.applies_to, rule.mode = applies_to, mode
        rule.min_amount, rule.max_amount = min_amount, max_amount
        rule.codat_supplier_id, rule.supplier_name = codat_supplier_id, supplier_name
        rule.save()
        rule.approvers.all().delete()
        RuleApprover.objects.bulk_create(
            RuleApprover(rule=rule, user_id=u, position=i) for i, u in enumerate(approver_ids)
        )
        audit_record(
            company=company,
            actor=actor,
            action="approval.rule_created" if created else "approval.rule_changed",
            target=rule_target(rule),
            ref=f"approval_rule:{rule.pk}",
            data={"approvers": approver_ids, "mode": mode},
        )
        approvals_refresh(
            company=company, subjects=hooks.open_subjects(company), every=hooks.kinds()
        )
    return rule


def rule_delete(*, company: Company, actor: User, rule_id: int) -> None:
    """Remove a rule; the open requests nobody has decided yet follow the remaining rules."""
    require(company, actor, Can.MANAGE_SETTINGS)
    with transaction.atomic():
        rule = ApprovalRule.objects.filter(company=company, pk=rule_id).first()
        if rule is None:
            return
        audit_record(
            company=company,
            actor=actor,
            action="approval.rule_deleted",
            target=rule_target(rule),
            ref=f"approval_rule:{rule.pk}",
        )
        rule.delete()
        approvals_refresh(
            company=company, subjects=hooks.open_subjects(company), every=hooks.kinds()
        )


def rule_target(rule: ApprovalRule) -> str:
    low = rule.min_amount if rule.min_amount is not None else Decimal(0)
    high = "" if rule.max_amount is None else f"{rule.max_amount.normalize():f}"
    supplier = f" {rule.supplier_name}" if rule.codat_supplier_id else ""
    return f"{rule.get_applies_to_display()} {low.normalize():f}-{high}{supplier}"
