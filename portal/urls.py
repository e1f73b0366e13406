from django.urls import path

from portal.views import deals, home, opportunity_manager

app_name = "portal"

urlpatterns = [
    path("", home.home, name="home"),
    # Sales Zone → Opportunity Manager
    path(
        "sales-zone/opportunity-manager/",
        opportunity_manager.opportunity_manager,
        name="opportunity_manager",
    ),
    path(
        "sales-zone/opportunity-manager/export.csv",
        opportunity_manager.deal_export,
        name="deal_export",
    ),
    path("sales-zone/opportunity-manager/<int:pk>/", deals.deal_detail, name="deal_detail"),
    path(
        "sales-zone/opportunity-manager/<int:pk>/withdraw/",
        deals.deal_withdraw,
        name="deal_withdraw",
    ),
    path("sales-zone/opportunity-manager/<int:pk>/won/", deals.deal_mark_won, name="deal_mark_won"),
    path(
        "sales-zone/opportunity-manager/<int:pk>/lost/",
        deals.deal_mark_lost,
        name="deal_mark_lost",
    ),
]
