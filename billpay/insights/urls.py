from django.urls import path

from billpay.insights import views

app_name = "insights"
urlpatterns = [
    path("overview/", views.dashboard, name="dashboard"),
    path("overview/forecast/", views.forecast, name="forecast"),
]
