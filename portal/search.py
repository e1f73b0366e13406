"""Finding customers as people type them: accents, case and word order do not matter.

Every word of the query must appear somewhere in the customer's name, city or website
("hotel pod roza" finds "Hotel Pod Różą" in Kraków, "baltyk slupsk" the wind farm in
Słupsk); a tax ID is found in any spelling (`portal.tax_ids.lookup`). The wizard's
search, the Opportunity Manager and the admin searches all ask `matching_customers`.

PostgreSQL folds in the database: `dealreg_fold`, an IMMUTABLE wrapper around the
`unaccent` extension (migration 0015), and a trigram index on the folded text, so a
row written by any path is found. SQLite has neither, so it reads `Customer.search_text`,
the same text folded in Python and stored when the row is saved.
"""

import unicodedata

from django.db.models import F, Func, Q, QuerySet, TextField

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


class CustomerText(Func):
    """A customer's folded name, city and website, as each database can search it."""

    function = "dealreg_fold"
    arg_joiner = " || ' ' || "
    output_field = TextField()

    def __init__(self) -> None:
        super().__init__(F("name"), F("city"), F("website"), F("search_text"))

    def as_postgresql(self, compiler, connection, **extra):
        # The same expression as the index's (migration 0015), or the index is not used.
        clone = self.copy()
        clone.set_source_expressions(self.get_source_expressions()[:3])
        return super(CustomerText, clone).as_sql(compiler, connection, **extra)

    def as_sql(self, compiler, connection, **extra):
        return compiler.compile(self.get_source_expressions()[3])


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
        condition &= Q(search_text_folded__contains=word)
    if (number := tax_ids.lookup(query, partial=partial_tax_id)) is not None:
        condition |= number
    return queryset.alias(search_text_folded=CustomerText()).filter(condition)
