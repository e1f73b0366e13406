from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.access import deals_visible_to, is_reviewer
from portal.models import Deal
from portal.selectors import COUNT_CAP, capped_status_counts, recently_assigned_deals

# How far back "newly assigned" reaches on a distributor's home page.
NEW_DEALS_DAYS = 14
WAITING_SHOWN = 20


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page after login, fitted to the role.

    Partner staff: their deals by status (each a link into the Opportunity Manager)
    and Register a Deal. Distributor staff: the deals newly assigned to them.
    Vendor staff: the counts and the way to the review queue.
    """
    user = request.user
    # Capped like the Opportunity Manager's facets: an exact count of a reviewer's million
    # deals costs ~60 ms on every visit to the home page; beyond the cap it says "10,000+".
    counts, capped = capped_status_counts(deals_visible_to(user=user), cap=COUNT_CAP)
    by_status = [
        (value, label, counts.get(value, 0))
        for value, label in Deal.Status.choices
        if value != Deal.Status.DRAFT
    ]
    context = {
        "by_status": by_status,
        "capped_statuses": capped,
        "role": (
            "partner"
            if user.partner_id
            else "distributor"
            if user.distributor_id
            else "vendor"
            if is_reviewer(user)
            else "none"
        ),
        "new_deals_days": NEW_DEALS_DAYS,
    }
    if user.partner_id:
        # What waits on the partner: the deals the vendor returned (Action Required).
        context["waiting_on_you"] = list(
            deals_visible_to(user=user)
            .filter(status=Deal.Status.ACTION_REQUIRED)
            .select_related("customer")
            .order_by("sla_paused_at", "pk")[:WAITING_SHOWN]
        )
        context["answer_days"] = settings.ACTION_REQUIRED_ANSWER_DAYS
    if user.distributor_id:
        context["new_deals"] = recently_assigned_deals(user=user, days=NEW_DEALS_DAYS)
    return render(request, "portal/home.html", context)
