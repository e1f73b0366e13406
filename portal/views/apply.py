"""The public "Apply for partner access" page."""

import contextlib

from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portal import ratelimit
from portal.account_forms import PartnerApplicationForm


def apply(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        retry_after = ratelimit.hit(ratelimit.limit("apply"), ratelimit.client_key(request))
        if retry_after:
            return ratelimit.too_many_page(request, retry_after)
    form = PartnerApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Two identical applications at the same moment: the database keeps one.
        with contextlib.suppress(IntegrityError):
            form.save()  # one transaction, in portal.applications.submit_application
        # The same answer whether the application was new or already known.
        return redirect("portal:apply_done")
    return render(request, "portal/accounts/apply.html", {"form": form})


def apply_done(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/accounts/apply_done.html")
