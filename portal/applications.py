"""Partner applications: submit, approve (creates the Partner and its first user), reject.

Each decision runs in one transaction and e-mails the applicant after commit.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from portal import notifications, tax_ids
from portal.decisions import lock_pending, stamp
from portal.models import Partner, PartnerApplication, User

LIVE = (PartnerApplication.Status.PENDING, PartnerApplication.Status.APPROVED)


def already_known(application: PartnerApplication) -> list[notifications.Recipient]:
    """Whom to tell instead when the address or the company already has access or a live
    application: the owners of what exists, never the visitor who typed it."""
    email, country = application.email, application.country
    normalized = tax_ids.compact(application.tax_id, country)
    owners: list[notifications.Recipient] = []
    for user in User.objects.filter(email__iexact=email, is_active=True):
        owners.append(notifications.Recipient(user.email, user.language, user.get_full_name()))
    live = PartnerApplication.objects.filter(status__in=LIVE).filter(
        Q(email__iexact=email) | Q(tax_id_normalized=normalized, country=country)
    )
    for earlier in live:
        owners.append(
            notifications.Recipient(earlier.email, earlier.language, earlier.contact_name)
        )
    company = [
        partner.pk
        for partner in Partner.objects.only("pk", "name", "tax_id", "country")
        if partner.name.casefold() == application.company_name.strip().casefold()
        or (
            partner.tax_id
            and partner.country.upper() == country
            and tax_ids.compact(partner.tax_id, partner.country) == normalized
        )
    ]
    for user in User.objects.filter(partner_id__in=company, is_active=True).exclude(email=""):
        owners.append(notifications.Recipient(user.email, user.language, user.get_full_name()))
    if company and not owners:
        owners = notifications.reviewers()  # a partner without users: the vendor follows up
    return owners


@transaction.atomic
def submit_application(*, application: PartnerApplication) -> PartnerApplication | None:
    """Save a new (validated) application and tell the reviewers after commit.

    When the e-mail or the company already has an account or a live application, nothing
    is saved and the owners of what exists are e-mailed instead (None); the visitor's
    page reads the same either way, so the form reveals nobody's account.
    """
    owners = already_known(application)
    if owners:
        notifications.send_after_commit(
            application_known_messages(application=application, owners=owners)
        )
        return None
    application.status = PartnerApplication.Status.PENDING
    application.save()
    notifications.send_after_commit(application_received_messages(application=application))
    return application


def _lock_pending(application: PartnerApplication) -> PartnerApplication:
    return lock_pending(
        PartnerApplication.objects, application.pk, pending=PartnerApplication.Status.PENDING
    )


@transaction.atomic
def approve_application(*, application: PartnerApplication, by: User) -> PartnerApplication:
    """Create the Partner and an inactive user, and e-mail the set-password link."""
    locked = _lock_pending(application)
    if Partner.objects.filter(name__iexact=locked.company_name).exists():
        raise ValidationError(
            _("A partner named %(name)s already exists.") % {"name": locked.company_name}
        )
    taken = Q(email__iexact=locked.email) | Q(username__iexact=locked.email)
    if User.objects.filter(taken).exists():
        raise ValidationError(
            _("A portal account with the e-mail %(email)s already exists.")
            % {"email": locked.email}
        )
    partner = Partner.objects.create(
        name=locked.company_name, tax_id=locked.tax_id, country=locked.country, city=locked.city
    )
    user = User(
        username=locked.email.lower(),
        email=locked.email,
        first_name=locked.contact_first_name,
        last_name=locked.contact_last_name,
        phone=locked.phone,
        partner=partner,
        language=locked.language,
        is_active=False,
    )
    user.set_unusable_password()
    user.save()
    stamp(
        locked,
        status=PartnerApplication.Status.APPROVED,
        by=by,
        action="partner_application.approved",
        data={"partner": partner.pk},
        partner=partner,
    )
    transaction.on_commit(
        lambda: notifications.enqueue_account_link(
            "activation", user_id=user.pk, application_id=locked.pk
        )
    )
    return locked


@transaction.atomic
def reject_application(
    *, application: PartnerApplication, by: User, reason: str
) -> PartnerApplication:
    """Refuse the application and e-mail the reason to the applicant."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    locked = _lock_pending(application)
    stamp(
        locked,
        status=PartnerApplication.Status.REJECTED,
        by=by,
        action="partner_application.rejected",
        data={"reason": reason},
        rejection_reason=reason,
    )
    notifications.send_after_commit(application_rejected_messages(application=locked))
    return locked


def resend_set_password_link(*, application: PartnerApplication) -> bool:
    """E-mail a fresh set-password link if the approved applicant never set a password."""
    if application.status != PartnerApplication.Status.APPROVED or not application.partner_id:
        return False
    user = User.objects.filter(
        partner_id=application.partner_id, email__iexact=application.email, is_active=False
    ).first()
    if user is None:
        return False
    transaction.on_commit(
        lambda: notifications.enqueue_account_link(
            "activation", user_id=user.pk, application_id=application.pk
        )
    )
    return True


# --- E-mails -----------------------------------------------------------------------------


def application_received_messages(*, application: PartnerApplication) -> list[dict]:
    """Tell the reviewers that an application waits for them."""
    context = {
        "application": application,
        "review_url": notifications.absolute_url(
            reverse("admin:portal_partnerapplication_change", args=[application.pk])
        ),
        "subject_params": {"company": application.company_name},
    }
    return notifications.render_for("application_received", context, notifications.reviewers())


def application_approved_messages(
    *, application: PartnerApplication, user: User, set_password_path: str
) -> list[dict]:
    recipient = notifications.Recipient(user.email, application.language, application.contact_name)
    context = {
        "application": application,
        "user": user,
        "set_password_url": notifications.absolute_url(set_password_path),
        "login_url": notifications.absolute_url(reverse("login")),
    }
    return [notifications.render_message("application_approved", context, recipient)]


def application_known_messages(
    *, application: PartnerApplication, owners: list[notifications.Recipient]
) -> list[dict]:
    """To the owners of an address or company that applied again: what exists, and how to
    get in (log in, reset the password). Nothing is said to the visitor."""
    context = {
        "application": application,
        "login_url": notifications.absolute_url(reverse("login")),
        "reset_url": notifications.absolute_url(reverse("password_reset")),
    }
    return notifications.render_for("application_known", context, owners)


def application_rejected_messages(*, application: PartnerApplication) -> list[dict]:
    recipient = notifications.Recipient(
        application.email, application.language, application.contact_name
    )
    context = {"application": application, "reason": application.rejection_reason}
    return [notifications.render_message("application_rejected", context, recipient)]
