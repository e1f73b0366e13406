"""A logged-in user's language is the one saved on their account."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class UserLanguageMiddleware:
    """Activate `User.language` for logged-in users, after LocaleMiddleware's guess.

    The header's switcher and the profile page save the choice there, so it
    follows the user to every browser, and e-mails use the same language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.language in self.languages
            and user.language != getattr(request, "LANGUAGE_CODE", None)
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


def remember_language_on_login(sender, request: HttpRequest, user, **kwargs) -> None:
    """`user_logged_in` receiver: a language picked just before logging in is kept.

    Otherwise a visitor who switched the login page to Polish would land in the
    account's older choice; the most recent explicit choice wins.
    """
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) if request else None
    valid = {code for code, _name in settings.LANGUAGES}
    if chosen in valid and chosen != user.language:
        user.language = chosen
        user.save(update_fields=["language"])
