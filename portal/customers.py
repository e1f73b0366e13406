"""The shared customer directory's own decisions: merging a duplicate into the customer that
stays."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.decisions import log_action
from portal.models import Customer, CustomerContact, Deal, User
from portal.registration import same_contact


@transaction.atomic
def merge(*, survivor: Customer, duplicate: Customer, by: User) -> Customer:
    """Move the duplicate's deals and contacts to `survivor`, then delete the duplicate.

    A contact whose e-mail the survivor already has becomes that contact (its deals and the
    partners that may read its details move along); every other contact moves as it is. The
    survivor keeps its name and tax ID, so one company stays one customer. The action log
    records what was merged.
    """
    if survivor.pk == duplicate.pk:
        raise ValidationError(_("Choose two different customers to merge."))
    survivor = Customer.objects.select_for_update().get(pk=survivor.pk)
    duplicate = Customer.objects.select_for_update().get(pk=duplicate.pk)
    moved_contacts = joined_contacts = 0
    for contact in CustomerContact.objects.filter(customer=duplicate).prefetch_related("known_to"):
        existing = same_contact(customer_id=survivor.pk, email=contact.email)
        if existing is None:
            contact.customer = survivor
            contact.save(update_fields=["customer"])
            moved_contacts += 1
            continue
        existing.known_to.add(*contact.known_to.all())
        Deal.objects.filter(customer_contact=contact).update(customer_contact=existing)
        contact.delete()
        joined_contacts += 1
    deals = Deal.objects.filter(customer=duplicate).update(customer=survivor)
    log_action(
        survivor,
        "customer.merged",
        by=by,
        data={
            "duplicate": duplicate.pk,
            "duplicate_name": duplicate.name,
            "duplicate_tax_id": duplicate.tax_id,
            "deals": deals,
            "contacts_moved": moved_contacts,
            "contacts_joined": joined_contacts,
        },
    )
    duplicate.delete()
    return survivor
