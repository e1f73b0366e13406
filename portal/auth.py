"""Authentication: log in with the username or the e-mail, throttled by django-axes,
and load the logged-in user with what every page asks of them.

`base.html` names the user's organisation and the portal asks on most pages
whether the user is a vendor reviewer. Loading both with the user itself (one
query, which every logged-in request runs anyway) keeps them from costing a
query each on every page.
"""

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from portal.access import holds_review_permission
from portal.models import User

# Longer than any username or e-mail: refused by the login form, cut here for the lock-out log.
MAX_LOGIN_LENGTH = 254


def find_login_user(typed: str) -> User | None:
    """The account a typed login names: the username exactly, else the e-mail in any case
    and without surrounding spaces. An e-mail shared by several accounts names none."""
    typed = (typed or "")[:MAX_LOGIN_LENGTH]
    user = User.objects.filter(username=typed).first()
    if user is None and "@" in typed:
        matches = list(User.objects.filter(email__iexact=typed.strip())[:2])
        user = matches[0] if len(matches) == 1 else None
    return user


def login_key(request: HttpRequest | None, credentials: dict | None = None) -> str:
    """django-axes' username for a login attempt: the account's username however the login
    was spelled, so that failures count per account; an unknown login as typed, folded."""
    typed = (credentials or {}).get("username")
    if typed is None and request is not None:
        typed = request.POST.get("username")
    typed = str(typed or "")[:MAX_LOGIN_LENGTH]
    user = find_login_user(typed)
    return user.username if user is not None else typed.strip().casefold()[:150]


class PortalBackend(ModelBackend):
    """ModelBackend that accepts the e-mail in the username field, and whose `get_user`
    also loads the organisation and the reviewer flag.

    The username wins when both match different users; an e-mail shared by
    several accounts logs nobody in (it would be a guess which one was meant).
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password=None, **kwargs
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username or password is None:
            return None
        user = find_login_user(username)
        if user is None:
            # Hash anyway so that an unknown login takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id: int) -> User | None:
        try:
            user = (
                User._default_manager.select_related("partner", "distributor")
                .annotate(holds_review_permission=holds_review_permission())
                .get(pk=user_id)
            )
        except User.DoesNotExist:
            return None
        # Read by `access.is_reviewer` instead of asking the database again.
        user._dealreg_is_reviewer = user.holds_review_permission
        return user if self.user_can_authenticate(user) else None


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lock-out check for every login that arrives over HTTP.

    A call without a request (a script, the test client's `login()`) cannot be
    brute-forced from outside, so it is let through to the next backend instead
    of failing as django-axes would.
    """

    def authenticate(self, request: HttpRequest | None, *args, **kwargs) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)
