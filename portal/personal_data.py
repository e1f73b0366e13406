"""Data-protection requests: everything stored about one person, and erasing it.

A person is a customer contact, a partner contact on a deal, or a portal user. Erasing
anonymises the person's own fields in place: the deals, their Deal Reg Numbers, lines,
history and comments stay, so every registration still reads correctly, now naming an
erased person. Both the export and the erasure are in the action log.
"""

from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

from portal.decisions import log_action
from portal.models import (
    ActionLogEntry,
    CustomerContact,
    Deal,
    DealComment,
    DealContact,
    DealHistory,
    ExtensionRequest,
    User,
)

ERASED_NAME = "Erased"


def _erased_email(kind: str, pk: int) -> str:
    # Unique per person (contacts are unique per customer and e-mail), and undeliverable.
    return f"erased-{kind}-{pk}@invalid.invalid"


def _deal_summary(deal: Deal) -> dict:
    return {
        "deal": deal.pk,
        "deal_reg_number": deal.deal_reg_number,
        "name": deal.name,
        "status": deal.status,
        "customer": deal.customer.name,
        "partner": deal.partner.name,
    }


def export(person: Model) -> dict:
    """Everything stored about `person`, as plain JSON-ready data."""
    if isinstance(person, CustomerContact):
        data = _customer_contact(person)
    elif isinstance(person, DealContact):
        data = _deal_contact(person)
    elif isinstance(person, User):
        data = _user(person)
    else:
        raise TypeError(f"not a person: {person!r}")
    return {"exported_at": timezone.now().isoformat(), **data}


def _customer_contact(contact: CustomerContact) -> dict:
    deals = Deal.objects.filter(customer_contact=contact).select_related("customer", "partner")
    return {
        "kind": "customer contact",
        "id": contact.pk,
        "customer": contact.customer.name,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "phone": contact.phone,
        "job_title": contact.job_title,
        "created_at": contact.created_at.isoformat(),
        "deals": [_deal_summary(d) for d in deals.order_by("pk")],
    }


def _deal_contact(contact: DealContact) -> dict:
    deal = Deal.objects.select_related("customer", "partner").get(pk=contact.deal_id)
    return {
        "kind": "partner contact",
        "id": contact.pk,
        "role": contact.role,
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "account": contact.user_id,
        "deal": _deal_summary(deal),
    }


def _user(user: User) -> dict:
    registered = Deal.objects.filter(registered_by=user).select_related("customer", "partner")
    return {
        "kind": "user",
        "id": user.pk,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone": user.phone,
        "language": user.language,
        "organisation": str(user.organisation) if user.organisation else None,
        "is_active": user.is_active,
        "date_joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
        "deals_registered": [_deal_summary(d) for d in registered.order_by("pk")],
        "partner_contact_on": list(
            DealContact.objects.filter(user=user).values_list("deal_id", flat=True)
        ),
        "comments": [
            {
                "deal": c.deal_id,
                "at": c.created_at.isoformat(),
                "internal": c.is_internal,
                "body": c.body,
            }
            for c in DealComment.objects.filter(author=user).order_by("pk")
        ],
        "extension_requests": list(
            ExtensionRequest.objects.filter(requested_by=user).values_list("pk", flat=True)
        ),
        "status_changes": DealHistory.objects.filter(by=user).count(),
        "decisions_logged": ActionLogEntry.objects.filter(actor=user).count(),
        "login_log": _login_log(user),
    }


def _login_log(user: User) -> list[dict]:
    from axes.models import AccessLog

    return [
        {"at": at.isoformat(), "ip_address": ip}
        for at, ip in AccessLog.objects.filter(username=user.username).values_list(
            "attempt_time", "ip_address"
        )
    ]


@transaction.atomic
def erase(person: Model, *, by: User) -> Model:
    """Anonymise `person` in place; what they took part in stays, now naming nobody."""
    if isinstance(person, CustomerContact):
        person.first_name, person.last_name = ERASED_NAME, f"#{person.pk}"
        person.email = _erased_email("contact", person.pk)
        person.phone = person.job_title = ""
        person.save(update_fields=["first_name", "last_name", "email", "phone", "job_title"])
    elif isinstance(person, DealContact):
        _erase_deal_contact(person)
    elif isinstance(person, User):
        _erase_user(person)
    else:
        raise TypeError(f"not a person: {person!r}")
    log_action(person, "personal_data.erased", by=by)
    return person


def _erase_deal_contact(contact: DealContact) -> None:
    contact.name = f"{ERASED_NAME} #{contact.pk}"
    contact.email = _erased_email("partner-contact", contact.pk)
    contact.phone = ""
    contact.save(update_fields=["name", "email", "phone"])


def _erase_user(user: User) -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username=user.username).delete()
    for contact in DealContact.objects.filter(Q(user=user) | Q(email__iexact=user.email or "-")):
        _erase_deal_contact(contact)
    user.username = f"erased-user-{user.pk}"
    user.first_name, user.last_name = ERASED_NAME, f"#{user.pk}"
    user.email = user.phone = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()


def log_export(person: Model, *, by: User) -> None:
    log_action(person, "personal_data.exported", by=by)
