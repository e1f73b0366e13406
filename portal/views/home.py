from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.models import Deal
from portal.selectors import deals_visible_to


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page after login: the user's deals counted by status."""
    counts = dict(
        deals_visible_to(user=request.user).order_by().values_list("status").annotate(n=Count("pk"))
    )
    by_status = [
        (value, label, counts.get(value, 0))
        for value, label in Deal.Status.choices
        if value != Deal.Status.DRAFT
    ]
    return render(request, "portal/home.html", {"by_status": by_status})
