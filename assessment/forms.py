"""Forms of 网上考核: the plan (organisations within the user's scope, targets below
the issuer, frozen once issued), an item report, a score and a return."""

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from members.scopes import organizations_for

from .models import Completion, PlanStatus


class TargetChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{'　' * max(obj.depth - 2, 0)}{obj.name}"


class PlanForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope = organizations_for(self.for_user).order_by("path")
        self.fields["organization"].queryset = scope
        self.fields["targets"] = TargetChoiceField(
            queryset=scope.filter(depth__gt=1),
            widget=forms.CheckboxSelectMultiple,
            label="被考核党组织",
            help_text="考核党组织下级的党组织（须在您的管理范围内）。",
            required=True,
            error_messages={"required": "请至少选择一个被考核党组织。"},
        )
        if self.instance.pk:
            self.initial["targets"] = list(
                self.instance.targets.values_list("pk", flat=True)
            )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.instance.status != PlanStatus.DRAFT:
            raise forms.ValidationError("考核方案已经下发，不能再修改。")
        issuer = cleaned.get("organization")
        targets = cleaned.get("targets") or []
        if issuer is not None:
            wrong = [
                t.name
                for t in targets
                if not t.path.startswith(issuer.path) or t.path == issuer.path
            ]
            if wrong:
                self.add_error(
                    "targets",
                    f"{'、'.join(wrong)}不是{issuer.name}的下级党组织。",
                )
        return cleaned


class ItemReportForm(forms.Form):
    completion = forms.ChoiceField(
        label="完成情况",
        choices=Completion.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "请选择完成情况。",
            "invalid_choice": "请选择完成情况。",
        },
    )
    text = forms.CharField(
        label="完成情况说明",
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    links = forms.CharField(
        label="本站链接（每行一个，如 /news/…）",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ScoreForm(forms.Form):
    score = forms.CharField(label="得分", max_length=10)
    comment = forms.CharField(label="评分意见", max_length=500, required=False)


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=500)
