"""The "Vendor reviewers" group and what it may do.

Created by migration 0002 and kept in step after every migrate (and after the
test runner's flush) by a post_migrate receiver, both through `ensure_reviewers_group`.
"""

from django.apps import apps as global_apps

REVIEWERS_GROUP = "Vendor reviewers"
REVIEWER_PERMISSIONS = [
    "review_deal",
    "view_deal",
    "view_dealline",
    "view_dealcontact",
    "view_dealhistory",
    "view_dealcomment",
    "add_dealcomment",
    "view_extensionrequest",
    "change_extensionrequest",
    "view_distributorapitoken",
    "add_distributorapitoken",
    "change_distributorapitoken",
    "view_partnerapplication",
    "change_partnerapplication",
    "view_actionrequest",
    "view_dealattachment",
    "view_decisionruleversion",
    "view_partnerapitoken",
    "view_webhookendpoint",
    "view_webhookdelivery",
    # Users are seen (for data-protection requests and second-factor resets), not edited.
    "view_user",
    *[
        f"{action}_{model}"
        for model in [
            "product",
            "productfamily",
            "competitor",
            "partner",
            "distributor",
            "customer",
            "customercontact",
            "reviewreason",
            "programmetier",
            "tierdiscount",
            "decisionrule",
        ]
        for action in ["add", "change", "view"]
    ],
]


def ensure_reviewers_group(group_model, permission_model) -> None:
    """Create the group if missing and give it every reviewer permission that exists."""
    group, _ = group_model.objects.get_or_create(name=REVIEWERS_GROUP)
    group.permissions.add(
        *permission_model.objects.filter(
            content_type__app_label="portal", codename__in=REVIEWER_PERMISSIONS
        )
    )


def sync_reviewers_group(sender, app_config, apps=global_apps, **kwargs) -> None:
    """post_migrate receiver for the portal app."""
    from django.contrib.auth.management import create_permissions

    # This receiver may run before auth's own one: make the permissions first (idempotent).
    create_permissions(app_config, verbosity=0, apps=apps)
    ensure_reviewers_group(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))
