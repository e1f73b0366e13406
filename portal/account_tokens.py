"""The set-password link of an approved applicant: a token of its own.

A password-reset token must never open an account, and an activation link must never
reopen one: this generator has its own salt, and only an account that is still waiting
for its first password (inactive, no usable password, never logged in) accepts it.
"""

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


def awaits_activation(user) -> bool:
    """An approved applicant's account before the first password is set."""
    return not user.is_active and not user.has_usable_password() and user.last_login is None


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "portal.account_tokens.ActivationTokenGenerator"

    def _make_hash_value(self, user, timestamp: int) -> str:
        # Setting the password or activating changes these, so a used link stops working.
        return f"{user.pk}{user.password}{user.is_active}{timestamp}"

    def check_token(self, user, token) -> bool:
        if user is None or not awaits_activation(user):
            return False
        return super().check_token(user, token)


activation_token_generator = ActivationTokenGenerator()


def set_password_path(user) -> str:
    """The path of a pending account's set-password (activation) page, with a fresh token."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = activation_token_generator.make_token(user)
    return reverse("portal:activate", kwargs={"uidb64": uid, "token": token})
