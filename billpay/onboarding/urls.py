from django.urls import path

from billpay.onboarding import views

app_name = "onboarding"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("companies/new/", views.company_create, name="company-create"),
    path("companies/switch/", views.company_switch, name="company-switch"),
    path("team/", views.team, name="team"),
    path("team/invite/", views.invitation_create, name="invitation-create"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
