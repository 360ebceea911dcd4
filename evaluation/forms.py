"""The admin form of a round: branches within the user's scope; nothing changes
once the round has been opened."""

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from members.models import Organization
from members.scopes import organizations_for

from .models import Status


class RoundForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = (
            organizations_for(self.for_user)
            .filter(kind=Organization.Kind.BRANCH)
            .order_by("path")
        )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.instance.status != Status.DRAFT:
            raise forms.ValidationError("评议已经启动，不能再修改。")
        return cleaned
