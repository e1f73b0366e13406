from django.db import migrations


def count(apps, schema_editor):
    """The dashboards' tallies of the deals already registered (`portal.tallies`)."""
    from portal import tallies

    Deal = apps.get_model("portal", "Deal")
    fields = tallies.FIELDS
    deals = Deal.objects.exclude(status="draft").only(*fields).iterator(10000)
    tallies.rebuild(deals)


class Migration(migrations.Migration):
    dependencies = [("portal", "0024_programme")]
    operations = [migrations.RunPython(count, migrations.RunPython.noop)]
