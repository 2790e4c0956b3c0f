"""The audit log in the admin, and the admin's own hardening against hostile query strings and
forms (Django's admin turns a few of them into 500s; staff pages must not)."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError

from billpay.core.models import AuditEvent
from billpay.core.parsing import ParseError, parse_id, parse_int

# The date hierarchy's ?<field>__year=&__month=&__day=: Django reads them with int() (so "١٢٣"
# is a year) and builds a datetime from them, which an absurd year turns into an OverflowError.
_DATE_PARTS = {"year": (1, 9998), "month": (1, 12), "day": (1, 31)}


class SafeChangeList(ChangeList):
    """A changelist whose hostile date-hierarchy parameters are "incorrect lookup parameters"
    (the admin's own "?e=1" answer), never a 500."""

    def get_filters(self, request):
        if self.date_hierarchy:
            for part, (low, high) in _DATE_PARTS.items():
                for value in request.GET.getlist(f"{self.date_hierarchy}__{part}"):
                    try:
                        parse_int(value, min_value=low, max_value=high)
                    except ParseError as exc:
                        raise IncorrectLookupParameters(exc.message) from None
        try:
            return super().get_filters(request)
        except OverflowError as exc:  # 31 December 9998 plus a day is still a date; be sure
            raise IncorrectLookupParameters(str(exc)) from None


class SafeAutocompleteSelect(AutocompleteSelect):
    """An autocomplete whose posted value is not an id of the related model (a forged form) is
    re-shown as empty; Django's looks the raw value up and raises ValueError (a 500)."""

    def optgroups(self, name, value, attr=None):
        target = self.field.target_field
        kept = []
        for item in value:
            try:
                python = target.to_python(item)
                if isinstance(python, int):
                    parse_id(str(item))  # ASCII digits that fit the column
            except (ValidationError, ParseError):
                continue
            kept.append(item)
        return super().optgroups(name, kept, attr)


class ReadOnlyMixin:
    """Rows that only the app changes (mirrors of the books, state machines): staff look."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class HardenedAdminMixin:
    """Mixed into every ModelAdmin of ours (and the third-party ones we re-register)."""

    def get_changelist(self, request, **kwargs):
        return SafeChangeList

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(AuditEvent)
class AuditEventAdmin(HardenedAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "company", "actor", "action", "target"]
    list_filter = ["action"]
    search_fields = ["company__name", "actor__email", "action", "target"]
    list_select_related = ["company", "actor"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def _harden_registered(*models) -> None:
    """Re-register third-party admins (django-axes') with the hardening mixed in."""
    for model in models:
        current = admin.site._registry.get(model)
        if current is None or isinstance(current, HardenedAdminMixin):
            continue
        admin.site.unregister(model)
        hardened = type(
            f"Hardened{type(current).__name__}", (HardenedAdminMixin, type(current)), {}
        )
        admin.site.register(model, hardened)


def _harden_axes() -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    _harden_registered(AccessAttempt, AccessLog, AccessFailureLog)


_harden_axes()  # axes comes before billpay.core in INSTALLED_APPS: its admin is registered
