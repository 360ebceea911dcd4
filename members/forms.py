"""Admin forms: organisations, members, moving a node, uploading an import file."""

from django import forms
from django.contrib.auth import get_user_model
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.widgets import AdminDateInput

from .models import AdminScope, Member, Organization
from .phones import normalise_phone
from .scopes import is_site_admin, organizations_for
from .services import identity_conflicts

MAX_IMPORT_BYTES = 10 * 1024 * 1024
PARTY_POSTS = [
    "书记",
    "副书记",
    "组织委员",
    "宣传委员",
    "纪检委员",
    "青年委员",
    "党小组长",
    "党员",
]


class OrganizationChoiceField(forms.ModelChoiceField):
    """Organisations labelled with their place in the tree."""

    def label_from_instance(self, obj):
        return f"{'　' * (obj.depth - 1)}{obj.name}（{obj.get_kind_display()}）"


class OrganizationForm(WagtailAdminModelForm):
    """Create form: the parent comes from the user's scope (top level: site admins)."""

    parent = OrganizationChoiceField(
        label="上级组织",
        queryset=Organization.objects.none(),
        required=False,
        help_text="新组织设在哪个组织之下",
    )

    class Meta:
        model = Organization
        fields = ["name", "kind", "code"]

    field_order = ["parent", "name", "kind", "code"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = organizations_for(self.for_user).order_by(
            "path"
        )
        if not is_site_admin(self.for_user):
            self.fields["parent"].required = True
        else:
            self.fields["parent"].empty_label = "（无，作为顶级组织）"

    def clean(self):
        data = super().clean()
        parent, kind = data.get("parent"), data.get("kind")
        if parent and kind and not parent.can_contain(kind):
            self.add_error(
                "kind",
                f"「{parent.get_kind_display()}」下不能设立「{Organization.Kind(kind).label}」",
            )
        return data


class OrganizationEditForm(WagtailAdminModelForm):
    class Meta:
        model = Organization
        fields = ["name", "kind", "code"]


class MoveOrganizationForm(forms.Form):
    parent = OrganizationChoiceField(
        label="移动到", queryset=Organization.objects.none()
    )

    def __init__(self, *args, organization: Organization, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["parent"].queryset = (
            organizations_for(user)
            .exclude(path__startswith=organization.path)
            .order_by("path")
        )

    def clean_parent(self):
        parent = self.cleaned_data["parent"]
        if not parent.can_contain(self.organization.kind):
            raise forms.ValidationError(
                f"「{parent.get_kind_display()}」下不能设立"
                f"「{self.organization.get_kind_display()}」"
            )
        return parent


class MemberForm(WagtailAdminModelForm):
    """Profile form; the phone is shown in full here only, for those who may edit."""

    organization = OrganizationChoiceField(
        label="所在党组织", queryset=Organization.objects.none()
    )
    phone = forms.CharField(label="手机号", required=False, max_length=20)
    email = forms.EmailField(
        label="电子邮箱",
        required=False,
        help_text="可选：用于接收激活邮件和自助找回密码",
    )

    class Meta:
        model = Member
        fields = [
            "real_name",
            "member_no",
            "organization",
            "party_post",
            "joined_party_on",
            "phone",
        ]
        widgets = {
            "joined_party_on": AdminDateInput,
        }
        help_texts = {
            "member_no": "新建时用作登录账号；没有编号时用手机号登录",
            "party_post": "如：" + "、".join(PARTY_POSTS),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations_for(
            self.for_user
        ).order_by("path")
        if self.instance.pk and not self.is_bound:
            self.initial["email"] = self.instance.user.email

    def clean_phone(self):
        try:
            return normalise_phone(self.cleaned_data["phone"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_member_no(self):
        return (self.cleaned_data.get("member_no") or "").strip() or None

    def clean_joined_party_on(self):
        from .importers import parse_join_date

        value = self.cleaned_data.get("joined_party_on")
        try:
            return parse_join_date(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean(self):
        data = super().clean()
        instance = self.instance if self.instance.pk else None
        for problem in identity_conflicts(
            member_no=data.get("member_no") or "",
            phone=data.get("phone") or "",
            instance=instance,
        ):
            self.add_error(None, problem)
        return data

    def service_values(self) -> dict:
        """Cleaned values in the shape create_member/update_member take."""
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        values["member_no"] = values["member_no"] or ""
        values["email"] = self.cleaned_data.get("email") or ""
        return values


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        member = getattr(obj, "member", None)
        return (
            f"{obj.get_username()}({member.real_name})"
            if member
            else obj.get_username()
        )


class AdminScopeForm(WagtailAdminModelForm):
    """Appoint a 组织管理员: an active account and the organisation they manage."""

    user = UserChoiceField(
        label="账号",
        queryset=get_user_model()
        .objects.filter(is_active=True)
        .select_related("member")
        .order_by("username"),
    )
    organization = OrganizationChoiceField(
        label="管理的党组织",
        queryset=Organization.objects.all(),
        help_text="该账号可管理此组织及其全部下级的党员和组织",
    )

    class Meta:
        model = AdminScope
        fields = ["user", "organization"]


class SpreadsheetImportForm(forms.Form):
    """The upload of an admin import (members.admin_views.SpreadsheetImportView): a
    CSV or XLSX file of at most MAX_IMPORT_BYTES. Subclasses label ``file``."""

    file = forms.FileField()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError("只支持 CSV 或 XLSX 文件")
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                f"文件超过 {MAX_IMPORT_BYTES // (1024 * 1024)} MB，请分批导入"
            )
        return upload


class ImportForm(SpreadsheetImportForm):
    file = forms.FileField(
        label="党员名单文件",
        help_text="CSV（UTF-8 或 GB18030 编码）或 Excel .xlsx，第一行为表头",
    )
