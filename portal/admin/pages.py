"""The admin's own pages beyond Django's (a decision's form, a dry run, a bulk
action's form), drawn in the admin's frame."""

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse


def admin_page(
    model_admin: admin.ModelAdmin, request: HttpRequest, template: str, **context
) -> TemplateResponse:
    """The page with what every admin template needs: the site's context (menu,
    breadcrumbs, theme) and the model's options."""
    return TemplateResponse(
        request,
        template,
        {**model_admin.admin_site.each_context(request), "opts": model_admin.opts, **context},
    )
