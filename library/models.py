"""Policy-document library: the library index page, documents, attachments, taxonomy."""

from __future__ import annotations

import html
import re

from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    InlinePanel,
    MultiFieldPanel,
)
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from library.metadata import DOC_TYPES, parse_doc_number
from library.panels import ExtractionStatusPanel

_TAG_RE = re.compile(r"<[^>]*>")
_BLOCK_END_RE = re.compile(
    r"</(?:p|h[1-6]|li|div|blockquote)>|<br\s*/?>", re.IGNORECASE
)


class Validity(models.TextChoices):
    """效力: whether a document is still in force."""

    CURRENT = "现行有效", "现行有效"
    AMENDED = "已修改", "已修改"
    REPEALED = "已废止", "已废止"
    EXPIRED = "失效", "失效"


DocType = models.TextChoices("DocType", [(t, t) for t in DOC_TYPES])


class PolicyCategory(models.Model):
    """主题分类: a two-level taxonomy (top-level topics and their sub-topics)."""

    name = models.CharField("名称", max_length=60)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级分类",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        limit_choices_to={"parent__isnull": True},
        help_text="留空表示一级分类；二级分类须选择一级分类。",
    )
    sort_order = models.PositiveIntegerField("排序", default=0)

    panels = [FieldPanel("name"), FieldPanel("parent"), FieldPanel("sort_order")]

    class Meta:
        verbose_name = "主题分类"
        verbose_name_plural = "主题分类"
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="library_category_unique_name"
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(parent__isnull=True),
                name="library_category_unique_top_name",
            ),
        ]

    def __str__(self) -> str:
        return self.path_label

    @property
    def path_label(self) -> str:
        """经济/财政 for a sub-topic, 经济 for a top-level topic."""
        return f"{self.parent.name}/{self.name}" if self.parent_id else self.name

    def facet_values(self) -> list[str]:
        """Values indexed for the category facet: the topic and, for a sub-topic, its parent."""
        if self.parent_id:
            return [self.parent.name, self.path_label]
        return [self.name]

    def clean(self):
        if self.parent_id and self.parent.parent_id:
            raise ValidationError(
                {"parent": "主题分类最多两级：上级分类必须是一级分类。"}
            )
        if self.pk and self.parent_id and self.children.exists():
            raise ValidationError(
                {"parent": "该分类下已有二级分类，不能再设为二级分类。"}
            )


class PolicyLibraryPage(Page):
    """文件库: lists, filters and searches the policy documents below it."""

    intro = RichTextField("导语", blank=True, features=["bold", "link"])
    per_page = models.PositiveSmallIntegerField("每页条数", default=20)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    settings_panels = [*Page.settings_panels, FieldPanel("per_page")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["library.PolicyDocumentPage"]
    max_count = 1

    class Meta:
        verbose_name = "文件库"

    def serve(self, request, *args, **kwargs):
        from .page_search import serve_library

        return serve_library(self, request)


class PolicyDocumentQuerySet(PageQuerySet):
    def for_listing(self):
        return self.select_related("category__parent")

    def for_indexing(self):
        return self.select_related("category__parent").prefetch_related(
            "attachments__document", "attachments__document__policy_text"
        )


PolicyDocumentManager = PageManager.from_queryset(PolicyDocumentQuerySet)


class PolicyDocumentPage(Page):
    """One policy document with the metadata a government document library keeps."""

    doc_number = models.CharField(
        "发文字号",
        max_length=120,
        blank=True,
        help_text="如 国发〔2016〕31号、中华人民共和国国务院令第614号；保存时自动拆分。",
    )
    doc_number_prefix = models.CharField(
        "机关代字", max_length=100, blank=True, db_index=True, editable=False
    )
    doc_number_year = models.PositiveSmallIntegerField(
        "发文年份", null=True, blank=True, db_index=True, editable=False
    )
    doc_number_serial = models.PositiveIntegerField(
        "发文序号", null=True, blank=True, editable=False
    )
    issuer = models.CharField("发文机关", max_length=120, blank=True, db_index=True)
    written_date = models.DateField("成文日期", null=True, blank=True)
    publish_date = models.DateField("发布日期", null=True, blank=True, db_index=True)
    doc_type = models.CharField(
        "公文种类",
        max_length=10,
        choices=DocType.choices,
        default="其他",
        db_index=True,
    )
    level = models.CharField(
        "效力级别",
        max_length=20,
        blank=True,
        help_text="如 法律、行政法规、部门规章、地方性法规、党内法规。",
    )
    category = models.ForeignKey(
        PolicyCategory,
        verbose_name="主题分类",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
    )
    validity = models.CharField(
        "效力",
        max_length=10,
        choices=Validity.choices,
        default=Validity.CURRENT,
        db_index=True,
    )
    index_number = models.CharField("索引号", max_length=60, blank=True)
    external_id = models.CharField(
        "外部编号",
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        help_text="导入来源中的编号；重复导入时据此更新。",
    )
    history = models.TextField(
        "沿革", blank=True, help_text="每行一条，如：2011年4月16日 国务院令第596号公布"
    )
    body = RichTextField(
        "正文",
        blank=True,
        features=["h2", "h3", "bold", "italic", "ol", "ul", "link", "hr"],
    )
    import_hash = models.CharField(max_length=40, blank=True, editable=False)

    objects = PolicyDocumentManager()

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("doc_number"), FieldPanel("index_number")]),
                FieldRowPanel([FieldPanel("issuer"), FieldPanel("level")]),
                FieldRowPanel([FieldPanel("written_date"), FieldPanel("publish_date")]),
                FieldRowPanel([FieldPanel("doc_type"), FieldPanel("validity")]),
                FieldPanel("category"),
            ],
            heading="文件信息",
        ),
        FieldPanel("history"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                HelpPanel(
                    "支持 PDF、DOCX、TXT。附件上传后在后台提取文字并纳入全文检索，"
                    "失败的可在“文件库 → 附件文字提取”中查看原因并重新提取。"
                ),
                InlinePanel("attachments", label="附件"),
                ExtractionStatusPanel(heading="文字提取状态"),
            ],
            heading="附件",
        ),
    ]
    promote_panels = [*Page.promote_panels, FieldPanel("external_id")]

    search_fields = [
        *Page.search_fields,
        index.SearchField("doc_number"),
        index.FilterField("issuer"),
        index.AutocompleteField("doc_number"),
    ]

    parent_page_types = ["library.PolicyLibraryPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "政策文件"
        verbose_name_plural = "政策文件"

    def get_context(self, request, *args, **kwargs):
        from django.utils.html import escape
        from django.utils.safestring import mark_safe
        from wagtail.rich_text import expand_db_html

        from home.params import text_param
        from library.highlighting import highlight_html, terms_for

        context = super().get_context(request, *args, **kwargs)
        query = text_param(request.GET, "q", max_length=50) or text_param(
            request.GET, "highlight", max_length=50
        )
        terms = terms_for(query)
        body, count = highlight_html(expand_db_html(self.body or ""), terms)
        title, _ = highlight_html(escape(self.title), terms)
        attachments = list(
            self.attachments.select_related("document", "document__policy_text")
        )
        matches = []
        if terms:
            from search.highlight import snippet

            for attachment in attachments:
                extracted = getattr(attachment.document, "policy_text", None)
                if attachment.text_in_body or not extracted or not extracted.text:
                    continue
                text = snippet(extracted.text, terms, size=160)
                if "<mark>" in text:
                    matches.append((attachment, mark_safe(text)))  # noqa: S308
        context.update(
            body_html=mark_safe(body),  # noqa: S308 - escaped by highlight_html
            title_html=mark_safe(title.replace(' id="hl-', ' data-n="')),  # noqa: S308
            highlight_query=" ".join(query.split())[:100].strip('"“”「」 ')
            if terms
            else "",
            highlight_count=count,
            attachments=attachments,
            attachment_matches=matches,
            library=self.get_parent(),
        )
        return context

    def clean(self):
        super().clean()
        if self.doc_number and not parse_doc_number(self.doc_number):
            raise ValidationError(
                {
                    "doc_number": "无法识别的发文字号，应形如 国发〔2016〕31号 或 …令第614号。"
                }
            )
        if (
            self.written_date
            and self.publish_date
            and self.written_date > self.publish_date
        ):
            raise ValidationError({"written_date": "成文日期不能晚于发布日期。"})
        if not self.external_id:
            self.external_id = None

    def save(self, *args, **kwargs):
        self.apply_doc_number()
        return super().save(*args, **kwargs)

    def apply_doc_number(self) -> None:
        """Keep the prefix/year/serial columns and the display form in step."""
        parsed = parse_doc_number(self.doc_number)
        if parsed:
            self.doc_number = parsed.display
            self.doc_number_prefix = parsed.prefix
            self.doc_number_year = parsed.year
            self.doc_number_serial = parsed.number
        else:
            self.doc_number_prefix = ""
            self.doc_number_year = None
            self.doc_number_serial = None

    @property
    def year(self) -> int | None:
        day = self.publish_date or self.written_date
        return day.year if day else self.doc_number_year

    @property
    def history_lines(self) -> list[str]:
        return [line.strip() for line in self.history.splitlines() if line.strip()]

    @property
    def validity_modifier(self) -> str:
        return {
            Validity.CURRENT: "current",
            Validity.AMENDED: "amended",
            Validity.REPEALED: "repealed",
            Validity.EXPIRED: "expired",
        }.get(self.validity, "current")

    def body_text(self) -> str:
        """The body as plain text, one paragraph per line."""
        text = _BLOCK_END_RE.sub("\n", self.body or "")
        return html.unescape(_TAG_RE.sub("", text)).replace("\xa0", " ").strip()


class PolicyAttachment(Orderable):
    """An attached file of a document (PDF, DOCX or TXT); its text is searchable."""

    page = ParentalKey(
        PolicyDocumentPage, on_delete=models.CASCADE, related_name="attachments"
    )
    document = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name="文件",
        on_delete=models.CASCADE,
        related_name="+",
    )
    title = models.CharField(
        "显示名称", max_length=200, blank=True, help_text="留空则使用文档标题。"
    )
    text_in_body = models.BooleanField(
        "正文取自此附件",
        default=False,
        help_text="勾选后检索时不再重复计入该附件的文字。",
    )

    panels = [FieldPanel("document"), FieldPanel("title"), FieldPanel("text_in_body")]

    class Meta(Orderable.Meta):
        verbose_name = "附件"
        verbose_name_plural = "附件"

    @property
    def display_title(self) -> str:
        return self.title or self.document.title


class ExtractionStatus(models.TextChoices):
    PENDING = "pending", "等待提取"
    RUNNING = "running", "提取中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class AttachmentTextQuerySet(models.QuerySet):
    def failed(self):
        return self.filter(status=ExtractionStatus.FAILED)


class AttachmentText(models.Model):
    """Text extracted from one uploaded file; kept outside page revisions on purpose."""

    document = models.OneToOneField(
        "wagtaildocs.Document",
        verbose_name="文件",
        on_delete=models.CASCADE,
        related_name="policy_text",
    )
    status = models.CharField(
        "状态",
        max_length=10,
        choices=ExtractionStatus.choices,
        default=ExtractionStatus.PENDING,
        db_index=True,
    )
    kind = models.CharField("识别的类型", max_length=10, blank=True)
    file_hash = models.CharField("文件摘要", max_length=64, blank=True)
    text = models.TextField("提取的文字", blank=True)
    pages = models.PositiveIntegerField("页数", null=True, blank=True)
    encoding = models.CharField("文字编码", max_length=20, blank=True)
    error = models.TextField("错误原因", blank=True)
    truncated = models.BooleanField("文字已截断", default=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = AttachmentTextQuerySet.as_manager()

    class Meta:
        verbose_name = "附件文字提取"
        verbose_name_plural = "附件文字提取"
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"{self.document.title}({self.get_status_display()})"

    @property
    def text_length(self) -> int:
        return len(self.text)
