"""Deal Reg Numbers: DR-<year>-<6 digits>, issued per year in approval order, never reused."""

import re

from portal.models import DealRegSequence

# A number as people write it: any case, with or without separators (spaces, hyphens,
# en or em dashes, minus signs, underscores).
_SEPARATORS = r"[\s\-_\u2010-\u2015\u2212]*"
_AS_TYPED = re.compile(rf"DR{_SEPARATORS}(\d{{4}}){_SEPARATORS}(\d{{6}})", re.IGNORECASE)


def parse_deal_reg_number(raw: str | None) -> str:
    """'DR2026000016', 'dr 2026 000016', 'DR–2026–000016' → 'DR-2026-000016'; '' for
    anything that is not a whole Deal Reg Number (which then matches no deal)."""
    match = _AS_TYPED.fullmatch((raw or "")[:60].strip())
    if match is None:
        return ""
    year, sequence = match.groups()
    return format_deal_reg_number(int(year), int(sequence))


def next_deal_reg_number(year: int) -> str:
    """The next Deal Reg Number of `year`, inside the approving transaction."""
    # The row lock makes concurrent approvals wait for each other; the increment
    # commits or rolls back with the approval, so numbers never repeat or skip.
    DealRegSequence.objects.bulk_create(
        [DealRegSequence(year=year, last_value=0)], ignore_conflicts=True
    )
    sequence = DealRegSequence.objects.select_for_update().get(year=year)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return format_deal_reg_number(year, sequence.last_value)


def format_deal_reg_number(year: int, sequence: int) -> str:
    """The Deal Reg Number of the `sequence`-th approval of `year`: DR-2026-000042."""
    return f"DR-{year}-{sequence:06d}"
