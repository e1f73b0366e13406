"""Request-wide guards: NUL bytes refused up front, and the user's saved language."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware


def _has_nul(data) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in data.lists())


class RejectNulMiddleware:
    """A NUL byte in a query or form value is refused with 400 before any view sees it.

    No field of the portal takes one, and PostgreSQL cannot store one: left through, it
    turned a search or a form into a server error.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        form_post = request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        )
        try:
            refused = _has_nul(request.GET) or (form_post and _has_nul(request.POST))
            why = _("The request contains a character that is not allowed (NUL).")
        except MultiPartParserError:
            refused, why = True, _("The request's body cannot be read.")
        if refused:
            if request.path.startswith("/api/"):  # the API answers JSON, always
                return JsonResponse({"detail": why, "errors": {}}, status=400)
            return HttpResponseBadRequest(why, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class NoStoreWhenLoggedInMiddleware:
    """`Cache-Control: no-store, private` on every answer to a logged-in user (pages,
    fragments, exports): a shared or back-button cache must not keep another
    organisation's deals or a user's personal data."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


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


class TwoFactorMiddleware:
    """After the password, the second factor: an account with one is asked for a code
    before anything else; a reviewer without one is sent to set it up before the admin
    (`portal.mfa.required_for`). After django-otp's OTPMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.shortcuts import redirect
        from django.urls import reverse
        from django.utils.http import urlencode

        from portal import mfa

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        # Cheap questions first (the session, the path, the cached reviewer flag): most
        # requests stop here, before the device is looked up (`LazyOTPMiddleware`).
        pending = request.session.get(mfa.PENDING_KEY)
        if not pending and not mfa.required_for(user, request.path):
            return self.get_response(request)
        if user.is_verified():
            return self.get_response(request)
        open_paths = [settings.STATIC_URL, *(reverse(name) for name in self.OPEN)]
        if any(request.path.startswith(path) for path in open_paths):
            return self.get_response(request)
        if pending or mfa.has_second_factor(user):
            target = "portal:two_factor_verify"
        else:
            target = "portal:two_factor_setup"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")

    # Reachable before the second factor: the two-factor pages, logging out, the language.
    OPEN = ["portal:two_factor", "logout", "set_language"]


class LazyOTPMiddleware(OTPMiddleware):
    """django-otp's middleware, with the session's device looked up when `is_verified()` is
    first asked (the admin, the two-factor pages), not whenever `request.user` is touched:
    a verified reviewer's portal pages cost one query less."""

    def _verify_user_sync(self, request, user):
        self._init_user_fields(user)
        if not user.is_authenticated or DEVICE_ID_SESSION_KEY not in request.session:
            return user

        def is_verified() -> bool:
            OTPMiddleware._verify_user_sync(self, request, user)  # sets otp_device
            return user.is_verified()

        user.is_verified = is_verified
        return user
