"""The app's URLs plus the list floor, for the load benchmark's server only (never production)."""

from django.urls import include, path

from tests.bench.floor import bill_list_floor

urlpatterns = [
    path("bench/bills/<int:company_id>/", bill_list_floor, name="bench-bill-list-floor"),
    path("", include("billpay.urls")),
]
