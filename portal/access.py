"""Who may see and do what: the only definition of each role, and of what a user may do
with a deal.

The roles:
- **Vendor reviewer**: an active user who is a superuser or holds `portal.review_deal`
  (directly or through a group, e.g. "Vendor reviewers"), and who works for no partner
  or distributor. Partner and distributor staff are never reviewers, whatever
  permission or flag they were given: an organisation's account never acts for the
  vendor.
- **Partner staff**: an active user of a partner; acts on that partner's deals only.
- **Distributor staff**: an active user of a distributor; reads, never changes, the
  submitted deals that name it.

Views, filters, notifications, the admin and template tags ask this module; none
restates a rule. Which transition is allowed from which status is `portal.workflow`'s
table; this module only says which actor a user is for a deal.
"""

from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.http import Http404

from portal.models import Deal, User
from portal.workflow import TRANSITIONS, Actor, Transition, transitions_for

REVIEW_PERMISSION = ("portal", "review_deal")


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _in_organisation(user) -> bool:
    return bool(user.partner_id or user.distributor_id)


def holds_review_permission(user_ref=None) -> Exists:
    """SQL: the user (`user_ref`, default the outer row's pk) holds the review permission,
    directly or through a group. Read by the login backend to load the flag with the user."""
    app_label, codename = REVIEW_PERMISSION
    ref = user_ref if user_ref is not None else OuterRef("pk")
    return Exists(
        Permission.objects.filter(content_type__app_label=app_label, codename=codename).filter(
            Q(user=ref) | Q(group__user=ref)
        )
    )


def is_reviewer(user) -> bool:
    """Whether `user` acts as a vendor reviewer (see the module docstring).

    One query at most, cached on the user object for the request; none when the login
    backend loaded the flag with the user (`portal.auth.PortalBackend.get_user`).
    """
    if not _active(user) or _in_organisation(user):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_dealreg_is_reviewer", None)
    if cached is None:
        cached = User.objects.filter(pk=user.pk).filter(holds_review_permission()).exists()
        user._dealreg_is_reviewer = cached
    return cached


def reviewers() -> QuerySet[User]:
    """Every user who is a vendor reviewer, by the same rule as `is_reviewer`."""
    return (
        User.objects.filter(is_active=True, partner__isnull=True, distributor__isnull=True)
        .filter(Q(is_superuser=True) | holds_review_permission())
        .order_by("pk")
    )


def is_partner_staff_of(user, deal: Deal) -> bool:
    """Whether `user` works for the deal's own partner: the side that acts on the deal."""
    return bool(_active(user) and user.partner_id and user.partner_id == deal.partner_id)


def may_register_deals(user) -> bool:
    """Only partner staff register deals (Sales → Register a Deal)."""
    return bool(_active(user) and user.partner_id)


def may_use_sales_zone(user) -> bool:
    """Whether the portal's deal pages (Sales Zone) are for this user at all."""
    return bool(_active(user) and (_in_organisation(user) or is_reviewer(user)))


def dashboard_scope(user) -> tuple[str, int] | None:
    """Which dashboard `user` sees, and of whom: ("partner", id), ("distributor", id), the
    whole channel ("vendor", 0) for reviewers; None for anyone else."""
    if not _active(user):
        return None
    if user.partner_id:
        return "partner", user.partner_id
    if user.distributor_id:
        return "distributor", user.distributor_id
    if is_reviewer(user):
        return "vendor", 0
    return None


def deals_visible_to(*, user) -> QuerySet[Deal]:
    """The deals `user` may see: their partner's, their distributor's, or all for reviewers.

    Every portal list, page, export and action starts from this queryset, so a deal
    outside it does not exist for that user (404).
    """
    deals = Deal.objects.all()
    if not _active(user):
        return deals.none()
    if user.partner_id:
        return deals.filter(partner_id=user.partner_id)
    if user.distributor_id:
        return deals_naming(user.distributor_id)
    if is_reviewer(user):
        return deals
    return deals.none()


def deals_naming(distributor_id: int) -> QuerySet[Deal]:
    """What a distributor (its staff, or its API token) sees: the deals that name it,
    never a partner's unfinished draft."""
    return Deal.objects.filter(distributor_id=distributor_id).exclude(status=Deal.Status.DRAFT)


def api_user(token) -> "User | None":
    """The user a partner API token acts as: its owner, while still partner staff."""
    user = token.user
    return user if _active(user) and user.partner_id else None


def get_visible_or_404(rows: QuerySet, pk):
    """`rows.get(pk=pk)`, or Http404 for a missing, foreign or malformed id ("abc", "²")."""
    try:
        return rows.get(pk=pk)
    except (rows.model.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def get_deal_for(*, user, pk) -> Deal:
    """The deal `pk` if `user` may see it; otherwise Http404, never another's data."""
    return get_visible_or_404(deals_visible_to(user=user), pk)


def contact_details_q(user) -> Q | None:
    """Which customer contacts' e-mail and phone `user` may read, as a filter on contacts
    (None: all). Contacts are shared so that nobody types them twice, but their details
    are not: partner staff read those of contacts their partner entered (`known_to`)."""
    if _active(user) and user.partner_id:
        return Q(known_to=user.partner_id)
    return None


def contact_details_visible(user, contact_ref: str = "pk"):
    """An expression: whether `user` may read the details of the contact at `contact_ref`
    (the row's own pk for contacts, "customer_contact_id" for deals)."""
    from portal.models import CustomerContact

    condition = contact_details_q(user)
    if condition is None:
        return Value(True)
    return Exists(CustomerContact.objects.filter(condition, pk=OuterRef(contact_ref)))


def actor_for(user, deal: Deal) -> str | None:
    """As whom `user` acts on `deal`: its partner, a reviewer, or nobody (read-only)."""
    if is_partner_staff_of(user, deal):
        return Actor.PARTNER
    if is_reviewer(user):
        return Actor.REVIEWER
    return None


@dataclass(frozen=True)
class DealAccess:
    """A deal the user may see, and what they may do with it."""

    deal: Deal
    actor: str | None

    @property
    def transitions(self) -> list[Transition]:
        """The workflow transitions this user may trigger now (the buttons to show)."""
        if self.actor is None:
            return []
        return transitions_for(status=self.deal.status, actor=self.actor)

    def may(self, transition: str) -> bool:
        return any(t.name == transition for t in self.transitions)

    @property
    def is_partner(self) -> bool:
        return self.actor == Actor.PARTNER

    @property
    def is_reviewer(self) -> bool:
        return self.actor == Actor.REVIEWER

    @property
    def may_comment(self) -> bool:
        """Partner staff of the deal and reviewers write in the thread; distributors read."""
        return self.actor is not None

    @property
    def may_write_internal_notes(self) -> bool:
        return self.is_reviewer

    def may_request_extension(self, *, used: int, pending: bool, limit: int) -> bool:
        """The deal's partner may ask for more time while a reviewer could still extend it."""
        return (
            self.is_partner
            and TRANSITIONS["extend"].allows(self.deal.status)
            and not pending
            and used < limit
        )


def attachment_for(*, user, pk):
    """The attachment `pk` if `user` may read it: one on a deal they may see, or one they
    uploaded to a registration not yet sent. Otherwise Http404."""
    from portal.models import DealAttachment

    visible = Q(deal__in=deals_visible_to(user=user)) | Q(deal=None, uploaded_by=user.pk)
    return get_visible_or_404(DealAttachment.objects.filter(visible), pk)


def deal_access(user, deal: Deal) -> DealAccess:
    """What `user` may do with `deal`, a deal already known to be visible to them."""
    return DealAccess(deal=deal, actor=actor_for(user, deal))


def get_deal_access(*, user, pk, deals: QuerySet[Deal] | None = None) -> DealAccess:
    """The deal `pk` (from `deals`, by default `deals_visible_to(user)`) and what `user`
    may do with it; Http404 when they may not see it."""
    if deals is None:
        deals = deals_visible_to(user=user)
    return deal_access(user, get_visible_or_404(deals, pk))
