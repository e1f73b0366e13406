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

from django.db.models import Q, QuerySet

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
    queryset: QuerySet, query: str, *, partial_tax_id: bool = False
) -> QuerySet | None:
    """The customers of `queryset` that `query` finds, or None if it holds no word.

    `partial_tax_id` also finds the tax IDs that start with a typed number; only for a
    user's own deals, never for the shared directory (which is found, not listed).
    """
    folded = words(query)
    if not folded:
        return None
    condition = Q()
    for word in folded:
        condition &= Q(search_text__contains=word)
    if (number := tax_ids.lookup(query, partial=partial_tax_id)) is not None:
        condition |= number
    return queryset.filter(condition)
