"""The customer search ignores accents, case and word order (`portal.search`).

PostgreSQL: the `unaccent` extension, `dealreg_fold(text)` (lower-cased, unaccented; an
IMMUTABLE wrapper, which `unaccent` itself is not, so that an index may use it) and one
trigram index over the folded name, city and website, exactly as `search.CustomerText`
writes it. The two trigram indexes on the bare name and website served the searches
this replaces and go.

SQLite: `search_text`, the same text folded in Python, filled here for existing rows and
kept in step by `Customer.save`.
"""

from django.db import migrations, models

from portal.search import searchable

INDEX = "customer_search_trgm"
OLD_INDEXES = {
    "customer_name_trgm": 'UPPER("name"::text)',
    "customer_website_trgm": 'UPPER("website"::text)',
}


def fill_search_text(apps, schema_editor):
    Customer = apps.get_model("portal", "Customer")
    batch = []
    for customer in Customer.objects.only("name", "city", "website").iterator(chunk_size=5000):
        customer.search_text = searchable(customer.name, customer.city, customer.website)
        batch.append(customer)
        if len(batch) == 5000:
            Customer.objects.bulk_update(batch, ["search_text"])
            batch = []
    Customer.objects.bulk_update(batch, ["search_text"])


def create_folding(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'unaccent'"
        )
        schema = cursor.fetchone()[0]
    # Schema-qualified, so the function folds the same whatever the caller's search_path.
    execute(
        "CREATE OR REPLACE FUNCTION dealreg_fold(text) RETURNS text"
        " LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS"
        f" $$ SELECT lower({schema}.unaccent('{schema}.unaccent'::regdictionary, $1)) $$"
    )
    execute(
        f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "portal_customer" USING gin '
        "((dealreg_fold(name || ' ' || city || ' ' || website)) gin_trgm_ops)"
    )
    for name in OLD_INDEXES:
        execute(f'DROP INDEX IF EXISTS "{name}"')


def drop_folding(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')
    schema_editor.execute("DROP FUNCTION IF EXISTS dealreg_fold(text)")
    for name, expression in OLD_INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "portal_customer" '
            f"USING gin (({expression}) gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0014_normalise_tax_ids"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                fields=["tax_id_normalized"],
                name="customer_tax_id_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        migrations.RunPython(create_folding, drop_folding),
    ]
