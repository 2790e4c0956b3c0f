from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billpay.core.models import TimestampedModel
from billpay.onboarding.roles import Abilities


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> "User":
        # Email addresses are matched case-insensitively at log-in.
        return self.get(email__iexact=username)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with their email address."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can log in to the Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)
    # Chosen in the header; blank follows the browser's Accept-Language. Emails use it too.
    # A database default too: rows written by code that predates the column still get "".
    language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, blank=True, default="", db_default=""
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name.split() or [self.email])[0]


class Company(TimestampedModel):
    """The small business (the tenant). One Codat company each, once connected."""

    name = models.CharField(max_length=200)
    base_currency = models.CharField(max_length=3, help_text="ISO 4217 code, e.g. USD.")
    country = models.CharField(max_length=2, help_text="ISO 3166 alpha-2 code, e.g. US.")
    codat_company_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # Set by an owner on the Team page: every member logs in with a second step (a code from an
    # authenticator app), and payments are confirmed only from a session that passed it.
    require_two_factor = models.BooleanField(default=False, db_default=False)

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Membership(TimestampedModel):
    """A user's role in a company; what each role may do is `billpay.onboarding.roles`."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", pgettext_lazy("role", "Admin")
        APPROVER = "approver", _("Approver")
        ACCOUNTANT = "accountant", _("Accountant")
        VIEWER = "viewer", _("Viewer")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "company"], name="membership_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=["owner", "admin", "approver", "accountant", "viewer"]),
                name="membership_role_valid",
            ),
        ]
        ordering = ["company__name", "id"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) at {self.company}"

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER

    @property
    def can(self) -> Abilities:
        """`membership.can.confirm_payments`: what this member's role allows (roles.Can)."""
        return Abilities(self.role)


class AccountingConnection(TimestampedModel):
    """The company's one accounting connection at Codat (a mirror of Codat's Connection)."""

    class Status(models.TextChoices):
        PENDING_AUTH = "pending_auth", _("Waiting for authorization")
        LINKED = "linked", _("Connected")
        UNLINKED = "unlinked", _("Disconnected")
        DEAUTHORIZED = "deauthorized", _("Needs re-authorization")

    # Codat's dataConnectionStatus values → ours.
    FROM_CODAT = {
        "PendingAuth": Status.PENDING_AUTH,
        "Linked": Status.LINKED,
        "Unlinked": Status.UNLINKED,
        "Deauthorized": Status.DEAUTHORIZED,
    }

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="connection")
    codat_connection_id = models.CharField(max_length=64)
    platform_key = models.CharField(max_length=8)
    platform_name = models.CharField(max_length=100)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING_AUTH)
    linked_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # When we last asked Codat for this connection's status (the request's start): a reading
    # is applied only if it was asked later than the one applied before (connection_refresh).
    status_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.platform_name} ({self.get_status_display()})"

    @property
    def is_linked(self) -> bool:
        return self.status == self.Status.LINKED


class WebhookEvent(models.Model):
    """A verified Codat webhook delivery, kept once per webhook-id (deliveries repeat)."""

    webhook_id = models.CharField(max_length=100, unique=True)
    event_type = models.CharField(max_length=100)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="webhook_events"
    )
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["company", "event_type", "-received_at"]),
            # The few events still waiting for their task (`webhook_event_waiting`).
            models.Index(
                fields=["company", "event_type"],
                condition=models.Q(processed_at__isnull=True),
                name="webhook_event_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.webhook_id}"
