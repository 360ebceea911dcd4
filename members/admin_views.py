"""Admin views of the organisation tree and member profiles, limited to the user's scope."""

from collections import Counter
from urllib.parse import urlencode

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn, Column, TitleColumn
from wagtail.admin.views.generic import (
    CreateView,
    DeleteView,
    EditView,
    IndexView,
    InspectView,
)
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.views.reports.audit_logging import (
    LogEntriesView,
    SiteHistoryReportFilterSet,
    get_users_for_filter,
)
from wagtail.admin.widgets.button import HeaderButton

from home.params import id_param

from .audit import may_view_site_history
from .exports import ExportMixin, export_response
from .fields import lookup_digest
from .forms import (
    PARTY_POSTS,
    ImportForm,
    MoveOrganizationForm,
    OrganizationChoiceField,
)
from .importers import (
    EXPORT_HEADERS,
    ImportFileError,
    export_detail,
    export_sheet,
    import_members,
)
from .models import ActivationCode, Member, Organization, SecurityEvent
from .permissions import member_policy, organization_policy
from .phones import normalise_phone
from .reports import forbidden
from .scopes import (
    can_restructure_organization,
    is_site_admin,
    organizations_for,
    scope_root_paths,
)
from .security import record_event
from .services import (
    MemberDataError,
    create_member,
    create_organization,
    delete_member,
    delete_organization,
    grant_admin_scope,
    move_organization,
    organization_emptiness_problem,
    revoke_admin_scope,
    update_member,
    update_organization,
)


class OutOfScope(PermissionDenied):
    """The object exists but lies outside the user's organisation scope."""


def out_of_scope_response(request):
    """A 403 page inside the admin: the object is outside what the user manages."""
    return forbidden(
        request,
        "您没有权限查看或修改这条记录：它不在您管理的党组织范围内。",
        "如需处理其他组织的党员，请联系站点管理员调整您的「组织管理员」范围。",
    )


class ScopedObjectMixin:
    """Loads the view's object only if it lies within the user's scope, else a 403 page."""

    scope_action = "change"

    def setup(self, request, *args, **kwargs):
        self.out_of_scope = False
        try:
            super().setup(request, *args, **kwargs)
        except OutOfScope:
            self.out_of_scope = True

    def dispatch(self, request, *args, **kwargs):
        if self.out_of_scope:
            return out_of_scope_response(request)
        try:
            return super().dispatch(request, *args, **kwargs)
        except OutOfScope:
            return out_of_scope_response(request)

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if not self.permission_policy.user_has_permission_for_instance(
            self.request.user, self.scope_action, obj
        ):
            raise OutOfScope
        return obj


class ChineseCreateMixin:
    """Breadcrumb and heading 新建… (Wagtail's "New: …" has no Chinese translation)."""

    def get_page_subtitle(self):
        return f"新建{self.model._meta.verbose_name}"

    def get_breadcrumbs_items(self):
        items = super().get_breadcrumbs_items()
        items[-1] = {"url": "", "label": self.get_page_subtitle()}
        return items


class ServiceErrorMixin:
    """A create/edit view whose save goes through a members service: the service's
    MemberDataError is shown on the form instead of failing the request."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except MemberDataError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)


class SiteHistoryFilterSet(SiteHistoryReportFilterSet):
    """The user filter lists only the authors of entries the user may see.

    (Wagtail 8.0's report lists the author of every page log entry there.)
    """

    def get_users_queryset(self):
        return get_users_for_filter(self.request.user)


class SiteHistoryView(ExportMixin, LogEntriesView):
    """Wagtail's 站点历史 and its exports; a 403 page for users with nothing to audit.

    The entries themselves are limited by the log models' viewable_by_user
    (members.audit), so the report, its exports and its filters agree. Exports are
    formula-safe and recorded (members.exports).
    """

    filterset_class = SiteHistoryFilterSet

    def export_audit_detail(self, queryset, spreadsheet_format):
        return f"导出站点历史（{spreadsheet_format.upper()}）"

    def dispatch(self, request, *args, **kwargs):
        if not may_view_site_history(request.user):
            return forbidden(
                request,
                "您没有权限查看站点历史：您的账号没有可审阅的内容。",
                "如需查看，请联系站点管理员为您分配角色或组织管理员范围。",
            )
        return super().dispatch(request, *args, **kwargs)


class ScopedHistoryView(ScopedObjectMixin, HistoryView):
    scope_action = "view"


class ScopedUsageView(ScopedObjectMixin, UsageView):
    pass


# Organisations


class TreeTitleColumn(TitleColumn):
    """The organisation's name, indented by its depth below the user's top node."""

    cell_template_name = "members/admin/tree_title_cell.html"

    def __init__(self, *args, base_depth=1, **kwargs):
        super().__init__(*args, **kwargs)
        self.base_depth = base_depth

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["indent"] = max(instance.depth - self.base_depth, 0)
        context["kind"] = instance.kind
        return context


class OrganizationIndexView(IndexView):
    default_ordering = "path"
    paginate_by = 200
    search_fields = ["name", "code"]

    def get_base_queryset(self):
        return organization_policy.instances_user_has_any_permission_for(
            self.request.user, ["view", "change"]
        ).annotate(direct_members=Count("members"))

    def get_valid_orderings(self):
        return ["path"]

    @cached_property
    def subtree_member_counts(self) -> Counter:
        """Members in each organisation and everything below it, keyed by path."""
        totals = Counter()
        rows = (
            Member.objects.in_organizations(organizations_for(self.request.user))
            .values_list("organization__path")
            .annotate(n=Count("id"))
        )
        steplen = Organization.steplen
        for path, n in rows:
            for end in range(steplen, len(path) + 1, steplen):
                totals[path[:end]] += n
        return totals

    @cached_property
    def base_depth(self) -> int:
        if is_site_admin(self.request.user):
            return 1
        paths = scope_root_paths(self.request.user)
        return min((len(p) // Organization.steplen for p in paths), default=1)

    @cached_property
    def columns(self):
        return [
            self._get_title_column_class(TreeTitleColumn)(
                "name",
                label="名称",
                get_url=lambda org: self.get_edit_url(org),
                base_depth=self.base_depth,
            ),
            Column("kind", label="类型", accessor="get_kind_display"),
            Column("code", label="组织编码"),
            Column("direct_members", label="本级党员"),
            Column(
                "total_members",
                label="含下级党员",
                accessor=lambda org: self.subtree_member_counts[org.path],
            ),
        ]

    def get_list_more_buttons(self, instance):
        user = self.request.user
        buttons = []
        if instance.kind != Organization.Kind.GROUP:
            buttons.append(
                MenuItem(
                    "添加下级组织",
                    url=reverse("members_organizations:add") + f"?parent={instance.pk}",
                    icon_name="plus",
                    priority=5,
                )
            )
        buttons.append(
            MenuItem(
                "编辑",
                url=reverse("members_organizations:edit", args=[instance.pk]),
                icon_name="edit",
                priority=10,
            )
        )
        buttons.append(
            MenuItem(
                "查看党员",
                url=reverse("members_members:index") + f"?organization={instance.pk}",
                icon_name="group",
                priority=15,
            )
        )
        buttons.append(
            MenuItem(
                "签发激活码",
                url=reverse("members_activation_organization", args=[instance.pk]),
                icon_name="key",
                priority=17,
            )
        )
        if can_restructure_organization(user, instance):
            buttons.append(
                MenuItem(
                    "移动",
                    url=reverse("members_organizations:move", args=[instance.pk]),
                    icon_name="arrow-right-full",
                    priority=20,
                )
            )
            if not instance.numchild and not instance.direct_members:
                buttons.append(
                    MenuItem(
                        "删除",
                        url=reverse("members_organizations:delete", args=[instance.pk]),
                        icon_name="bin",
                        priority=30,
                    )
                )
        return buttons


class OrganizationCreateView(ServiceErrorMixin, ChineseCreateMixin, CreateView):
    def get_initial(self):
        initial = super().get_initial()
        parent_id = id_param(self.request.GET, "parent")
        if parent_id:
            parent = organizations_for(self.request.user).filter(pk=parent_id).first()
            if parent:
                initial["parent"] = parent
                initial["kind"] = next(
                    (k for k in Organization.Kind.values if parent.can_contain(k)), None
                )
        return initial

    def save_instance(self):
        data = self.form.cleaned_data
        return create_organization(
            name=data["name"],
            kind=data["kind"],
            code=data["code"],
            parent=data.get("parent"),
            by=self.request.user,
        )


class OrganizationEditView(ServiceErrorMixin, ScopedObjectMixin, EditView):
    def save_instance(self):
        data = self.form.cleaned_data
        return update_organization(
            Organization.objects.get(pk=self.object.pk),
            by=self.request.user,
            name=data["name"],
            kind=data["kind"],
            code=data["code"],
        )


class OrganizationDeleteView(ScopedObjectMixin, DeleteView):
    scope_action = "delete"
    template_name = "members/admin/organization_confirm_delete.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["emptiness_problem"] = organization_emptiness_problem(self.object)
        return context

    def delete_action(self):
        delete_organization(self.object, by=self.request.user)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except MemberDataError as exc:
            messages.error(self.request, str(exc))
            return redirect("members_organizations:index")


class OrganizationMoveView(ScopedObjectMixin, WagtailAdminTemplateMixin, FormView):
    """Move a node (and everything below it) under another organisation in scope."""

    model = Organization
    scope_action = "move"
    permission_policy = organization_policy
    form_class = MoveOrganizationForm
    template_name = "members/admin/organization_move.html"
    header_icon = "arrow-right-full"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if not self.out_of_scope:
            try:
                self.object = self.get_object()
            except OutOfScope:
                self.out_of_scope = True

    def get_object(self):
        obj = get_object_or_404(Organization, pk=self.kwargs["pk"])
        if not organization_policy.user_has_permission_for_instance(
            self.request.user, "move", obj
        ):
            raise OutOfScope
        return obj

    def get_page_title(self):
        return f"移动「{self.object.name}」"

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_home"), "label": "首页"},
            {"url": reverse("members_organizations:index"), "label": "党组织"},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(organization=self.object, user=self.request.user)
        return kwargs

    def form_valid(self, form):
        try:
            moved = move_organization(
                self.object, parent=form.cleaned_data["parent"], by=self.request.user
            )
        except MemberDataError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"已将「{moved.name}」移动到「{form.cleaned_data['parent'].name}」之下",
        )
        return redirect("members_organizations:index")


# Members


class OrganizationWithinFilter(django_filters.ModelChoiceFilter):
    field_class = OrganizationChoiceField

    def filter(self, qs, value):
        if value:
            return qs.within(value)
        return qs


def _post_choices():
    posts = list(PARTY_POSTS)
    for post in Member.objects.values_list("party_post", flat=True).distinct():
        if post and post not in posts:
            posts.append(post)
    return [(p, p) for p in posts]


def _organizations_in_scope(request):
    if request is None:
        return Organization.objects.none()
    return organizations_for(request.user).order_by("path")


class MemberFilterSet(WagtailFilterSet):
    organization = OrganizationWithinFilter(
        label="所在党组织（含下级）", queryset=_organizations_in_scope
    )
    party_post = django_filters.ChoiceFilter(label="党内职务", choices=_post_choices)

    class Meta:
        model = Member
        fields = []


def _account_state(member: Member) -> str:
    if member.user.has_usable_password():
        return "已激活"
    return "待激活（激活码有效）" if member.has_live_code else "未激活"


class MemberIndexView(IndexView):
    template_name = "members/admin/member_index.html"
    filterset_class = MemberFilterSet
    list_export = EXPORT_HEADERS
    export_filename = "党员名单"
    search_fields = ["real_name", "member_no"]
    default_ordering = "organization__path"

    def get_base_queryset(self):
        return (
            member_policy.instances_user_has_any_permission_for(
                self.request.user, ["view", "change"]
            )
            .for_listing()
            .annotate(
                has_live_code=Exists(
                    ActivationCode.objects.live().filter(member=OuterRef("pk"))
                )
            )
        )

    def get_valid_orderings(self):
        return [
            "organization__path",
            "-organization__path",
            "real_name",
            "-real_name",
            "joined_party_on",
            "-joined_party_on",
        ]

    def search_queryset(self, queryset):
        if self.is_searching:
            try:
                phone = normalise_phone(self.search_query)
            except ValueError:
                phone = ""
            if phone:
                return queryset.filter(phone_digest=lookup_digest(phone))
        return super().search_queryset(queryset)

    @cached_property
    def columns(self):
        title = self._get_title_column_class(TitleColumn)(
            "real_name",
            label="姓名",
            get_url=lambda m: self.get_edit_url(m) or self.get_inspect_url(m),
            sort_key="real_name",
            get_title_id=lambda m: f"member_{m.pk}_title",
        )
        return [
            BulkActionsCheckboxColumn("bulk_actions", obj_type="member"),
            title,
            Column("member_no", label="党员编号"),
            Column("organization", label="所在党组织", sort_key="organization__path"),
            Column("party_post", label="党内职务"),
            Column("joined_party_on", label="入党日期", sort_key="joined_party_on"),
            Column("masked_phone", label="手机号"),
            Column("account_state", label="账号", accessor=_account_state),
        ]

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if member_policy.user_has_permission_for_instance(
            self.request.user, "change", instance
        ):
            buttons.append(
                MenuItem(
                    "签发激活码"
                    if not instance.user.has_usable_password()
                    else "重置密码",
                    url=reverse(
                        "wagtail_bulk_action",
                        args=["members", "member", "issue_activation"],
                    )
                    + "?"
                    + urlencode(
                        {"id": instance.pk, "next": self.request.get_full_path()}
                    ),
                    icon_name="key",
                    priority=40,
                )
            )
        return buttons

    @cached_property
    def show_export_buttons(self):
        return member_policy.user_has_permission(self.request.user, "change")

    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons.copy()
        for button in buttons:
            if "export=xlsx" in (button.url or ""):
                button.label = "导出 Excel"
            elif "export=csv" in (button.url or ""):
                button.label = "导出 CSV"
        return buttons

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)  # never the base class's shared list
        if member_policy.user_has_permission(self.request.user, "add"):
            buttons.append(
                HeaderButton(
                    "导入", url=reverse("members_members:import"), icon_name="upload"
                )
            )
        return buttons

    def as_spreadsheet(self, queryset, spreadsheet_format):
        if not self.show_export_buttons:
            raise PermissionDenied
        scope = "后台，当前筛选" if self.is_filtering or self.is_searching else "后台"
        return export_response(
            self.request,
            sheets=[export_sheet(queryset)],
            filename="党员名单",
            fmt=spreadsheet_format,
            audit=export_detail(queryset.count(), spreadsheet_format, scope),
        )


def _record_member_change(request, verb: str, member: Member) -> None:
    """A member's personal data changed through the admin: who, from where, whom."""
    record_event(
        request,
        SecurityEvent.Action.MEMBER_CHANGE,
        detail=f"{verb}党员：{member.real_name}（{member.organization.name}）",
    )


class MemberCreateView(ServiceErrorMixin, ChineseCreateMixin, CreateView):
    def save_instance(self):
        member = create_member(**self.form.service_values(), by=self.request.user)
        _record_member_change(self.request, "新增", member)
        return member


class MemberEditView(ServiceErrorMixin, ScopedObjectMixin, EditView):
    def save_instance(self):
        member = update_member(
            Member.objects.get(pk=self.object.pk),
            by=self.request.user,
            **self.form.service_values(),
        )
        _record_member_change(self.request, "修改", member)
        return member


class MemberDeleteView(ScopedObjectMixin, DeleteView):
    scope_action = "delete"

    def delete_action(self):
        delete_member(self.object, by=self.request.user)
        _record_member_change(self.request, "删除", self.object)


class MemberInspectView(ScopedObjectMixin, InspectView):
    scope_action = "view"

    def get_phone_display_value(self):
        return self.object.masked_phone or "-"

    def get_user_display_value(self):
        return self.object.user.get_username()


class SpreadsheetImportView(WagtailAdminTemplateMixin, FormView):
    """Upload a CSV/XLSX file (a SpreadsheetImportForm) and show the per-row report of
    what was imported and refused. Subclasses say who may import (``may_import``),
    where the imported objects are listed (``index_url_name``, ``back_label``), the
    file's columns (``columns``, for the instructions in their template, which extends
    members/admin/import.html) and run the import (``run_import``)."""

    header_icon = "upload"
    index_url_name: str
    index_label: str
    back_label: str
    columns: list[str] = []

    def may_import(self, user) -> bool:
        """Override: whether the user may open the page and import."""
        raise NotImplementedError

    def run_import(self, upload):
        """Override: import the uploaded file, returning its ImportReport (or raising
        ImportFileError for a file that cannot be read at all)."""
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        if not self.may_import(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_home"), "label": "首页"},
            {"url": reverse(self.index_url_name), "label": self.index_label},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["columns"] = self.columns
        context["index_url"] = reverse(self.index_url_name)
        context["back_label"] = self.back_label
        return context

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            report = self.run_import(upload)
        except ImportFileError as exc:
            form.add_error("file", str(exc))
            return self.form_invalid(form)
        (messages.warning if report.failed else messages.success)(
            self.request, report.summary()
        )
        return self.render_to_response(
            self.get_context_data(form=self.form_class(), report=report)
        )


class MemberImportView(SpreadsheetImportView):
    """Upload a CSV/XLSX file; shows the same per-row report as manage.py import_members."""

    form_class = ImportForm
    template_name = "members/admin/member_import.html"
    page_title = "导入党员"
    index_url_name = "members_members:index"
    index_label = "党员"
    back_label = "返回党员列表"
    columns = EXPORT_HEADERS

    def may_import(self, user) -> bool:
        return member_policy.user_has_permission(user, "add")

    def run_import(self, upload):
        report = import_members(upload.read(), upload.name, by=self.request.user)
        record_event(
            self.request,
            SecurityEvent.Action.IMPORT,
            detail=f"导入党员（{upload.name}）：{report.summary()}",
        )
        return report


# 组织管理员


class AdminScopeCreateView(ChineseCreateMixin, CreateView):
    def save_instance(self):
        return grant_admin_scope(
            self.form.cleaned_data["user"],
            self.form.cleaned_data["organization"],
            by=self.request.user,
            request=self.request,
        )


class AdminScopeDeleteView(DeleteView):
    def delete_action(self):
        revoke_admin_scope(self.object, by=self.request.user, request=self.request)
