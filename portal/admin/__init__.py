"""The vendor reviewers' workspace (Django admin): one module per area; importing them
registers their ModelAdmins."""

from portal.admin import (  # noqa: F401
    applications,
    catalogue,
    deals,
    extensions,
    log,
    personal,
    programme,
    reasons,
    tokens,
    webhooks,
)


def _limit_admin_login() -> None:
    """The admin's login takes the portal login's per-client limit too."""
    from django.contrib import admin

    from portal.views.accounts import login_limited

    site_login = admin.site.login

    def login(request, extra_context=None):
        return login_limited(request) or site_login(request, extra_context)

    admin.site.login = login


_limit_admin_login()
