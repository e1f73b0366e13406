"""Normalise every stored tax ID by its country's rule (`portal.tax_ids`).

A valid number is rewritten as the portal writes it (an EU VAT number with its prefix)
and keyed on its compact form; a number its country's rule refuses keeps what was typed
and is reported, as is one whose new key another row already holds (two rows for one
company: merge them in the admin). Nothing is deleted.
"""

from django.db import IntegrityError, migrations, transaction

from portal import tax_ids

SHOWN = 20


def normalise(apps, schema_editor):
    Customer = apps.get_model("portal", "Customer")
    PartnerApplication = apps.get_model("portal", "PartnerApplication")
    refused, collided = [], []
    for customer in Customer.objects.order_by("pk").iterator(chunk_size=2000):
        country = (customer.country or "").upper()
        try:
            number = tax_ids.parse(customer.tax_id, country)
        except Exception as error:  # a ValidationError: the row stays as typed
            refused.append(f"#{customer.pk} {customer.name} {customer.tax_id!r} ({error.messages[0]})")
            display, compact = customer.tax_id, tax_ids.compact(customer.tax_id, country)
        else:
            display, compact = number.display, number.compact
        if (display, compact, country) == (customer.tax_id, customer.tax_id_normalized, customer.country):
            continue
        try:
            with transaction.atomic():
                Customer.objects.filter(pk=customer.pk).update(
                    tax_id=display, tax_id_normalized=compact, country=country
                )
        except IntegrityError:
            collided.append(f"#{customer.pk} {customer.name} {customer.tax_id!r}")
    for application in PartnerApplication.objects.order_by("pk").iterator(chunk_size=2000):
        country = (application.country or "").upper()
        compact = tax_ids.compact(application.tax_id, country)
        if (compact, country) != (application.tax_id_normalized, application.country):
            try:
                with transaction.atomic():
                    PartnerApplication.objects.filter(pk=application.pk).update(
                        tax_id_normalized=compact, country=country
                    )
            except IntegrityError:
                collided.append(f"application #{application.pk} {application.company_name}")
    _report("tax IDs its country's rule refuses (kept as typed)", refused)
    _report("tax IDs left as they were: another row holds the same number", collided)


def _report(title, rows):
    if not rows:
        return
    print(f"\n  {len(rows)} {title}:")
    for row in rows[:SHOWN]:
        print(f"    {row}")
    if len(rows) > SHOWN:
        print(f"    … and {len(rows) - SHOWN} more")


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0013_tax_id_per_country"),
    ]

    operations = [
        migrations.RunPython(normalise, migrations.RunPython.noop),
    ]
