"""Log in with the username or the e-mail address, throttled by django-axes."""

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from portal.models import User


class UsernameOrEmailBackend(ModelBackend):
    """ModelBackend that also accepts the user's e-mail in the username field.

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
        user = User.objects.filter(username=username).first()
        if user is None and "@" in username:
            matches = list(User.objects.filter(email__iexact=username.strip())[:2])
            user = matches[0] if len(matches) == 1 else None
        if user is None:
            # Hash anyway so that an unknown login takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


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
