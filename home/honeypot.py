"""The anti-spam field of the public forms (letters, board posts, notice feedback).

A field that people never reach: moved off screen by CSS, `inert` in the template (no
keyboard focus, nothing for assistive technology), no tab stop and no autofill. Bots
that fill every field fill it in. A submission with it filled is never stored and
never dropped in silence either: the form comes back with everything the sender
wrote, the field emptied and a message saying to send it again, so a person whose
browser filled it in anyway loses nothing.

Templates render the field with ``{% include "includes/honeypot.html" %}``.
"""

from django import forms

HONEYPOT_MESSAGE = (
    "提交没有成功：表单里有一栏应当留空（可能是浏览器自动填入的），现已清空。"
    "您填写的内容都还在，请核对后再次提交。"
)


class HoneypotMixin(forms.Form):
    website = forms.CharField(
        label="网址（请勿填写）",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean(self):
        data = super().clean()
        if self.data.get("website"):
            # Shown again emptied, so that sending the form once more goes through.
            self.data = self.data.copy()
            self.data["website"] = ""
            raise forms.ValidationError(HONEYPOT_MESSAGE, code="honeypot")
        return data
