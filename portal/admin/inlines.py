"""The admin's tabular inlines, readable with a screen reader."""

from django.contrib import admin


class LabelledTabularInline(admin.TabularInline):
    """A tabular inline shows each field's label only once, as its column header, which
    no row's control is tied to: every control is also named for screen readers (axe:
    label, select-name). A name set by the form stays."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        for name, field in formset.form.base_fields.items():
            # The form class is made anew for this request: its widgets are its own.
            field.widget.attrs.setdefault("aria-label", str(field.label or name))
        return formset
