"""Comments on a deal: the partner ↔ vendor thread and the reviewers' internal notes.

Who may write:
- vendor reviewers (`portal.review_deal`): partner-visible comments and internal notes;
- partner staff of the deal's partner: partner-visible comments only;
- distributor staff: nobody writes for them here — they read the partner-visible
  thread of the deals that name them (see `selectors.comments_visible_to`), so
  they know what the vendor asked for, but the conversation is the partner's.

A new partner-visible comment is e-mailed to the other side after commit, in
each recipient's language, by `portal.notifications` (see `comment_recipients`):
the partner's comment to the reviewers, a reviewer's comment to the deal's
registering user and its partner-side contacts. Internal notes mail nobody.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal import notifications
from portal.access import deal_access
from portal.models import Deal, DealComment, User

MAX_COMMENT_LENGTH = 4000


def can_comment(*, user: User, deal: Deal, internal: bool = False) -> bool:
    """Whether `user` may write this kind of comment on `deal`."""
    access = deal_access(user, deal)
    return access.may_write_internal_notes if internal else access.may_comment


@transaction.atomic
def add_comment(*, deal: Deal, author: User, body: str, internal: bool = False) -> DealComment:
    """Write a comment on `deal`; internal notes are for reviewers only.

    Raises PermissionDenied when `author` may not write this kind of comment, and
    ValidationError for an empty or overlong body. The body is stored as typed;
    templates escape it on output.
    """
    if not can_comment(user=author, deal=deal, internal=internal):
        raise PermissionDenied(_("You may not write this kind of comment on this deal."))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a comment first.")})
    if len(body) > MAX_COMMENT_LENGTH:
        raise ValidationError(
            {"body": _("Keep a comment under %(max)d characters.") % {"max": MAX_COMMENT_LENGTH}}
        )
    comment = DealComment.objects.create(deal=deal, author=author, body=body, is_internal=internal)
    if not internal:
        # Rendered and queued only once the comment has committed (portal.notifications).
        transaction.on_commit(lambda: notifications.on_comment_added(comment))
    return comment
