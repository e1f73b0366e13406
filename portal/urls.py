from django.urls import path

from portal.views import (
    accounts,
    action_required,
    api_access,
    apply,
    attachments,
    dashboards,
    deal_reg_check,
    deals,
    exports,
    extensions,
    home,
    mfa,
    opportunity_manager,
)
from portal.views import wizard as wizard_views

app_name = "portal"

urlpatterns = [
    path("", home.home, name="home"),
    path("sales/register-a-deal/", wizard_views.register_deal, name="register_deal"),
    path(
        "sales/register-a-deal/customer-search/",
        wizard_views.customer_search,
        name="customer_search",
    ),
    path(
        "sales/register-a-deal/registered/<int:pk>/",
        wizard_views.register_deal_done,
        name="register_deal_done",
    ),
    path(
        "sales/register-a-deal/<slug:step>/",
        wizard_views.register_deal_step,
        name="register_deal_step",
    ),
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
    path("sales-zone/dashboard/", dashboards.dashboard, name="dashboard"),
    # Sales Zone → Opportunity Manager
    path(
        "sales-zone/opportunity-manager/",
        opportunity_manager.opportunity_manager,
        name="opportunity_manager",
    ),
    path(
        "sales-zone/opportunity-manager/counts/",
        opportunity_manager.opportunity_manager_counts,
        name="opportunity_manager_counts",
    ),
    path(
        "sales-zone/opportunity-manager/export.csv",
        exports.deal_export,
        name="deal_export",
    ),
    path("sales-zone/exports/<int:pk>/", exports.export_job, name="export_job"),
    path(
        "sales-zone/exports/<int:pk>/download/",
        exports.export_download,
        name="export_download",
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
    path(
        "sales-zone/opportunity-manager/<int:pk>/comments/",
        deals.deal_comment,
        name="deal_comment",
    ),
    path(
        "sales-zone/opportunity-manager/<int:pk>/attachments/",
        attachments.deal_attach,
        name="deal_attach",
    ),
    path("sales-zone/attachments/<int:pk>/", attachments.attachment_download, name="attachment"),
    path(
        "sales-zone/opportunity-manager/<int:pk>/respond/",
        action_required.deal_respond,
        name="deal_respond",
    ),
    path("apply/", apply.apply, name="apply"),
    path("apply/thanks/", apply.apply_done, name="apply_done"),
    path("accounts/two-factor/", mfa.two_factor, name="two_factor"),
    path("accounts/two-factor/set-up/", mfa.two_factor_setup, name="two_factor_setup"),
    path("accounts/two-factor/verify/", mfa.two_factor_verify, name="two_factor_verify"),
    path(
        "accounts/two-factor/recovery-codes/",
        mfa.two_factor_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("accounts/two-factor/turn-off/", mfa.two_factor_disable, name="two_factor_disable"),
    path("accounts/profile/", accounts.profile, name="profile"),
    path("accounts/api/", api_access.api_access, name="api_access"),
    path("accounts/api/tokens/", api_access.create_token, name="api_token_create"),
    path("accounts/api/tokens/<int:pk>/revoke/", api_access.revoke_token, name="api_token_revoke"),
    path("accounts/api/webhooks/", api_access.create_webhook, name="webhook_create"),
    path(
        "accounts/api/webhooks/<int:pk>/delete/",
        api_access.delete_webhook,
        name="webhook_delete",
    ),
    path(
        "accounts/activate/<uidb64>/<token>/",
        accounts.ActivateAccountView.as_view(),
        name="activate",
    ),
]
