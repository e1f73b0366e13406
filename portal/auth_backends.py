"""Log in with the username or the e-mail address."""

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
