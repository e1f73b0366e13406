"""Forms of the account pages and of the partner application."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.validators import MaxLengthValidator
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from portal import applications, notifications, tax_ids
from portal.auth import MAX_LOGIN_LENGTH
from portal.inputs import PlainTextModelForm
from portal.models import Distributor, PartnerApplication, User


class LoginForm(AuthenticationForm):
    """Username or e-mail, password, and "remember me"."""

    remember_me = forms.BooleanField(
        label=_("Remember me on this computer for two weeks"), required=False
    )

    error_messages = {
        # One sentence for an unknown user and a wrong password: no enumeration.
        "invalid_login": _(
            "The username or e-mail and password do not match an active account. "
            "Check them and try again (passwords are case-sensitive)."
        ),
        "inactive": _("This account is not active."),
    }

    def __init__(self, request=None, *args, **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Username or e-mail")
        self.fields["username"].max_length = MAX_LOGIN_LENGTH
        # Set after the field was made, so add the check the attribute alone does not.
        self.fields["username"].validators.append(MaxLengthValidator(MAX_LOGIN_LENGTH))


class PortalPasswordResetForm(PasswordResetForm):
    """Django's reset form; the e-mail goes through the background task, in the user's language.

    The page answers the same whether or not the address is known.
    """

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        # By the user's id: the task makes the link, so the task queue never holds it.
        notifications.enqueue_account_link("password_reset", user_id=context["user"].pk)


class ProfileForm(PlainTextModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "phone", "language"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                _("Another account uses this e-mail. Use your own work address.")
            )
        return email


class PartnerApplicationForm(PlainTextModelForm):
    """The public "Apply for partner access" form."""

    distributor = forms.ModelChoiceField(
        queryset=Distributor.objects.order_by("name"),
        label=_("Distributor you buy from"),
        empty_label=_("Choose your distributor"),
        error_messages={"required": _("Choose the distributor you buy from.")},
    )
    country = tax_ids.CountryField(label=_("Country"))

    class Meta:
        model = PartnerApplication
        fields = [
            "company_name",
            "tax_id",
            "address",
            "postal_code",
            "city",
            "country",
            "contact_first_name",
            "contact_last_name",
            "email",
            "phone",
            "distributor",
        ]
        labels = {
            "contact_first_name": _("Contact person: first name"),
            "contact_last_name": _("Contact person: last name"),
            "email": _("Work e-mail"),
        }
        error_messages = {
            "email": {"invalid": _("Enter an e-mail address such as name@company.com.")},
        }

    def clean(self) -> dict:
        cleaned = super().clean()
        tax_ids.check_form(self)
        return cleaned

    def clean_email(self) -> str:
        # Whether this address (or company) is known is never said here: the page answers
        # the same and `applications.submit_application` e-mails the owner instead.
        return self.cleaned_data["email"].strip()

    def validate_unique(self) -> None:
        # The live-application constraints would tell a visitor that an application exists.
        return None

    def save(self, commit: bool = True) -> PartnerApplication:
        self.instance.language = translation.get_language() or settings.LANGUAGE_CODE
        if not commit:
            return super().save(commit=False)
        return applications.submit_application(application=super().save(commit=False))
