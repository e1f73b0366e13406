"""Who receives which e-mail, rendered in each recipient's language.

Each e-mail is `templates/email/<name>.txt` plus `.html`, with its subject
here. Messages are rendered now and sent by `portal.tasks.send_emails`,
after the transaction that caused them has committed.
"""

import contextlib
import contextvars
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from portal import access
from portal.models import Deal, DealComment, PartnerApplication, User

logger = logging.getLogger(__name__)

SUBJECTS = {
    "deal_submitted": _("New deal registration to review: %(name)s (%(customer)s)"),
    "deal_approved": _("Deal registration approved: %(number)s"),
    "deal_rejected": _("Deal registration rejected: %(name)s (%(customer)s)"),
    "deal_expiring": _("Deal registration %(number)s expires on %(date)s"),
    "deal_expired": _("Deal registration %(number)s has expired"),
    "application_received": _("New application for partner access: %(company)s"),
    "application_approved": _("Your partner access is approved: set your password"),
    "application_rejected": _("Your application for partner access"),
    "application_known": _("Someone asked for partner access with your details"),
    "password_reset": _("Reset your Partner Portal password"),
    "deal_comment": _("New comment on deal %(deal)s (%(customer)s)"),
    "deal_extended": _("Deal registration %(number)s extended until %(date)s"),
    "export_ready": _("Your Opportunity Manager export is ready"),
    "deal_action_required": _("Action Required on your deal registration: %(name)s"),
    "deal_resubmitted": _("Deal registration resubmitted: %(name)s (%(customer)s)"),
    "deal_lapsed": _("Deal registration withdrawn without an answer: %(name)s"),
    "webhook_disabled": _("Webhook switched off: %(url)s"),
}


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str
    name: str = ""


def absolute_url(path: str) -> str:
    return settings.SITE_URL + path


def deal_url(deal: Deal) -> str:
    """The deal's page in the portal, as an absolute link."""
    try:
        path = reverse("portal:deal_detail", args=[deal.pk])
    except NoReverseMatch:  # the Opportunity Manager's detail page is another feature's
        path = f"/sales-zone/opportunity-manager/{deal.pk}/"
    return absolute_url(path)


def deal_admin_url(deal: Deal) -> str:
    """Where a reviewer decides the deal."""
    return absolute_url(reverse("admin:portal_deal_change", args=[deal.pk]))


def _recipient(user: User) -> Recipient:
    return Recipient(user.email, user.language, user.get_full_name() or user.username)


def _unique(recipients: Iterable[Recipient]) -> list[Recipient]:
    seen: set[str] = set()
    unique = []
    for recipient in recipients:
        key = recipient.email.strip().lower()
        if key and key not in seen:
            seen.add(key)
            unique.append(recipient)
    return unique


def reviewers() -> list[Recipient]:
    """The vendor reviewers (`access.reviewers`) with an e-mail address."""
    return [_recipient(u) for u in access.reviewers().exclude(email="")]


def _registering_user(deal: Deal) -> list[Recipient]:
    user = deal.registered_by
    return [_recipient(user)] if user.is_active and user.email else []


def _partner_contacts(deal: Deal) -> list[Recipient]:
    # A contact without an account reads the registering colleague's language.
    return [
        Recipient(
            c.email,
            c.user.language if c.user else deal.registered_by.language,
            c.name,
        )
        for c in deal.contacts.all()
        if c.email
    ]


def _distributor_users(deal: Deal) -> list[Recipient]:
    users = deal.distributor.users.filter(is_active=True).exclude(email="").order_by("pk")
    return [_recipient(u) for u in users]


def render_message(name: str, context: dict, recipient: Recipient) -> dict:
    """One e-mail as plain data for the task, in the recipient's language."""
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        context = {
            **context,
            "recipient": recipient,
            "site_url": settings.SITE_URL,
            "link_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        }
        subject_params = context.get("subject_params", {})
        return {
            "to": [recipient.email],
            "subject": str(SUBJECTS[name]) % subject_params,
            "text": render_to_string(f"email/{name}.txt", context),
            "html": render_to_string(f"email/{name}.html", context),
        }


def render_for(name: str, context: dict, recipients: Iterable[Recipient]) -> list[dict]:
    return [render_message(name, context, r) for r in _unique(recipients)]


_muted = contextvars.ContextVar("notifications_muted", default=False)


@contextlib.contextmanager
def muted() -> Iterator[None]:
    """Queue no e-mail inside this block, e.g. while `seed_demo` builds demo deals.

    Wrap the whole transaction: the e-mails are queued when it commits. Works
    with every e-mail and task backend, because nothing reaches the task.
    """
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def enqueue(messages: list[dict]) -> None:
    """Hand the messages to the background task; a failure to queue is logged, never raised."""
    if not messages:
        return
    if _muted.get():
        logger.debug("Not sending %d e-mail(s): notifications are muted", len(messages))
        return
    from portal.tasks import send_emails

    try:
        send_emails.enqueue(messages=messages)
    except Exception:
        logger.exception("Could not queue %d e-mail(s)", len(messages))


def send_after_commit(messages: list[dict]) -> None:
    transaction.on_commit(lambda: enqueue(messages))


def enqueue_account_link(kind: str, *, user_id: int, application_id: int | None = None) -> None:
    """Queue a set-password ("activation") or "password_reset" e-mail by ids only: the
    link opens the account, so the task makes it and the queue never stores it."""
    if _muted.get():
        return
    from portal.tasks import send_account_link

    try:
        send_account_link.enqueue(kind=kind, user_id=user_id, application_id=application_id)
    except Exception:
        logger.exception("Could not queue the %s e-mail of user %s", kind, user_id)


def account_link_messages(
    *, kind: str, user_id: int, application_id: int | None = None
) -> list[dict]:
    """The e-mail behind `enqueue_account_link`, with a link made now."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from portal.account_tokens import set_password_path

    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.email:
        return []
    if kind == "activation":
        application = PartnerApplication.objects.filter(pk=application_id).first()
        if application is None:
            return []
        from portal.applications import application_approved_messages

        return application_approved_messages(
            application=application, user=user, set_password_path=set_password_path(user)
        )
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse(
        "password_reset_confirm",
        kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)},
    )
    recipient = Recipient(user.email, user.language, user.get_full_name())
    return [
        render_message("password_reset", {"user": user, "reset_url": absolute_url(path)}, recipient)
    ]


# --- Deals -------------------------------------------------------------------------


def _deal_for_mail(deal: Deal) -> Deal:
    return (
        Deal.objects.select_related("partner", "registered_by", "distributor", "customer")
        .prefetch_related("lines__product", "contacts__user")
        .get(pk=deal.pk)
    )


def _deal_context(deal: Deal, **extra) -> dict:
    return {
        "deal": deal,
        "deal_url": deal_url(deal),
        "subject_params": {
            "customer": deal.customer.name,
            "name": deal.name,
            "number": deal.deal_reg_number or "",
            "date": "",
        },
        **extra,
    }


def deal_status_messages(
    *, deal: Deal, to_status: str, note: str = "", from_status: str = "", by=None
) -> list[dict]:
    """The e-mails a status change sends, one per recipient."""
    Status = Deal.Status
    waited = from_status == Status.ACTION_REQUIRED
    # Withdrawn by the portal (a request left unanswered); a partner's own withdrawal
    # tells nobody.
    lapsed = waited and to_status == Status.WITHDRAWN and by is None
    mailed = (Status.SUBMITTED, Status.APPROVED, Status.REJECTED, Status.EXPIRED)
    if to_status not in (*mailed, Status.ACTION_REQUIRED) and not lapsed:
        return []
    deal = _deal_for_mail(deal)
    if to_status == Status.SUBMITTED:
        context = _deal_context(deal, review_url=deal_admin_url(deal), answer=note)
        return render_for("deal_resubmitted" if waited else "deal_submitted", context, reviewers())
    if to_status == Status.ACTION_REQUIRED:
        request = deal.action_requests.prefetch_related("reasons").last()
        context = _deal_context(deal, request=request, reasons=list(request.reasons.all()))
        return render_for(
            "deal_action_required", context, _registering_user(deal) + _partner_contacts(deal)
        )
    if to_status == Status.WITHDRAWN:
        return render_for("deal_lapsed", _deal_context(deal, note=note), _registering_user(deal))
    if to_status == Status.APPROVED:
        recipients = _registering_user(deal) + _partner_contacts(deal) + _distributor_users(deal)
        return render_for("deal_approved", _deal_context(deal, note=note), recipients)
    if to_status == Status.REJECTED:
        recipients = _registering_user(deal) + _partner_contacts(deal)
        context = _deal_context(
            deal, reason=deal.rejection_reason or note, reason_code=deal.rejection_reason_code
        )
        return render_for("deal_rejected", context, recipients)
    return render_for("deal_expired", _deal_context(deal), _registering_user(deal))


def on_status_changed(sender, *, deal: Deal, to_status: str, note: str = "", **kwargs) -> None:
    """`workflow.status_changed` receiver (after commit): queue the e-mails.

    Nothing here may undo or fail the status change, so any error is logged.
    """
    try:
        messages = deal_status_messages(
            deal=deal,
            to_status=to_status,
            note=note,
            from_status=kwargs.get("from_status", ""),
            by=kwargs.get("by"),
        )
        enqueue(messages)
    except Exception:
        logger.exception("Could not prepare the e-mails for deal %s -> %s", deal.pk, to_status)


def _validity_end_messages(name: str, deal: Deal) -> list[dict]:
    """`name` to the registering user, the subject's date in the recipient's own format."""
    messages = []
    for recipient in _registering_user(deal):
        with translation.override(recipient.language):
            context = _deal_context(deal)
            context["subject_params"]["date"] = date_format(deal.validity_end, "DATE_FORMAT")
            messages.append(render_message(name, context, recipient))
    return messages


def expiry_reminder_messages(*, deal: Deal) -> list[dict]:
    """The "expires soon" reminder to the user who registered the deal."""
    return _validity_end_messages("deal_expiring", _deal_for_mail(deal))


def validity_extended_messages(*, deal: Deal) -> list[dict]:
    """Tell the user who registered the deal its new validity end."""
    return _validity_end_messages("deal_extended", _deal_for_mail(deal))


def on_validity_extended(sender, *, deal: Deal, **kwargs) -> None:
    """`workflow.validity_extended` receiver (after commit): queue the e-mail; errors are logged."""
    try:
        enqueue(validity_extended_messages(deal=deal))
    except Exception:
        logger.exception("Could not prepare the extension e-mail for deal %s", deal.pk)


# --- Comments ------------------------------------------------------------------------


def _written_by_reviewer(comment: DealComment) -> bool:
    return comment.author is not None and access.is_reviewer(comment.author)


def comment_recipients(comment: DealComment, deal: Deal) -> list[Recipient]:
    """The other side of a partner-visible comment; internal notes reach nobody.

    A reviewer's comment goes to the deal's registering user and partner contacts,
    a partner's comment to the vendor reviewers. The author never mails themself.
    """
    if comment.is_internal:
        return []
    author = comment.author
    if _written_by_reviewer(comment):
        candidates = _registering_user(deal) + _partner_contacts(deal)
    else:
        candidates = reviewers()
    author_email = (author.email if author else "").strip().lower()
    return [r for r in _unique(candidates) if r.email.strip().lower() != author_email]


def comment_messages(*, comment: DealComment) -> list[dict]:
    """One e-mail per recipient of a new partner-visible comment, in their language."""
    deal = _deal_for_mail(comment.deal)
    recipients = comment_recipients(comment, deal)
    if not recipients:
        return []
    author = comment.author
    context = _deal_context(
        deal,
        comment=comment,
        author_name=(author.get_full_name() or author.username) if author else "",
        # Reviewers answer from the admin; the partner side reads the deal page.
        comment_url=deal_url(deal) if _written_by_reviewer(comment) else deal_admin_url(deal),
    )
    messages = []
    for recipient in recipients:
        with translation.override(recipient.language or settings.LANGUAGE_CODE):
            context["subject_params"]["deal"] = str(deal)  # its number and name
            messages.append(render_message("deal_comment", context, recipient))
    return messages


def on_comment_added(comment: DealComment) -> None:
    """Run after the comment's transaction commits: queue the e-mails; errors are logged."""
    try:
        enqueue(comment_messages(comment=comment))
    except Exception:
        logger.exception("Could not prepare the e-mails for comment %s", comment.pk)


def webhook_disabled(endpoint) -> None:
    """Tell whoever made an endpoint that it was switched off after failing again and again
    (called from the webhook task, outside any transaction)."""
    user = endpoint.created_by
    if user is None or not user.email or not user.is_active:
        return
    context = {
        "endpoint": endpoint,
        "failures": endpoint.failures,
        "profile_url": absolute_url(reverse("portal:profile")),
        "subject_params": {"url": endpoint.url},
    }
    enqueue(render_for("webhook_disabled", context, [_recipient(user)]))
