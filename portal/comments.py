"""Comments on a deal: the partner ↔ vendor thread and the reviewers' internal notes.

Who may write:
- vendor reviewers (`portal.review_deal`): partner-visible comments and internal notes;
- partner staff of the deal's partner: partner-visible comments only;
- distributor staff: nobody writes for them here — they read the partner-visible
  thread of the deals that name them (see `selectors.comments_visible_to`), so
  they know what the vendor asked for, but the conversation is the partner's.

A new partner-visible comment is e-mailed to the other side after commit:
the partner's comment to the reviewers, a reviewer's comment to the deal's
registering user and its partner-side contacts. Internal notes mail nobody.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _

from portal.models import Deal, DealComment, User
from portal.roles import REVIEWERS_GROUP
from portal.selectors import is_reviewer

MAX_COMMENT_LENGTH = 4000


def can_comment(*, user: User, deal: Deal, internal: bool = False) -> bool:
    """Whether `user` may write this kind of comment on `deal`."""
    if is_reviewer(user):
        return True
    if internal:
        return False
    return bool(user.is_active and user.partner_id and user.partner_id == deal.partner_id)


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
        transaction.on_commit(lambda: send_comment_notification(comment))
    return comment


def comment_recipients(comment: DealComment) -> list[str]:
    """Who hears of a partner-visible comment: the other side of the conversation."""
    deal = comment.deal
    if comment.author is not None and is_reviewer(comment.author):
        addresses = [deal.registered_by.email, *deal.contacts.values_list("email", flat=True)]
    else:
        addresses = list(
            User.objects.filter(groups__name=REVIEWERS_GROUP, is_active=True, partner__isnull=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    author_email = comment.author.email if comment.author else ""
    seen, result = set(), []
    for address in addresses:
        key = (address or "").lower()
        if key and key not in seen and key != author_email.lower():
            seen.add(key)
            result.append(address)
    return result


def send_comment_notification(comment: DealComment) -> int:
    """E-mail one partner-visible comment to the other side; returns the number of mails.

    Kept as one function with one argument so it can move behind a background task.
    """
    recipients = comment_recipients(comment)
    if not recipients:
        return 0
    deal = comment.deal
    author = (comment.author.get_full_name() or comment.author.username) if comment.author else ""
    subject = _("New comment on deal %(deal)s (%(customer)s)") % {
        "deal": deal,
        "customer": deal.customer.name,
    }
    body = _("%(author)s wrote on deal %(deal)s:\n\n%(body)s\n") % {
        "author": author,
        "deal": deal,
        "body": comment.body,
    }
    # One message per recipient: partners never see the reviewers' addresses and vice versa.
    sent = 0
    for address in recipients:
        sent += send_mail(subject, body, None, [address], fail_silently=False)
    return sent
