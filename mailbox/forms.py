"""Public forms: writing a letter, tracking it, rating it, posting on the board."""

import re

from django import forms
from django.conf import settings
from django.core.validators import validate_email

from home.honeypot import HoneypotMixin
from members import tracked_views

from .models import BoardCategory, LetterType, Mailbox, Satisfaction
from .services import MAX_ATTACHMENTS, attachment_limit
from .uploads import UploadRejected, check_upload, size_text

PHONE_RE = re.compile(r"^[0-9+\-() ]{7,20}$")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Up to three files, each checked by content (see mailbox.uploads)."""

    widget = MultipleFileInput(
        attrs={
            "accept": ".pdf,.jpg,.jpeg,.png,.docx,application/pdf,image/jpeg,image/png"
        }
    )

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            files = [f for f in data if f]
        else:
            files = [data] if data else []
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(f"附件最多 {MAX_ATTACHMENTS} 个。")
        checked, errors = [], []
        limit = attachment_limit()
        for upload in files:
            try:
                if upload.size > limit:
                    raise UploadRejected(
                        f"附件“{upload.name}”超过 {size_text(limit)}。"
                    )
                checked.append(
                    check_upload(upload.name, upload.read(), max_bytes=limit)
                )
            except UploadRejected as exc:
                errors.append(str(exc))
        if errors:
            raise forms.ValidationError(errors)
        return checked


class LetterForm(HoneypotMixin, forms.Form):
    mailbox = forms.ModelChoiceField(
        label="信箱", queryset=Mailbox.objects.filter(is_active=True), empty_label=None
    )
    letter_type = forms.ChoiceField(
        label="来信类型", choices=LetterType.choices, widget=forms.RadioSelect
    )
    subject = forms.CharField(label="标题", max_length=40)
    content = forms.CharField(
        label="内容", max_length=3000, widget=forms.Textarea(attrs={"rows": 10})
    )
    attachments = AttachmentsField(label="附件", required=False)
    real_name = forms.CharField(label="真实姓名", max_length=30, required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    email = forms.CharField(label="电子邮箱", max_length=100, required=False)
    consent_public = forms.BooleanField(
        label="同意公开：答复后可隐去个人信息，在“来信选登”中公开来信和答复",
        required=False,
    )
    privacy = forms.BooleanField(
        label="我已阅读并同意上述个人信息保护说明",
        error_messages={"required": "请阅读并同意个人信息保护说明。"},
    )
    submission_token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = (
            f"最多 {MAX_ATTACHMENTS} 个，支持 PDF、JPG、PNG、DOCX，"
            f"每个不超过 {size_text(attachment_limit())}。"
        )

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE_RE.match(phone):
            raise forms.ValidationError("请填写正确的电话号码。")
        return phone

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if email:
            try:
                validate_email(email)
            except forms.ValidationError as exc:
                raise forms.ValidationError("请填写正确的电子邮箱。") from exc
        return email

    def clean(self):
        data = super().clean()
        if data.get("letter_type") and data["letter_type"] != LetterType.SUGGEST:
            if not data.get("real_name", "").strip():
                self.add_error("real_name", "请填写真实姓名（建议类来信可不填）。")
            if not (data.get("phone") or data.get("email")):
                self.add_error("phone", "请填写电话或电子邮箱（建议类来信可不填）。")
        return data


class TrackForm(tracked_views.TrackForm):
    number_label = "信件编号"


class RatingForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label="您对答复是否满意", choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="意见（可选）",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FollowUpForm(forms.Form):
    question = forms.CharField(
        label="追问（每封信可追问一次）",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class BoardMessageForm(HoneypotMixin, forms.Form):
    category = forms.ModelChoiceField(
        label="分类", queryset=BoardCategory.objects.all(), empty_label=None
    )
    title = forms.CharField(label="标题", max_length=40)
    body = forms.CharField(
        label="内容",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="不超过 1000 字，仅支持纯文本，链接不会显示为可点击。",
    )
    anonymous = forms.BooleanField(
        label="匿名显示（前台不显示姓名，后台仍按实名登记）", required=False
    )


class ReportForm(forms.Form):
    reason = forms.CharField(label="举报理由", max_length=200)


class AppealForm(forms.Form):
    text = forms.CharField(
        label="申诉理由", max_length=500, widget=forms.Textarea(attrs={"rows": 4})
    )


def retention_years() -> str:
    days = settings.PORTAL_MAILBOX_RETENTION_DAYS
    if days % 365 == 0:
        return f"{days // 365} 年"
    return f"{days} 天"
