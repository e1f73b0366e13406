"""The filter choices that are the same for everyone (distributors and product families),
kept in the configured cache: every page of the Opportunity Manager shows them, and they
change a few times a year.

Forgotten when a distributor or a family is saved or deleted, then again once that commits
(a page that read the old rows in between does not keep them), and kept `TTL` seconds at
most whatever happens (a bulk update sends no signal).
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models import Value

from portal.models import Distributor, ProductFamily

KEY = "portal:shared-filter-choices:v1"
TTL = 300
KINDS = ("distributors", "families")


def shared_choices() -> dict[str, list[tuple[int, str]]]:
    """{"distributors": [(pk, name), ...], "families": [...]}, each sorted by name."""
    found = cache.get(KEY)
    if found is None:
        found = {kind: [] for kind in KINDS}
        # One query for both lists.
        rows = Distributor.objects.values_list(Value("distributors"), "pk", "name").order_by()
        rows = rows.union(
            ProductFamily.objects.values_list(Value("families"), "pk", "name").order_by(),
            all=True,
        )
        for kind, pk, name in sorted(rows, key=lambda row: (row[2].casefold(), row[1])):
            found[kind].append((pk, name))
        cache.set(KEY, found, TTL)
    return found


def forget(*, using: str | None = None, **kwargs) -> None:
    """Receiver of post_save / post_delete of Distributor and ProductFamily."""
    cache.delete(KEY)
    transaction.on_commit(lambda: cache.delete(KEY), using=using)
