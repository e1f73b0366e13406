"""Pagination whose count does not grow with the table.

An exact COUNT(*) over a million visible deals costs more than the whole rest of
a list page (about 50 ms on PostgreSQL for the vendor's unfiltered list, see
docs/benchmarks.md). Nobody pages through ten thousand deals; they filter. So
the count stops at `count_cap`: `SELECT COUNT(*) FROM (... LIMIT cap + 1)`,
which reads at most cap + 1 index entries whatever the data size, and the page
says "10,000+" when `count_is_capped`.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedCountPaginator(Paginator):
    """A Paginator whose `count` is exact up to `count_cap` and capped beyond it."""

    count_cap = 10_000

    def __init__(self, *args, count_cap: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if count_cap is not None:
            self.count_cap = count_cap
        self.count_is_capped = False

    @cached_property
    def count(self) -> int:
        """The number of objects, or `count_cap` when there are more."""
        counted = self.object_list[: self.count_cap + 1].count()
        self.count_is_capped = counted > self.count_cap
        return min(counted, self.count_cap)
