"""Keyset (seek) pagination: a page starts after the last row of the previous one.

An OFFSET makes the database read and throw away every row before the page (page 500 of a
million deals read 12,500 rows); a keyset page reads its own 26 rows from an index that
holds the sort order, whatever the depth. The position travels in the URL as an opaque
cursor (`after=` / `before=`): the sort values of a row and its id.

A sort key with empty values (no Deal Reg Number yet) keeps them last in both directions
by reading the list in two parts, the rows with a value and then those without, each an
index walk: one index in ascending order serves both directions that way.
"""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, Model, Q, QuerySet, prefetch_related_objects
from django.db.models.constants import LOOKUP_SEP


@dataclass(frozen=True)
class SortKey:
    """The fields a column sorts by (the id breaks ties), in the direction of the index."""

    fields: tuple[str, ...]
    # The first field may be empty: its empty rows come last in both directions.
    nullable: bool = False
    # Whether the indexes hold the order descending with empty values last (the
    # submission order of migration 0006), rather than ascending.
    index_descending: bool = False

    def ordering(self, descending: bool, *, fields: Sequence[str] | None = None) -> list[Any]:
        """ORDER BY terms that an index walk serves, forwards or backwards."""
        names = [*(self.fields if fields is None else fields), "pk"]
        if self.index_descending:
            # Forwards: DESC NULLS LAST; backwards: ASC NULLS FIRST (the empties are
            # filtered out of the first part anyway).
            return [
                F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_first=True)
                for name in names
            ]
        return [F(name).desc() if descending else F(name).asc() for name in names]

    def full_ordering(self, descending: bool) -> list[Any]:
        """The whole list's order in one ORDER BY (the export), empty values last."""
        return [
            F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)
            for name in self.fields
        ] + ["-pk" if descending else "pk"]


def _field(model: type[Model], path: str):
    *relations, name = path.split(LOOKUP_SEP)
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    return model._meta.get_field(name)


def _value(row: Model, path: str) -> Any:
    return reduce(lambda obj, name: getattr(obj, name, None), path.split(LOOKUP_SEP), row)


def encode(key: SortKey, row: Model) -> str:
    values = [_value(row, path) for path in key.fields] + [row.pk]
    text = json.dumps([v if v is None or isinstance(v, int) else str(v) for v in values])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(key: SortKey, model: type[Model], cursor: str | None) -> list[Any] | None:
    """The values a cursor holds, typed; None for a missing or malformed one (a hand-edited
    URL starts from the first page, never a 500)."""
    if not cursor or len(cursor) > 1000:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        raw = json.loads(text)
        if not isinstance(raw, list) or len(raw) != len(key.fields) + 1:
            return None
        values = []
        for path, value in zip([*key.fields, "pk"], raw, strict=True):
            if value is None:
                if path != key.fields[0] or not key.nullable:
                    return None
                values.append(None)
                continue
            if not isinstance(value, str | int) or isinstance(value, bool):
                return None
            field = model._meta.pk if path == "pk" else _field(model, path)
            values.append(field.to_python(value))
        return values
    except (ValueError, TypeError, UnicodeError, binascii.Error, ValidationError):
        return None
    except FieldDoesNotExist:
        return None


def _beyond(fields: Sequence[str], values: Sequence[Any], descending: bool) -> Q:
    """Rows after (`fields`, pk) = `values` in the walking direction."""
    names = [*fields, "pk"]
    strict = "lt" if descending else "gt"
    branches = [
        Q(**dict(zip(names[:i], values[:i], strict=True)))
        & Q(**{f"{names[i]}__{strict}": values[i]})
        for i in range(len(names))
    ]
    # The leading bound on its own lets the database start the index walk there.
    bound = Q(**{f"{names[0]}__{'lte' if descending else 'gte'}": values[0]})
    return bound & reduce(or_, branches)


class KeysetPage:
    """One page of `queryset` sorted by `key`, after or before a cursor.

    The page reads one row more than it shows to know whether another page follows in
    that direction; `number` is only the page's place for display ("Page 3 of 40")."""

    def __init__(
        self,
        queryset: QuerySet,
        key: SortKey,
        *,
        descending: bool,
        per_page: int,
        after: str | None = None,
        before: str | None = None,
        number: Any = 1,
    ) -> None:
        self.key, self.per_page = key, per_page
        self._descending = descending
        # Related rows are fetched once for the page, not once per part: a page that
        # crosses from the rows with a value to those without costs one query more, not two.
        self._prefetch = queryset._prefetch_related_lookups
        queryset = queryset.prefetch_related(None)
        model = queryset.model
        backwards = decode(key, model, before) if before and not after else None
        forwards = decode(key, model, after) if after else None
        try:
            self.number = max(int(number), 1)
        except (TypeError, ValueError):
            self.number = 1
        if backwards is not None:
            rows = self._walk(queryset, backwards, descending=not descending)
            if len(rows) > per_page:
                self._set(list(reversed(rows[:per_page])), previous=True, following=True)
                self.number = max(self.number, 2)
                return
            # Back at the start: show the first page, full.
        elif forwards is not None:
            rows = self._walk(queryset, forwards, descending=descending)
            if rows:
                self._set(rows[:per_page], previous=True, following=len(rows) > per_page)
                self.number = max(self.number, 2)
                return
            # A cursor past the end (a stale link): the first page.
        rows = self._walk(queryset, None, descending=descending)
        self.number = 1
        self._set(rows[:per_page], previous=False, following=len(rows) > per_page)

    def _set(self, rows: list, *, previous: bool, following: bool) -> None:
        prefetch_related_objects(rows, *self._prefetch)
        self.object_list = rows
        self._has_previous, self._has_next = previous, following

    def _parts(self, queryset: QuerySet) -> list[tuple[QuerySet, tuple[str, ...]]]:
        """The list as (rows, the fields they sort by) in ascending order of the key."""
        if not self.key.nullable:
            return [(queryset, self.key.fields)]
        first = self.key.fields[0]
        return [
            (queryset.filter(**{f"{first}__isnull": False}), self.key.fields),
            (queryset.filter(**{f"{first}__isnull": True}), ()),
        ]

    def _walk(self, queryset: QuerySet, cursor: list[Any] | None, *, descending: bool) -> list:
        """Up to per_page + 1 rows from the cursor on, walking towards `descending`."""
        parts = self._parts(queryset)
        # Empty values come last in the user's direction: first when walking back.
        walking_back = descending != self._descending
        start = 0
        if cursor is not None and self.key.nullable and cursor[0] is None:
            start = 1
        indexes = range(start, -1, -1) if walking_back else range(start, len(parts))
        if cursor is None and walking_back:
            indexes = range(len(parts) - 1, -1, -1)
        rows: list = []
        for index in indexes:
            part, fields = parts[index]
            if cursor is not None and index == start:
                values = cursor[-1:] if not fields else cursor
                part = part.filter(_beyond(fields, values, descending))
            part = part.order_by(*self.key.ordering(descending, fields=fields))
            rows += list(part[: self.per_page + 1 - len(rows)])
            if len(rows) > self.per_page:
                break
        return rows

    @property
    def next_cursor(self) -> str:
        return encode(self.key, self.object_list[-1])

    @property
    def previous_cursor(self) -> str:
        return encode(self.key, self.object_list[0])

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self._has_previous

    def has_other_pages(self) -> bool:
        return self._has_next or self._has_previous

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return max(self.number - 1, 1)
