from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
    verbose_name = _("Deal registration")

    def ready(self) -> None:
        from portal.review_reasons import sync_default_reasons
        from portal.roles import sync_reviewers_group

        # After auth's own receiver has created the permissions.
        post_migrate.connect(sync_reviewers_group, sender=self)
        post_migrate.connect(sync_default_reasons, sender=self)

        from django.contrib.auth.signals import user_logged_in

        from portal import notifications, workflow
        from portal.middleware import remember_language_on_login

        user_logged_in.connect(remember_language_on_login, dispatch_uid="portal.login_language")
        from portal import mfa

        user_logged_in.connect(mfa.on_login, dispatch_uid="portal.mfa")

        # E-mails about a deal go out once its status change has committed.
        workflow.status_changed.connect(
            notifications.on_status_changed, dispatch_uid="portal.notifications"
        )
        from portal import webhooks

        workflow.status_changed.connect(webhooks.on_status_changed, dispatch_uid="portal.webhooks")
        workflow.validity_extended.connect(
            notifications.on_validity_extended, dispatch_uid="portal.notifications.extended"
        )
        # The cached filter choices are forgotten when a distributor or a family changes.
        from django.db.models.signals import post_delete, post_save

        from portal import choice_cache
        from portal.models import Distributor, ProductFamily

        for model in (Distributor, ProductFamily):
            for signal in (post_save, post_delete):
                signal.connect(
                    choice_cache.forget, sender=model, dispatch_uid=f"choices.{model.__name__}"
                )
