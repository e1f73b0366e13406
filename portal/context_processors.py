"""What every page shows of the vendor: its name and logo (settings, with a neutral default)."""

from django.conf import settings
from django.templatetags.static import static
from django.utils.translation import gettext as _


def branding(request) -> dict:
    return {
        "vendor_name": settings.VENDOR_NAME or _("Partner Portal"),
        "vendor_logo": settings.VENDOR_LOGO_URL or static("img/logo.svg"),
    }
