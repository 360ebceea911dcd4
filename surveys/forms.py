"""The admin form of a survey: organisations within the user's scope, and questions
that stay as they were once people have answered."""

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from members.scopes import organizations_for

# Answers point at a question and an option's position: once there are responses,
# changing these would change what people said.
LOCKED_WITH_RESPONSES = ("audience", "audience_organization", "anonymous")


class SurveyForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope = organizations_for(self.for_user).order_by("path")
        self.fields["owner"].queryset = scope
        self.fields["audience_organization"].queryset = scope

    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        if instance.pk and instance.responses.exists():
            changed = [
                name for name in LOCKED_WITH_RESPONSES if name in self.changed_data
            ]
            questions = self.formsets.get("questions")
            if changed or (questions is not None and questions.has_changed()):
                raise forms.ValidationError(
                    "本调查已有答卷，题目、调查对象和匿名方式不能再修改；"
                    "可修改标题、说明和时间，或新建一份调查。"
                )
        return cleaned
