"""Public account pages: activation with a code, password reset by e-mail, change."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, TemplateView

from home.addresses import absolute_url

from ..models import SecurityEvent
from ..security import record_event
from . import email_change, services
from .forms import ActivationForm, EmailChangeForm, ResetRequestForm
from .middleware import forget_password_flag

LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


class BadInputStatusMixin:
    """A form sent back with errors answers 400, not 200."""

    def form_invalid(self, form, status=400):
        return self.render_to_response(self.get_context_data(form=form), status=status)


@method_decorator([sensitive_post_parameters(), never_cache], name="dispatch")
class ActivateView(BadInputStatusMixin, FormView):
    """/accounts/activate/: 党员编号 or phone + code → the member's own password."""

    form_class = ActivationForm
    template_name = "members/accounts/activate.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["code_days"] = services.code_lifetime().days
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        limits = services.activation_limits(self.request, data["identity"])
        if not services.acquire(limits):
            form.add_error(None, services.rate_limited_message(limits))
            return self.form_invalid(form, status=429)
        activation = services.find_activation(
            data["identity"], data["code"], request=self.request
        )
        if activation is None:
            return self.failed(form)
        if not form.check_password_for(activation.member.user):
            services.release(limits)  # a right code: only the password needs fixing
            return self.form_invalid(form)
        try:
            user = services.activate_account(
                activation, data["new_password1"], request=self.request
            )
        except services.ActivationFailed:
            return self.failed(form)
        services.succeeded(limits)
        login(self.request, user, backend=LOGIN_BACKEND)
        messages.success(
            self.request,
            f"账号已激活，欢迎您！今后请用账号「{user.get_username()}」和新密码登录。",
        )
        return redirect(services.landing_url())

    def failed(self, form):
        form.add_error(None, services.ACTIVATION_FAILED_MESSAGE)
        return self.form_invalid(form)


class ResetRequestView(BadInputStatusMixin, auth_views.PasswordResetView):
    """Django's reset request: rate limited, the same answer for every address."""

    form_class = ResetRequestForm
    template_name = "members/accounts/password_reset_form.html"
    email_template_name = "members/accounts/email/password_reset.txt"
    subject_template_name = "members/accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("members:password_reset_done")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        limits = services.reset_request_limits(self.request, email)
        if not services.acquire(limits):
            form.add_error(None, services.rate_limited_message(limits))
            return self.form_invalid(form, status=429)
        users = list(form.get_users(email))
        record_event(
            self.request,
            SecurityEvent.Action.RESET_REQUESTED,
            user=users[0] if len(users) == 1 else None,
            username=users[0].get_username() if len(users) == 1 else "",
            success=bool(users),
            detail=(
                f"申请向 {services.mask_email(email)} 发送重置链接："
                + (f"发往 {len(users)} 个账号" if users else "无对应账号，未发送")
            )[:255],
        )
        self.extra_email_context = {
            "site_url": absolute_url("/").rstrip("/"),
            "site_name": services.site_name(),
            "hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600),
        }
        return super().form_valid(form)


class ResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "members/accounts/password_reset_done.html"


class ResetConfirmView(BadInputStatusMixin, auth_views.PasswordResetConfirmView):
    template_name = "members/accounts/password_reset_confirm.html"
    success_url = reverse_lazy("members:password_reset_complete")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            services.password_set_by_owner(
                self.user,
                request=self.request,
                action=SecurityEvent.Action.PASSWORD_RESET,
                detail="通过邮件链接设置新密码",
            )
        return response


class ResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "members/accounts/password_reset_complete.html"


class ChangeView(BadInputStatusMixin, auth_views.PasswordChangeView):
    """Every signed-in user's password change; also where a forced change happens."""

    template_name = "members/accounts/password_change_form.html"
    success_url = reverse_lazy("members:password_change_done")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["must_change"] = services.password_must_change(self.request.user)
        return context

    def post(self, request, *args, **kwargs):
        self.limits = services.password_change_limits(request, request.user)
        if not services.acquire(self.limits):
            form = self.form_class(user=request.user)
            form.cleaned_data = {}  # not validated: the current password is not checked
            form.add_error(None, services.rate_limited_message(self.limits))
            return self.form_invalid(form, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form, status=400):
        if status == 400 and "old_password" not in form.errors:
            services.release(self.limits)  # the current password was right
        return super().form_invalid(form, status=status)

    def form_valid(self, form):
        services.succeeded(self.limits)
        with transaction.atomic():
            response = super().form_valid(form)
            services.password_set_by_owner(
                self.request.user,
                request=self.request,
                action=SecurityEvent.Action.PASSWORD_CHANGE,
                detail="本人修改密码",
            )
        forget_password_flag(self.request)
        return response


class ChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "members/accounts/password_change_done.html"


@method_decorator([sensitive_post_parameters(), never_cache], name="dispatch")
class EmailChangeView(LoginRequiredMixin, FormView):
    """Ask for a new address; a signed link goes to it (members.accounts.email_change)."""

    form_class = EmailChangeForm
    template_name = "members/accounts/email_change.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def post(self, request, *args, **kwargs):
        self.limits = services.password_change_limits(request, request.user)
        if not services.acquire(self.limits):
            form = self.get_form_class()(request.user)
            form.cleaned_data = {}
            form.add_error(None, services.rate_limited_message(self.limits))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if "password" not in form.errors:
            services.release(self.limits)
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form):
        services.succeeded(self.limits)
        mails = email_change.request_limits(self.request.user)
        if not services.acquire(mails):
            form.add_error(None, services.rate_limited_message(mails))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        new_email = form.cleaned_data["new_email"]
        email_change.request_change(self.request.user, new_email, request=self.request)
        return self.render_to_response(self.get_context_data(sent_to=new_email))


@method_decorator(never_cache, name="dispatch")
class EmailConfirmView(LoginRequiredMixin, TemplateView):
    """The link from the mail: shows the new address, changes it on POST."""

    template_name = "members/accounts/email_confirm.html"

    def get(self, request, token: str):
        try:
            new_email = email_change.read_token(token, request.user)
        except email_change.EmailChangeFailed as exc:
            return self.render_to_response({"error": str(exc)}, status=400)
        return self.render_to_response({"new_email": new_email})

    def post(self, request, token: str):
        try:
            email_change.confirm_change(token, request.user, request=request)
        except email_change.EmailChangeFailed as exc:
            return self.render_to_response({"error": str(exc)}, status=400)
        messages.success(request, "电子邮箱已修改。")
        return redirect("me")
