"""A victim company with one object of every kind a URL can name, and an attacker next door."""

import json
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from billpay.approvals.models import ApprovalRule, RuleApprover
from billpay.bills.models import BillAttachment, Origin
from billpay.inbound.models import Draft
from billpay.onboarding.tenancy import SESSION_COMPANY_KEY
from billpay.payments.models import Payment, PaymentAllocation
from billpay.recurring.models import RecurringBill, RecurringLine
from billpay.runs.models import PayRun, PayRunGroup, PayRunLine

# Fixtures of other test packages, shared here (a conftest makes them visible by name).
from tests.bills.conftest import attachments_codat, connected, empty_cache  # noqa: F401
from tests.factories import (
    BillFactory,
    BillLineFactory,
    CompanyFactory,
    LedgerAccountFactory,
    LedgerWriteFactory,
    MembershipFactory,
    SupplierFactory,
)
from tests.mapping.factories import BankAccountRequestFactory

# Routes that answer without a company session, each for a reason; everything else is a
# company page and is swept.
PUBLIC_ROUTES = {
    "signup/": "creating an account happens before there is one",
    "signup/confirm/<str:uidb64>/<str:token>/": "authenticated by the signed token in the link",
    "login/": "the way in",
    "logout/": "logging out works whatever the session holds",
    "password-reset/": "asking for a reset link needs no login",
    "password-reset/sent/": "the confirmation after asking",
    "password-reset/<uidb64>/<token>/": "authenticated by the signed token in the link",
    "password-reset/done/": "the confirmation after resetting",
    "health/": "load balancer health (database and cache), no company data",
    "health/live/": "process liveness for the load balancer, no company data",
    "favicon.ico": "the app's icon, for pages that name none: no company data",
    "language/": "choosing a language works before logging in too (it is also a cookie)",
    "invitations/<str:token>/": "authenticated by the signed invitation token",
    "webhooks/codat/": "authenticated by its Svix signature (tests/security/test_webhooks.py)",
    # Email-in (issue 17): each checked by django-anymail (tests/inbound/test_email_webhook.py),
    # and a 404 until its secret is set.
    "webhooks/inbound/postmark/": "authenticated by basic auth, checked by django-anymail",
    "webhooks/inbound/mailgun/": "authenticated by Mailgun's HMAC signature (django-anymail)",
    "webhooks/inbound/sendgrid/": "authenticated by basic auth, checked by django-anymail",
    "webhooks/inbound/brevo/": "authenticated by basic auth, checked by django-anymail",
}
# Whole trees left out: the Django admin (staff only, its own permission system) and the
# sandbox (a fake Codat with its own API key; its link pages are public by design).
EXCLUDED_PREFIXES = ("admin/", "sandbox/", "static/", "media/")

# Text that only the victim's rows contain: none of it may reach the attacker.
VICTIM_SUPPLIER = "Zebulon Quartzwright Supplies"
VICTIM_REFERENCE = "VICTIM-REF-773155"
VICTIM_LINE = "Victim line xyzzy plugh"
VICTIM_TOTAL = Decimal("98765.43")
VICTIM_PAYMENT_REF = "PAYVIC7731"
VICTIM_BANK_ACCOUNT = "Victim Vault Account qwerty"
VICTIM_ATTACHMENT = "victim-invoice-qwerty.pdf"
VICTIM_STRINGS = (
    VICTIM_SUPPLIER,
    VICTIM_REFERENCE,
    VICTIM_LINE,
    "98765.43",
    "98,765.43",
    VICTIM_PAYMENT_REF,
    VICTIM_BANK_ACCOUNT,
    VICTIM_ATTACHMENT,
)


def app_routes() -> list[tuple[str, URLPattern]]:
    """Every (route, pattern) of the URL conf, flattened; includes nested include()s."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p

    return sorted(walk(get_resolver().url_patterns), key=lambda rp: rp[0])


def company_routes() -> list[str]:
    return [
        route
        for route, _ in app_routes()
        if not route.startswith(EXCLUDED_PREFIXES) and route not in PUBLIC_ROUTES
    ]


KWARG = re.compile(r"<(?:(\w+):)?(\w+)>")


def route_kwargs(route: str) -> list[str]:
    return [name for _, name in KWARG.findall(route)]


def concrete(route: str, values: dict[str, object]) -> str:
    """The route as a path, each <kwarg> replaced by values[kwarg]; an unknown kwarg is an error."""

    def fill(match: re.Match) -> str:
        name = match.group(2)
        if name not in values:
            raise LookupError(
                f"The security sweep does not know the URL kwarg {name!r} (in {route!r}). "
                "Map it to an object of the victim company in tests/security/conftest.py."
            )
        return str(values[name])

    return "/" + KWARG.sub(fill, route)


@dataclass
class World:
    """One company's objects, and the value each URL kwarg takes to name one of them."""

    company: object
    owner: object
    membership: object
    supplier: object
    bill: object
    payment: object
    bank_request: object
    attachment: object
    write: object
    account: object
    run: object
    group: object
    rule: object
    recurring: object = None
    draft: object = None

    @property
    def kwargs(self) -> dict[str, object]:
        return {
            "bill_id": self.bill.pk,
            "supplier_id": self.supplier.pk,
            "payment_id": self.payment.pk,
            "request_id": self.bank_request.pk,
            "attachment_id": self.attachment.codat_attachment_id,
            "run_id": self.run.pk,
            "group_id": self.group.pk,
            "membership_id": self.membership.pk,
            "rule_id": self.rule.pk,
            "kind": "payment",
            "object_id": self.payment.pk,
            "template_id": self.recurring.pk,
            "draft_id": self.draft.pk,
        }


def build_world(
    *,
    name: str,
    email: str,
    supplier: str,
    reference: str,
    line: str,
    total: Decimal,
    payment_ref: str,
    bank_account: str,
    attachment: str,
) -> World:
    company = CompanyFactory(name=name)
    membership = MembershipFactory(company=company, user__email=email)
    owner = membership.user
    sup = SupplierFactory(company=company, name=supplier, origin=Origin.APP)
    bill = BillFactory(
        company=company,
        supplier=sup,
        reference=reference,
        origin=Origin.APP,
        total_amount=total,
        amount_due=total,
        sub_total=total,
        tax_amount=Decimal("0"),
        note=f"Note about {reference}",
    )
    BillLineFactory(bill=bill, description=line, unit_amount=total, total_amount=total)
    account = LedgerAccountFactory(company=company, name=f"{bank_account} ledger")
    payment = Payment.objects.create(
        account=account,
        company=company,
        reference=payment_ref,
        supplier=sup,
        codat_supplier_id=sup.codat_supplier_id,
        supplier_name=sup.name,
        method="bank_transfer",
        codat_account_id=account.codat_account_id,
        currency="USD",
        total_amount=total,
        payment_date=timezone.localdate(),
        note=f"Paying {reference}",
        status=Payment.Status.DRAFT,
        request_body=json.dumps(
            {
                "reference": payment_ref,
                "note": f"Paying {reference}",
                "supplierRef": {"supplierName": sup.name},
            }
        ),
        created_by=owner,
    )
    PaymentAllocation.objects.create(
        company=company,
        payment=payment,
        bill=bill,
        codat_bill_id=bill.codat_bill_id,
        amount=total,
        currency="USD",
        amount_due_before=total,
        bill_status_before="Open",
    )
    bank_request = BankAccountRequestFactory(
        company=company,
        method="bank_transfer",
        currency="USD",
        account_type="Debit",
        account_name=bank_account,
        created_by=owner,
    )
    upload = BillAttachment.objects.create(
        company=company,
        bill=bill,
        file="x.pdf",
        name=attachment,
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
        uploaded_by=owner,
        codat_attachment_id=str(uuid.uuid4()),
    )
    write = LedgerWriteFactory(company=company, bill=bill)
    run = PayRun.objects.create(
        company=company,
        method="bank_transfer",
        payment_date=timezone.localdate(),
        created_by=owner,
        bill_count=1,
        group_count=1,
    )
    group = PayRunGroup.objects.create(
        company=company,
        run=run,
        supplier=sup,
        codat_supplier_id=sup.codat_supplier_id,
        supplier_name=sup.name,
        currency="USD",
        account=account,
        total=total,
    )
    PayRunLine.objects.create(company=company, run=run, group=group, bill=bill, amount=total)
    rule = ApprovalRule.objects.create(
        company=company, applies_to="payments", mode="any", min_amount=total * 1000
    )
    RuleApprover.objects.create(rule=rule, user=owner, position=0)
    recurring = RecurringBill.objects.create(
        company=company,
        supplier=sup,
        supplier_name=sup.name,
        reference=reference,
        currency="USD",
        note=f"Recurring {reference}",
        total_amount=total,
        frequency="monthly",
        start_date=timezone.localdate(),
        runs_from=timezone.localdate(),
        form_token=uuid.uuid4(),
        created_by=owner,
        run_as=owner,
    )
    RecurringLine.objects.create(
        company=company,
        template=recurring,
        position=1,
        description=line,
        quantity=Decimal("1"),
        unit_amount=total,
        account=LedgerAccountFactory(
            company=company, is_bank_account=False, account_type="Expense", name="Expenses"
        ),
    )
    world = World(
        company,
        owner,
        membership,
        sup,
        bill,
        payment,
        bank_request,
        upload,
        write,
        account,
        run,
        group,
        rule,
    )
    world.recurring = recurring
    world.draft = Draft.objects.create(
        company=company,
        source=Draft.Source.UPLOAD,
        kind=Draft.Kind.BILL,
        format="ubl",
        file_name=attachment,
        supplier=sup,
        supplier_name=supplier,
        reference=reference,
        currency="USD",
        total_amount=total,
        issue_date=timezone.localdate(),
        data={
            "number": reference,
            "currency": "USD",
            "supplier": {"name": supplier},
            "lines": [
                {
                    "description": line,
                    "quantity": "1",
                    "unit_price": str(total),
                    "net_amount": str(total),
                    "tax_rate": None,
                }
            ],
            "totals": {"tax_exclusive": str(total), "tax_amount": "0", "payable": str(total)},
        },
        created_by=owner,
    )
    return world


@pytest.fixture
def victim(db) -> World:
    return build_world(
        name="Victim Holdings Ltd",
        email="victor@victim.example",
        supplier=VICTIM_SUPPLIER,
        reference=VICTIM_REFERENCE,
        line=VICTIM_LINE,
        total=VICTIM_TOTAL,
        payment_ref=VICTIM_PAYMENT_REF,
        bank_account=VICTIM_BANK_ACCOUNT,
        attachment=VICTIM_ATTACHMENT,
    )


@pytest.fixture
def attacker(db) -> World:
    """The owner of another company, with objects of every kind of their own."""
    return build_world(
        name="Mallory Trading",
        email="mallory@attacker.example",
        supplier="Mallory Own Supplier",
        reference="MAL-REF-1",
        line="Mallory line",
        total=Decimal("10.00"),
        payment_ref="PAYMAL1",
        bank_account="Mallory account",
        attachment="mallory.pdf",
    )


def logged_in(user, company, **defaults) -> Client:
    client = Client(**defaults)
    client.force_login(user)
    session = client.session
    session[SESSION_COMPANY_KEY] = company.pk
    session.save()
    return client


def body(response) -> str:
    """The whole body as text, streamed responses (the CSV export) included."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode(errors="replace")


@pytest.fixture(autouse=True)
def _no_static_scan(settings):
    """WhiteNoise scans STATIC_ROOT whenever a test client loads the middleware; other jobs on
    this machine run collectstatic into the same var/static, and a file vanishing mid-scan is
    a FileNotFoundError that has nothing to do with what these tests check."""
    settings.WHITENOISE_AUTOREFRESH = True
