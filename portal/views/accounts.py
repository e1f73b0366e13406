"""Log in, profile, language, and the set-password page of an approved applicant."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from portal import ratelimit
from portal.account_forms import LoginForm, PortalPasswordResetForm, ProfileForm
from portal.account_tokens import activation_token_generator


def login_limited(request: HttpRequest) -> HttpResponse | None:
    """The 429 page when this client tried to log in too often (any account), else None.
    Per account, django-axes' lock-out applies as well."""
    if request.method != "POST":
        return None
    retry_after = ratelimit.hit(ratelimit.limit("login_client"), ratelimit.client_key(request))
    return ratelimit.too_many_page(request, retry_after) if retry_after else None


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        return login_limited(request) or super().post(request, *args, **kwargs)

    def form_valid(self, form: LoginForm) -> HttpResponse:
        response = super().form_valid(form)
        if form.cleaned_data.get("remember_me"):
            self.request.session.set_expiry(settings.SESSION_COOKIE_AGE)
        else:
            # Ends when the browser closes.
            self.request.session.set_expiry(0)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PortalPasswordResetForm

    def form_valid(self, form) -> HttpResponse:
        # Limited per address and per client; the page reads the same for unknown addresses.
        address = form.cleaned_data["email"].strip().lower()
        for name, key in (
            ("password_reset_address", address),
            ("password_reset_client", ratelimit.client_key(self.request)),
        ):
            retry_after = ratelimit.hit(ratelimit.limit(name), key)
            if retry_after:
                return ratelimit.too_many_page(self.request, retry_after)
        return super().form_valid(form)


class ActivateAccountView(auth_views.PasswordResetConfirmView):
    """An approved applicant chooses a password; that activates the account."""

    template_name = "portal/accounts/activate.html"
    success_url = reverse_lazy("login")
    post_reset_login = False
    # Its own token: a password-reset link never opens (or reopens) an account.
    token_generator = activation_token_generator

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        user.is_active = True
        user.save(update_fields=["is_active"])
        messages.success(
            self.request, _("Your password is set. Log in with your e-mail and the new password.")
        )
        return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The user's own name, e-mail, phone and language; the organisation is shown read-only."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile is saved."))
        response = redirect("portal:profile")
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            form.instance.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
        )
        return response
    return render(request, "portal/accounts/profile.html", {"form": form})


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language, and for a logged-in user the choice is kept on the account."""
    response = set_language(request)
    language = request.POST.get("language")
    valid = {code for code, _name in settings.LANGUAGES}
    if request.user.is_authenticated and language in valid and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' lock-out page: what happened and when to try again (HTTP 429)."""
    minutes = max(1, round(float(settings.AXES_COOLOFF_TIME or 0) * 60))
    return render(
        request,
        "registration/locked_out.html",
        {"cooloff_minutes": minutes},
        status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429),
    )
