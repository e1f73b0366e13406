"""A deal's project name (issue 14): required from now on; the deals registered before it
are named after their customer, which is what the pages showed as their title."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Substr


def name_existing_deals(apps, schema_editor):
    Deal = apps.get_model("portal", "Deal")
    Customer = apps.get_model("portal", "Customer")
    customer_name = Customer.objects.filter(pk=OuterRef("customer_id")).values("name")[:1]
    Deal.objects.filter(name="").update(name=Substr(Subquery(customer_name), 1, 120))


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0019_sort_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="deal",
            name="name",
            field=models.CharField(default="", max_length=120, verbose_name="project name"),
            preserve_default=False,
        ),
        migrations.RunPython(name_existing_deals, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="deal",
            constraint=models.CheckConstraint(
                condition=models.Q(("name", ""), _negated=True), name="deal_name_not_empty"
            ),
        ),
    ]
