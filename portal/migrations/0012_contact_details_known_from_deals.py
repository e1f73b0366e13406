# A data migration of its own: the through table's unique index exists by now, so the
# pairs are inserted once each even where the same contact is on many of a partner's deals.

from django.db import migrations


def known_from_deals(apps, schema_editor):
    # Until now every partner that had a contact on a deal saw its details: they keep them.
    Deal = apps.get_model("portal", "Deal")
    Through = apps.get_model("portal", "CustomerContact").known_to.through
    pairs = (
        Deal.objects.order_by()  # no ordering column in the DISTINCT
        .values_list("customer_contact_id", "partner_id")
        .distinct()
        .iterator()
    )
    batch = []
    for contact_id, partner_id in pairs:
        batch.append(Through(customercontact_id=contact_id, partner_id=partner_id))
        if len(batch) == 5000:
            Through.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Through.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0011_contact_details_known_to"),
    ]

    operations = [
        migrations.RunPython(known_from_deals, migrations.RunPython.noop),
    ]
