"""Stand-ins for pages built on other branches, so test_bench exercises every kind of
scenario (list, deal page, streamed export, search) without depending on them."""

import csv
import io

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template import engines
from django.urls import include, path
from formtools.wizard.views import SessionWizardView

from dealreg.urls import urlpatterns as real_urlpatterns
from portal import urls as portal_urls
from portal.models import Customer, Distributor
from portal.selectors import deals_visible_to, get_deal_for


def opportunity_manager(request):
    deals = deals_visible_to(user=request.user).select_related("customer")
    if request.GET.get("status"):
        deals = deals.filter(status=request.GET["status"])
    if request.GET.get("q"):
        deals = deals.filter(customer__name__icontains=request.GET["q"])
    page = Paginator(deals.order_by("-submitted_at", "-pk"), 25).get_page(request.GET.get("page"))
    return HttpResponse("".join(f"<p>{d.pk} {d.customer.name}</p>" for d in page))


def deal_detail(request, pk):
    return HttpResponse(str(get_deal_for(user=request.user, pk=pk)))


def deal_export(request):
    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["id", "status"])
        for deal in deals_visible_to(user=request.user).values_list("pk", "status").iterator():
            writer.writerow(deal)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    return StreamingHttpResponse(rows(), content_type="text/csv")


def customer_search(request):
    names = Customer.objects.filter(name__icontains=request.GET.get("q", ""))[:10]
    return JsonResponse({"results": [c.name for c in names]})


class CustomerStep(forms.Form):
    customer = forms.ModelChoiceField(Customer.objects.all())


class ProjectStep(forms.Form):
    expected_close_date = forms.DateField()
    distributor = forms.ModelChoiceField(Distributor.objects.all())
    next_steps = forms.CharField()


class RegisterDeal(SessionWizardView):
    form_list = [("customer", CustomerStep), ("project", ProjectStep)]

    def render_to_response(self, context, **kwargs):
        template = engines["django"].from_string(
            "<form method=post>{{ wizard.management_form }}{{ wizard.form }}</form>"
        )
        return HttpResponse(template.render(context, self.request))

    def done(self, form_list, **kwargs):
        return redirect("portal:home")


portal_patterns = (
    [
        *portal_urls.urlpatterns,
        path("sales-zone/opportunity-manager/", opportunity_manager, name="opportunity_manager"),
        path("sales-zone/opportunity-manager/<int:pk>/", deal_detail, name="deal_detail"),
        path("sales-zone/opportunity-manager/export.csv", deal_export, name="deal_export"),
        path("sales/customers/", customer_search, name="customer_search"),
        path("sales/register-a-deal/", RegisterDeal.as_view(), name="register_deal"),
    ],
    "portal",
)

urlpatterns = [
    *[p for p in real_urlpatterns if getattr(p, "namespace", None) != "portal"],
    path("", include(portal_patterns)),
]
