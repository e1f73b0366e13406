"""Finding customers as people type them: accents, case and word order do not matter.

Every word of the query must appear somewhere in the customer's name, city or website
("hotel pod roza" finds "Hotel Pod Różą" in Kraków, "baltyk slupsk" the wind farm in
Słupsk); a tax ID is found in any spelling (`portal.tax_ids.lookup`). The wizard's
search, the Opportunity Manager and the admin searches all ask `matching_customers`.

Both databases match the words against `Customer.search_text`, the folded name, city
and website. PostgreSQL writes it itself (a trigger over `unaccent`, migration 0015), so
a row written by any path is found, and searches it through a trigram index; SQLite,
which has no unaccent, gets it from `Customer.save`, folded here in Python.
"""

import unicodedata

from django.db import connections
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from portal import tax_ids

# What NFKD does not take apart: the letters that are letters of their own.
LETTERS = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "æ": "ae", "œ": "oe", "þ": "th", "ı": "i"})
MAX_WORDS = 8


def fold(text: str) -> str:
    """'Różą BAŁTYK Straße' -> 'roza baltyk strasse': lower case, no accents."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(LETTERS)


def searchable(name: str, city: str, website: str) -> str:
    """The folded text a customer is found by (what `Customer.search_text` stores)."""
    return fold(f"{name} {city} {website}")


def words(query: str) -> list[str]:
    """The folded words of `query`, a website typed whole reduced to its host."""
    found = []
    for word in fold(query).split()[:MAX_WORDS]:
        word = word.removeprefix("https://").removeprefix("http://").removeprefix("www.")
        word = word.rstrip("/")
        if word and word not in found:
            found.append(word)
    return found


def matching_customers(
    queryset: QuerySet, query: str, *, partial_tax_id: bool = False, enough: int | None = None
) -> QuerySet | None:
    """The customers of `queryset` that `query` finds, or None if it holds no word.

    `partial_tax_id` also finds the tax IDs that start with a typed number; only for a
    user's own deals, never for the shared directory (which is found, not listed).
    `enough`: the caller shows only some of the matches (the typeahead's candidates), so
    SQLite's index may stop after that many; every match otherwise (a user's deals).
    """
    folded = words(query)
    if not folded:
        return None
    condition = Q()
    indexed = [word for word in folded if len(word) >= 3 and not LIKE_SPECIAL & set(word)]
    if indexed and sqlite_index(connections[queryset.db]):
        # `enough` when the caller shows a few of many: the index may stop after that many.
        complete = len(indexed) == len(folded)
        limit = enough if complete else None
        # The SQL is constants and placeholders only; the words travel as parameters.
        condition &= Q(pk__in=RawSQL(*_sqlite_index_query(indexed, limit)))  # noqa: S611
        folded = [word for word in folded if word not in indexed]
    for word in folded:
        condition &= Q(search_text__contains=word)
    if (number := tax_ids.lookup(query, partial=partial_tax_id)) is not None:
        condition |= number
    return queryset.filter(condition)


# SQLite's trigram index over `search_text` (an FTS5 table kept in step by triggers,
# migration 0018): a word of three letters or more is found through it, not by reading
# every customer. Absent where SQLite has no FTS5 trigram tokenizer (before 3.34). A LIKE
# with ESCAPE is not served by the index, so words holding a wildcard are matched plainly.
SQLITE_INDEX = "portal_customer_search"
LIKE_SPECIAL = set("%_\\")


def sqlite_index(connection) -> bool:
    if connection.vendor != "sqlite":
        return False
    if not hasattr(connection, "_customer_search_index"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [SQLITE_INDEX])
            connection._customer_search_index = cursor.fetchone() is not None
    return connection._customer_search_index


def _sqlite_index_query(words: list[str], limit: int | None) -> tuple[str, list]:
    like = " AND ".join(["search_text LIKE %s"] * len(words))
    params: list = [f"%{word}%" for word in words]
    sql = f"SELECT rowid FROM {SQLITE_INDEX} WHERE {like}"  # noqa: S608 - placeholders only
    if limit is None:
        return sql, params
    return f"{sql} LIMIT %s", [*params, limit]
