"""Two-factor authentication (django-otp): a TOTP app plus one-time recovery codes.

Optional for partner and distributor users; required for vendor reviewers and
superusers on the admin when `MFA_REQUIRED_FOR_REVIEWERS` is on (the default when
`DEBUG` is off; the demo keeps password-only logins). django-otp was chosen over
django-two-factor-auth and allauth's MFA: it is the small, well-kept core both build on
(TOTP, static codes, throttling), and it fits our own login, lock-out and templates
without bringing a second login flow.
"""

import base64
import io

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import access
from portal.decisions import log_action

RECOVERY_CODES = 10
# The session remembers at login whether the account has a second factor, so that pages
# do not ask the database on every request.
PENDING_KEY = "mfa_pending"


def has_second_factor(user) -> bool:
    return django_otp.user_has_device(user, confirmed=True)


def required_for_account(user) -> bool:
    """Reviewers (and superusers) must keep a second factor when the setting is on."""
    return bool(settings.MFA_REQUIRED_FOR_REVIEWERS and access.is_reviewer(user))


def required_for(user, path: str) -> bool:
    """Whether `user` needs a verified second factor to open `path`: the admin, for those
    who must keep one."""
    return path.startswith("/" + settings.ADMIN_URL) and required_for_account(user)


def on_login(sender, request, user, **kwargs) -> None:
    """`user_logged_in` receiver: a second factor, if the account has one, is asked next."""
    if request is not None and hasattr(request, "session"):
        request.session[PENDING_KEY] = has_second_factor(user)


def start_enrolment(user) -> TOTPDevice:
    """A new, unconfirmed authenticator for `user` (an earlier unconfirmed one goes)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def pending_enrolment(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The device's otpauth:// link as an SVG QR code, inline as a data: URI (CSP allows)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def secret_for_display(device: TOTPDevice) -> str:
    """The key as an app asks for it when typed in (base32, in groups of four)."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def confirm_enrolment(request, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the authenticator with a code from it: the recovery codes (shown once), or
    None when the code is wrong. The session counts as verified from now on."""
    if not device.verify_token((token or "").replace(" ", "")):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = new_recovery_codes(device.user)
    django_otp.login(request, device)
    request.session[PENDING_KEY] = False
    log_action(device.user, "mfa.enrolled", by=device.user)
    return codes


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with a fresh set; each works once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def verify(request, token: str) -> bool:
    """Check a code from the app or a recovery code; a match verifies the session."""
    device = django_otp.match_token(request.user, (token or "").replace(" ", ""))
    if device is None:
        return False
    django_otp.login(request, device)
    request.session[PENDING_KEY] = False
    return True


@transaction.atomic
def disable(user, *, by) -> None:
    """Remove every second factor of `user`."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    log_action(user, "mfa.disabled", by=by)
