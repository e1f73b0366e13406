"""Indexes for the Opportunity Manager and the searches at a million deals.

The Opportunity Manager orders by `submitted_at DESC NULLS LAST, id DESC` (drafts,
which have no submission date, last; the id as tie-breaker). A B-tree index serves
that order only if it is declared in exactly that order, and SQLite cannot declare
NULLS LAST in an index (its DESC already puts NULLs last), so the indexes are written
per database here rather than as `Meta.indexes`. Trigram indexes (pg_trgm) exist on
PostgreSQL only; on SQLite the searches fall back to a plain scan.
"""

from django.db import migrations

# name -> columns; "{desc}" is the submission order of the Opportunity Manager.
BTREE_INDEXES = {
    # Each scope (partner, distributor, vendor), with or without a status, newest first:
    # page 1 reads 25 index entries, and the status facets are counted from the index.
    "deal_partner_submitted": '"partner_id", {desc}',
    "deal_partner_status_sub": '"partner_id", "status", {desc}',
    "deal_distr_submitted": '"distributor_id", {desc}',
    "deal_distr_status_sub": '"distributor_id", "status", {desc}',
    "deal_submitted": "{desc}",
    "deal_status_sub_desc": '"status", {desc}',
    # A search by customer name finds the customers first (trigram index), then their
    # deals within the user's scope from this index alone.
    "deal_customer_scope": '"customer_id", "partner_id", "distributor_id", "status"',
}
# Django writes `name__icontains` as UPPER("name"::text) LIKE UPPER(%s) on PostgreSQL.
TRIGRAM_INDEXES = {
    "customer_name_trgm": ("portal_customer", 'UPPER("name"::text)'),
    "deal_reg_number_trgm": ("portal_deal", 'UPPER("deal_reg_number"::text)'),
    # The Opportunity Manager's search box and the customer search-as-you-type OR these
    # with the customer's name; one branch without an index makes the whole OR a scan.
    "deal_opportunity_id_trgm": ("portal_deal", 'UPPER("opportunity_id"::text)'),
    "customer_website_trgm": ("portal_customer", 'UPPER("website"::text)'),
}


def create_indexes(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    desc = (
        '"submitted_at" DESC NULLS LAST, "id" DESC' if postgres else '"submitted_at" DESC, "id" DESC'
    )
    for name, columns in BTREE_INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "portal_deal" ({columns.format(desc=desc)})'
        )
    if postgres:
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, (table, expression) in TRIGRAM_INDEXES.items():
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
                f"USING gin (({expression}) gin_trgm_ops)"
            )


def drop_indexes(apps, schema_editor):
    names = list(BTREE_INDEXES)
    if schema_editor.connection.vendor == "postgresql":
        names += list(TRIGRAM_INDEXES)
    for name in names:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0005_accounts'),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
    ]
