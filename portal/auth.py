"""The authentication backend: the logged-in user with what every page asks of them.

`base.html` names the user's organisation and the portal asks on most pages
whether the user is a vendor reviewer. Loading both with the user itself (one
query, which every logged-in request runs anyway) keeps them from costing a
query each on every page.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q

from portal.models import User


def _holds_review_permission() -> Exists:
    # The same rule as `selectors.is_deal_reviewer`: the permission directly or through a group.
    return Exists(
        Permission.objects.filter(content_type__app_label="portal", codename="review_deal").filter(
            Q(user=OuterRef("pk")) | Q(group__user=OuterRef("pk"))
        )
    )


class PortalBackend(ModelBackend):
    """ModelBackend whose `get_user` also loads the organisation and the reviewer flag."""

    def get_user(self, user_id: int) -> User | None:
        try:
            user = (
                User._default_manager.select_related("partner", "distributor")
                .annotate(holds_review_permission=_holds_review_permission())
                .get(pk=user_id)
            )
        except User.DoesNotExist:
            return None
        # Read by `selectors.is_deal_reviewer` instead of asking the database again.
        user._dealreg_is_reviewer = user.holds_review_permission
        return user if self.user_can_authenticate(user) else None
