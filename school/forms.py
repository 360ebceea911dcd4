"""Admin form of the Video snippet: ffprobe runs on the upload before anything is saved."""

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

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
