"""The vendor reviewers' workspace (Django admin): one module per area; importing them
registers their ModelAdmins."""

from portal.admin import applications, catalogue, deals, extensions, log, tokens  # noqa: F401
