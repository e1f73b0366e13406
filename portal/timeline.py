"""A deal's timeline: its history, the comments the reader may see and the files attached,
merged by time (the deal page's "History and comments")."""

import datetime
from dataclasses import dataclass

from portal import access
from portal.models import ActionRequest, Deal, DealAttachment, DealComment, DealHistory, User
from portal.selectors import comments_visible_to

# The vendor's own steps (where a rule routed the deal, who gave the first of two approvals):
# reviewers see them, partners and distributors the decision only.
VENDOR_STEPS = {DealHistory.Kind.ROUTED, DealHistory.Kind.FIRST_APPROVAL}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    kind: str  # a DealHistory.Kind, "comment" or "attachment"
    by: User | None
    text: str
    history: DealHistory | None = None
    comment: DealComment | None = None
    attachment: DealAttachment | None = None
    action_request: ActionRequest | None = None  # a return to the partner: what was asked

    @property
    def is_internal(self) -> bool:
        return bool(self.comment and self.comment.is_internal)


def deal_timeline(*, user: User, deal: Deal) -> list[TimelineEntry]:
    """The deal's history, the comments `user` may read and (on the deal page) the files
    attached, merged by time.

    No query for a deal from `get_deal_page_for` (it prefetched both); two otherwise.
    """
    if "history" in getattr(deal, "_prefetched_objects_cache", {}):
        history = deal.history.all()
    else:
        history = deal.history.select_related("by")
    if not access.is_reviewer(user):
        history = [h for h in history if h.kind not in VENDOR_STEPS]
    comments = getattr(deal, "visible_comments", None)
    if comments is None:
        comments = comments_visible_to(user=user, deal=deal)
    # Each return to the partner with what the reviewer asked (two queries, only then).
    returns = [h for h in history if h.to_status == Deal.Status.ACTION_REQUIRED]
    asked = list(deal.action_requests.prefetch_related("reasons")) if returns else []
    request_of = dict(zip([h.pk for h in returns], asked, strict=False))
    entries = [
        TimelineEntry(
            at=h.at,
            kind=h.kind,
            by=h.by,
            text=h.note,
            history=h,
            action_request=request_of.get(h.pk),
        )
        for h in history
    ]
    entries += [
        TimelineEntry(at=c.created_at, kind="comment", by=c.author, text=c.body, comment=c)
        for c in comments
    ]
    if "attachments" in getattr(deal, "_prefetched_objects_cache", {}):
        entries += [
            TimelineEntry(
                at=a.uploaded_at, kind="attachment", by=a.uploaded_by, text=a.name, attachment=a
            )
            for a in deal.attachments.all()
        ]
    return sorted(entries, key=lambda e: e.at)
