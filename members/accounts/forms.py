"""Public account forms: activation with a code, password reset request."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm, SetPasswordMixin
from django.template.loader import render_to_string

from ..fields import encrypt_text
from . import codes
from .services import reset_candidates


class ActivationForm(SetPasswordMixin, forms.Form):
    """党员编号 or phone, the code, and the new password twice.

    Only what needs no account is checked here (formats, the two passwords equal,
    the password policy without personal attributes); the view checks the code and
    then the policy against the account, so errors never tell whether it exists."""

    identity = forms.CharField(
        label="党员编号或手机号",
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "characters"}
        ),
    )
    code = forms.CharField(
        label="激活码",
        max_length=20,
        help_text="管理员发给您的 8 位激活码，如 ABCD-EFGH（不区分大小写）",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )
    new_password1, new_password2 = SetPasswordMixin.create_password_fields(
        label1="设置密码", label2="再次输入密码"
    )

    def clean_identity(self):
        return self.cleaned_data["identity"].strip()

    def clean_code(self):
        code = codes.normalise(self.cleaned_data["code"])
        if len(code) != codes.LENGTH:
            raise forms.ValidationError(f"激活码为 {codes.LENGTH} 位字母和数字")
        return code

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(None, "new_password2")
        return super().clean()

    def check_password_for(self, user) -> bool:
        """The policy again, now with the account's own attributes (name, number)."""
        self.validate_password_for_user(user, "new_password2")
        return not self.errors


class ResetRequestForm(PasswordResetForm):
    """Django's reset form: members not yet activated may also get a link, and the
    e-mail goes out in the background (the same answer, in the same time, for every
    address)."""

    def get_users(self, email):
        field = get_user_model().get_email_field_name()
        for user in reset_candidates(email):
            if email.casefold() == str(getattr(user, field)).casefold():
                yield user

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        from .tasks import send_account_mail

        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        send_account_mail.enqueue(to_email, subject, encrypt_text(body))


class EmailChangeForm(forms.Form):
    """A new address, and the current password to show it is the owner asking."""

    new_email = forms.EmailField(
        label="新的电子邮箱",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label="当前密码",
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_new_email(self):
        email = self.cleaned_data["new_email"].strip()
        if email.lower() == (self.user.email or "").lower():
            raise forms.ValidationError("新邮箱与当前邮箱相同。")
        return email

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("当前密码不正确。")
        return password
