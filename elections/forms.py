"""The admin form of a vote: organisations within the user's scope; nothing
changes once the vote has been opened."""

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from members.scopes import organizations_for

from .models import Status


class ElectionForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations_for(
            self.for_user
        ).order_by("path")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.instance.status != Status.DRAFT:
            raise forms.ValidationError(
                "投票已经启动，名称、候选人和规则都不能再修改。"
            )
        return cleaned
