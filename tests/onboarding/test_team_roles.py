"""Issue 15, point 1: owners (and admins, within limits) change roles and remove members; the
last owner is never removed or demoted, not even by two owners demoting each other at once."""

import re
import threading

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from billpay.core.errors import NotAllowed
from billpay.core.models import AuditEvent
from billpay.onboarding.errors import LastOwner
from billpay.onboarding.models import Membership
from billpay.onboarding.services import member_remove, member_role_set
from tests.conftest import _logged_in
from tests.factories import CompanyFactory, MembershipFactory

pytestmark = pytest.mark.django_db
R = Membership.Role


def _member(company, role, email=None):
    extra = {"user__email": email} if email else {}
    return MembershipFactory(company=company, role=role, **extra)


def test_an_owner_changes_a_role_and_it_is_audited(company, user, accountant):
    member = Membership.objects.get(user=accountant)

    member_role_set(company=company, actor=user, membership_id=member.pk, role=R.VIEWER)

    member.refresh_from_db()
    assert member.role == R.VIEWER
    event = AuditEvent.objects.get(action="membership.role_changed")
    assert (event.actor, event.target, event.data) == (
        user,
        accountant.email,
        {"from": "accountant", "to": "viewer"},
    )


def test_an_admin_manages_everyone_but_the_owners(company, user, accountant):
    admin = _member(company, R.ADMIN).user
    member = Membership.objects.get(user=accountant)
    owner = Membership.objects.get(user=user)

    member_role_set(company=company, actor=admin, membership_id=member.pk, role=R.APPROVER)
    assert Membership.objects.get(pk=member.pk).role == R.APPROVER
    with pytest.raises(NotAllowed):
        member_role_set(company=company, actor=admin, membership_id=member.pk, role=R.OWNER)
    with pytest.raises(NotAllowed):
        member_role_set(company=company, actor=admin, membership_id=owner.pk, role=R.VIEWER)
    with pytest.raises(NotAllowed):
        member_remove(company=company, actor=admin, membership_id=owner.pk)
    assert Membership.objects.get(pk=owner.pk).role == R.OWNER


@pytest.mark.parametrize("role", [R.APPROVER, R.ACCOUNTANT, R.VIEWER])
def test_the_other_roles_manage_no_one(company, user, role):
    someone = _member(company, role).user
    owner = Membership.objects.get(user=user)
    with pytest.raises(NotAllowed):
        member_role_set(company=company, actor=someone, membership_id=owner.pk, role=R.VIEWER)
    with pytest.raises(NotAllowed):
        member_remove(company=company, actor=someone, membership_id=owner.pk)


def test_the_last_owner_is_neither_demoted_nor_removed(company, user):
    owner = Membership.objects.get(user=user)
    with pytest.raises(LastOwner):
        member_role_set(company=company, actor=user, membership_id=owner.pk, role=R.ADMIN)
    with pytest.raises(LastOwner):
        member_remove(company=company, actor=user, membership_id=owner.pk)
    assert Membership.objects.get(pk=owner.pk).role == R.OWNER


def test_with_two_owners_one_may_step_down(company, user):
    second = _member(company, R.OWNER)
    owner = Membership.objects.get(user=user)

    member_role_set(company=company, actor=second.user, membership_id=owner.pk, role=R.ADMIN)

    assert Membership.objects.get(pk=owner.pk).role == R.ADMIN
    with pytest.raises(LastOwner):
        member_remove(company=company, actor=second.user, membership_id=second.pk)


def test_a_member_of_another_company_is_not_found(company, user, other_company):
    stranger = Membership.objects.get(company=other_company)
    with pytest.raises(Exception, match="No such member"):
        member_remove(company=company, actor=user, membership_id=stranger.pk)
    assert Membership.objects.filter(pk=stranger.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner():
    company = CompanyFactory()
    first, second = _member(company, R.OWNER), _member(company, R.OWNER)
    barrier, outcomes = threading.Barrier(2), []

    def demote(actor, target):
        try:
            barrier.wait()
            member_role_set(
                company=company, actor=actor.user, membership_id=target.pk, role="viewer"
            )
            outcomes.append("demoted")
        except (LastOwner, NotAllowed):  # the other went first: no longer the last, or an owner
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=demote, args=(first, second)),
        threading.Thread(target=demote, args=(second, first)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["demoted", "refused"]
    assert Membership.objects.filter(company=company, role=R.OWNER).count() == 1


# --- the team page ------------------------------------------------------------------------------


def test_the_owner_changes_a_role_on_the_team_page(client_member, company, accountant):
    member = Membership.objects.get(user=accountant)
    page = client_member.get(reverse("onboarding:team")).content.decode()
    assert f'action="{reverse("onboarding:member-role", args=[member.pk])}"' in page

    response = client_member.post(
        reverse("onboarding:member-role", args=[member.pk]), {f"m{member.pk}-role": "approver"}
    )

    assert response.status_code == 302
    assert Membership.objects.get(pk=member.pk).role == R.APPROVER
    page = client_member.get(reverse("onboarding:team")).content.decode()
    assert "is now approver" in page


def test_an_admin_is_not_offered_the_owner_role_and_cannot_post_it(company, user, accountant):
    admin = _member(company, R.ADMIN).user
    client = _logged_in(admin, company)
    member = Membership.objects.get(user=accountant)
    owner = Membership.objects.get(user=user)

    page = client.get(reverse("onboarding:team")).content.decode()
    assert 'value="owner"' not in page
    assert reverse("onboarding:member-role", args=[owner.pk]) not in page  # no form on an owner

    client.post(
        reverse("onboarding:member-role", args=[member.pk]), {f"m{member.pk}-role": "owner"}
    )
    assert Membership.objects.get(pk=member.pk).role == R.ACCOUNTANT
    response = client.post(
        reverse("onboarding:member-role", args=[owner.pk]), {f"m{owner.pk}-role": "viewer"}
    )
    assert response.status_code == 403


def test_removing_asks_first_then_removes(client_member, company, accountant):
    member = Membership.objects.get(user=accountant)
    url = reverse("onboarding:member-remove", args=[member.pk])

    page = client_member.get(url).content.decode()
    assert f"Remove {accountant} from {company.name}?" in page
    assert Membership.objects.filter(pk=member.pk).exists()

    assert client_member.post(url).status_code == 302
    assert not Membership.objects.filter(pk=member.pk).exists()
    assert AuditEvent.objects.filter(action="membership.removed", target=accountant.email).exists()


def test_the_only_owner_is_shown_as_such_with_nothing_to_click(client_member, user):
    owner = Membership.objects.get(user=user)
    page = client_member.get(reverse("onboarding:team")).content.decode()
    assert "the only owner" in page
    assert reverse("onboarding:member-remove", args=[owner.pk]) not in page


def test_an_invitation_carries_the_role_chosen(client_member, client, company):
    client_member.post(
        reverse("onboarding:invitation-create"), {"email": "dee@example.com", "role": "approver"}
    )
    assert "on BillPay as approver." in mail.outbox[-1].body
    path = re.search(r"http://testserver(\S+)", mail.outbox[-1].body).group(1)
    client.post(
        path, {"full_name": "Dee", "password1": "Tr1cky-pass-77", "password2": "Tr1cky-pass-77"}
    )
    assert Membership.objects.get(user__email="dee@example.com").role == R.APPROVER


def test_an_admin_cannot_invite_an_owner(company):
    admin = _member(company, R.ADMIN).user
    client = _logged_in(admin, company)
    response = client.post(
        reverse("onboarding:invitation-create"), {"email": "eve@example.com", "role": "owner"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert mail.outbox == []
