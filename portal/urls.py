from django.urls import path

from portal.views import accounts, apply, home

app_name = "portal"

urlpatterns = [
    path("", home.home, name="home"),
    path("apply/", apply.apply, name="apply"),
    path("apply/thanks/", apply.apply_done, name="apply_done"),
    path("accounts/profile/", accounts.profile, name="profile"),
    path(
        "accounts/activate/<uidb64>/<token>/",
        accounts.ActivateAccountView.as_view(),
        name="activate",
    ),
]
