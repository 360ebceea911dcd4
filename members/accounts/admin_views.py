"""Issuing activation codes in the admin: a bulk action on the member listing, a
per-organisation page, and the sheet that shows the codes once (printable, with an
XLSX copy embedded in the page, so the codes are never stored or served again)."""

import base64

import segno
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.views.generic import FormView
from wagtail.admin.views.bulk_action import BulkAction
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from home.addresses import absolute_url

from ..exports import XLSX_TYPE, Sheet, export_bytes
from ..models import Member, Organization
from ..scopes import can_manage_organization, members_for
from . import services

MAX_SELECTION = 2000


class IssueForm(forms.Form):
    send_email = forms.BooleanField(
        label="有电子邮箱的党员改为邮件发送",
        required=False,
        help_text="勾选后，登记了电子邮箱的党员将收到激活邮件，其余党员的激活码列在打印单上",
    )


class OrganizationIssueForm(IssueForm):
    include_activated = forms.BooleanField(
        label="包括已激活的党员（为其重置密码）",
        required=False,
        help_text="不勾选时只为尚未激活的党员签发；新激活码签发后，旧激活码立即作废",
    )


def refusal_response(request, refusals: list[tuple[Member, str]]):
    """403 page naming the members codes cannot be issued for, and why."""
    return TemplateResponse(
        request,
        "members/admin/activation_refused.html",
        {"page_title": "无法签发激活码", "refusals": refusals},
        status=403,
    )


class IssueActivationBulkAction(BulkAction):
    """Bulk action 签发激活码 on the member listing (one member from its row menu)."""

    display_name = "签发激活码"
    action_type = "issue_activation"
    aria_label = "为选中的党员签发激活码"
    template_name = "members/admin/activation_confirm.html"
    action_priority = 10
    form_class = IssueForm
    models = [Member]

    @classmethod
    def get_queryset(cls, model, object_ids):
        ids = [i for i in object_ids if str(i).isdigit() and len(str(i)) < 16]
        ids = ids[:MAX_SELECTION]
        members = list(
            Member.objects.filter(pk__in=ids)
            .select_related("user", "organization")
            .order_by("organization__path", "real_name")
        )
        if not members:
            raise Http404
        return members

    def get_all_objects_in_listing_query(self, parent_id):
        members = members_for(self.request.user)
        organization = self.request.GET.get("organization", "")
        if organization.isdigit():
            org = Organization.objects.filter(pk=organization).first()
            members = members.within(org) if org else members.none()
        query = self.request.GET.get("q", "").strip()
        if query:
            members = members.filter(real_name__icontains=query) | members.filter(
                member_no__icontains=query
            )
        return members.values_list("pk", flat=True)

    def dispatch(self, request, *args, **kwargs):
        members, _ = self.get_actionable_objects()
        ranks = services.privilege_ranks(
            [m.user_id for m in members] + [request.user.pk]
        )
        refusals = [
            (m, reason)
            for m in members
            if (reason := services.issue_refusal(request.user, m, ranks=ranks))
        ]
        if refusals:
            return refusal_response(request, refusals)
        return super().dispatch(request, *args, **kwargs)

    def get_actionable_objects(self):
        # Every selected member; refusals are answered with a 403 in dispatch.
        object_ids = self.request.GET.getlist("id")
        if "all" in object_ids:
            object_ids = [str(pk) for pk in self.get_all_objects_in_listing_query(None)]
        return self.get_queryset(self.model, object_ids), {"items_with_no_access": []}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_title"] = self.display_name
        context["code_days"] = services.code_lifetime().days
        return context

    def form_valid(self, form):
        members, _ = self.get_actionable_objects()
        try:
            result = services.issue_activation_codes(
                members,
                by=self.request.user,
                request=self.request,
                send_email=form.cleaned_data["send_email"],
            )
        except PermissionDenied as exc:
            return refusal_response(self.request, [(None, str(exc))])
        return code_sheet_response(
            self.request, result, title="激活码", back_url=self.next_url
        )


class OrganizationIssueView(WagtailAdminTemplateMixin, FormView):
    """签发激活码 for every member of an organisation and the organisations below it."""

    form_class = OrganizationIssueForm
    template_name = "members/admin/activation_organization.html"
    header_icon = "key"

    def dispatch(self, request, *args, **kwargs):
        self.organization = get_object_or_404(Organization, pk=kwargs["pk"])
        if not can_manage_organization(request.user, self.organization):
            from ..admin_views import out_of_scope_response

            return out_of_scope_response(request)
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return f"签发激活码：{self.organization.name}"

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_home"), "label": "首页"},
            {"url": reverse("members_organizations:index"), "label": "党组织"},
            {"url": "", "label": self.get_page_title()},
        ]

    @cached_property
    def counts(self) -> dict:
        members = Member.objects.within(self.organization)
        pending, skipped = services.members_for_activation(
            self.organization, by=self.request.user
        )
        return {
            "total": members.count(),
            "pending": len(pending),
            "skipped": skipped,
            "with_email": sum(1 for m in pending if m.user.email),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            organization=self.organization,
            counts=self.counts,
            code_days=services.code_lifetime().days,
        )
        return context

    def form_valid(self, form):
        members, skipped = services.members_for_activation(
            self.organization,
            by=self.request.user,
            include_activated=form.cleaned_data["include_activated"],
        )
        if not members:
            form.add_error(None, "没有需要签发激活码的党员")
            return self.render_to_response(self.get_context_data(form=form), status=400)
        result = services.issue_activation_codes(
            members,
            by=self.request.user,
            request=self.request,
            send_email=form.cleaned_data["send_email"],
        )
        result.skipped = skipped
        return code_sheet_response(
            self.request,
            result,
            title=f"{self.organization.name}激活码",
            back_url=reverse("members_organizations:index"),
            organization=self.organization,
        )


# The sheet


def _qr_svg(link: str) -> str:
    return segno.make(link, error="m").svg_inline(
        scale=3, border=2, svgclass="code-card__qr", lineclass=None, omitsize=False
    )


CODE_SHEET_HEADINGS = [
    "姓名", "党员编号", "登录账号", "所在党组织", "激活码", "有效期至", "激活网址",
]  # fmt: skip


def codes_xlsx(result: services.IssueResult) -> bytes:
    """The printed codes as a spreadsheet: one row per member."""
    address = services.activation_link()
    rows = (
        [
            issued.member.real_name,
            issued.member.member_no or "",
            issued.member.user.get_username(),
            issued.member.organization.name,
            issued.code,
            f"{timezone.localtime(issued.expires_at):%Y-%m-%d %H:%M}",
            address,
        ]
        for issued in result.printed
    )
    sheet = Sheet(
        CODE_SHEET_HEADINGS,
        rows,
        title="激活码",
        widths=[10, 14, 16, 24, 14, 18, 40],
        freeze_header=True,
    )
    return export_bytes([sheet], "xlsx")


def code_sheet_response(
    request,
    result: services.IssueResult,
    *,
    title: str,
    back_url: str,
    organization=None,
):
    """The one page that ever shows these codes: cards to print and cut, the XLSX as
    a download inside the page; never cached, never stored."""
    cards = [
        {
            "issued": issued,
            "qr": mark_safe(_qr_svg(issued.link)),  # noqa: S308 - segno's own SVG markup
        }
        for issued in result.printed
    ]
    xlsx = codes_xlsx(result) if result.printed else b""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    context = {
        "title": title,
        "result": result,
        "cards": cards,
        "back_url": back_url,
        "organization": organization,
        "site_url": absolute_url("/").rstrip("/"),
        "site_name": services.site_name(),
        "activate_url": services.activation_link(),
        "xlsx_href": f"data:{XLSX_TYPE};base64,{base64.b64encode(xlsx).decode()}"
        if xlsx
        else "",
        "xlsx_name": f"{title}-{stamp}.xlsx",
    }
    response = TemplateResponse(request, "members/admin/activation_sheet.html", context)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response
