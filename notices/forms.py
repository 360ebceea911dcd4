"""Public forms: sending feedback on a notice and tracking it."""

from django import forms

from home.honeypot import HoneypotMixin
from members import tracked_views


class FeedbackForm(HoneypotMixin, forms.Form):
    real_name = forms.CharField(label="真实姓名", max_length=30)
    contact = forms.CharField(
        label="联系电话或电子邮箱",
        max_length=100,
        help_text="仅供答复和核实使用，不会公开。",
    )
    content = forms.CharField(
        label="意见内容",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class TrackForm(tracked_views.TrackForm):
    number_label = "反馈编号"
