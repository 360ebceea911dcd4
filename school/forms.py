"""Admin forms: the Video snippet (ffprobe runs on the upload before anything is
saved) and the required-course assignment."""

from django import forms
from django.utils import timezone
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.widgets import AdminDateInput

from home.params import MAX_ID
from members.forms import OrganizationChoiceField
from members.scopes import organizations_for

from .models import CourseAssignment, CoursePage
from .services import apply_probe, validate_upload
from .transcoding import VideoRejected


class VideoForm(WagtailAdminModelForm):
    """New videos need a file that passes validation; later edits change the title only."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.probe = None
        if "source" in self.fields:
            field = self.fields["source"]
            field.widget.attrs["accept"] = "video/*"
            if self.instance.pk:
                field.disabled = True
                field.required = False
            else:
                field.help_text = (
                    "支持 MP4、MOV、MKV、WebM 等常见格式；上传后自动转码。"
                )

    def clean_source(self):
        upload = self.cleaned_data.get("source")
        if self.instance.pk:
            return self.instance.source
        if not upload:
            raise forms.ValidationError("请选择视频文件。")
        try:
            self.probe = validate_upload(upload)
        except VideoRejected as exc:
            raise forms.ValidationError(str(exc)) from exc
        return upload

    def save(self, commit=True):
        if self.probe is not None and not self.instance.pk:
            apply_probe(
                self.instance, self.probe, size=self.cleaned_data["source"].size
            )
        return super().save(commit=commit)


def _is_id(value) -> bool:
    text = str(value)
    return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID


class OrganizationsChoiceField(forms.ModelMultipleChoiceField):
    """Organisations as ticks, indented by their place in the tree."""

    widget = forms.CheckboxSelectMultiple
    label_from_instance = OrganizationChoiceField.label_from_instance

    def _check_values(self, value):
        if any(not _is_id(item) for item in value):
            raise forms.ValidationError("请选择列出的党组织")
        return super()._check_values(value)


class IdChoiceMixin:
    """A model choice whose value must look like a row id before it reaches the
    database (Django passes '²' or 10**25 on and the database fails)."""

    def to_python(self, value):
        if value not in self.empty_values and not _is_id(value):
            raise forms.ValidationError("请选择列出的选项")
        return super().to_python(value)


class CourseChoiceField(IdChoiceMixin, forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title}（{obj.get_kind_display()}）"


class OrganizationFilterField(IdChoiceMixin, OrganizationChoiceField):
    """An organisation of the user's scope, for listing filters."""


class CourseAssignmentForm(WagtailAdminModelForm):
    """Course, organisations within the user's scope, deadline (today or later)."""

    course = CourseChoiceField(label="课程", queryset=CoursePage.objects.none())
    organizations = OrganizationsChoiceField(
        label="指派给",
        queryset=CourseAssignment.objects.none(),
        help_text="所选组织及其全部下级组织的党员都须学习；只列出您管理的党组织",
    )

    class Meta:
        model = CourseAssignment
        fields = ["course", "organizations", "deadline", "note"]
        widgets = {"deadline": AdminDateInput}
        help_texts = {
            "deadline": "党员须在这一天（含）之前学完；到期前 7 天和逾期时会提醒未学完的党员",
            "note": "可选，如：结合支部主题党日集中学习",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = CoursePage.objects.live().order_by("title")
        self.fields["organizations"].queryset = organizations_for(
            self.for_user
        ).order_by("path")

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        unchanged = self.instance.pk and deadline == self.instance.deadline
        if deadline < timezone.localdate() and not unchanged:
            raise forms.ValidationError("截止日期不能早于今天")
        return deadline

    def service_values(self) -> dict:
        """Cleaned values in the shape assign_course/change_assignment take."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
