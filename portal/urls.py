from django.urls import path

from portal.views import deal_reg_check, extensions, home

app_name = "portal"

urlpatterns = [
    path("", home.home, name="home"),
    path(
        "sales-zone/opportunity-manager/<int:pk>/extension/",
        extensions.deal_request_extension,
        name="deal_request_extension",
    ),
    path("sales-zone/deal-reg-check/", deal_reg_check.deal_reg_check, name="deal_reg_check"),
    path(
        "api/v1/deal-reg-check/",
        deal_reg_check.api_deal_reg_check,
        name="api_deal_reg_check",
    ),
]
