"""StreamField blocks for news article bodies."""

from wagtail import blocks
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

PARAGRAPH_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "hr"]


class CaptionedImageBlock(blocks.StructBlock):
    """An image in the body: alt text is required, the caption is shown under it."""

    image = ImageChooserBlock(label="图片")
    alt = blocks.CharBlock(
        label="替代文字",
        max_length=200,
        help_text="必填:用一句话描述图片内容,供读屏软件和图片无法显示时使用",
    )
    caption = blocks.CharBlock(label="图片说明", max_length=200, required=False)

    class Meta:
        icon = "image"
        label = "图片"
        template = "news/blocks/captioned_image.html"


class QuoteBlock(blocks.StructBlock):
    """A highlighted quotation with its source."""

    text = blocks.TextBlock(label="引文", max_length=1000)
    attribution = blocks.CharBlock(label="出处", max_length=100, required=False)

    class Meta:
        icon = "openquote"
        label = "引文"
        template = "news/blocks/quote.html"


class AttachmentBlock(blocks.StructBlock):
    """A downloadable document (notice forms, slides) listed in the body."""

    document = DocumentChooserBlock(label="附件")
    title = blocks.CharBlock(
        label="显示名称", max_length=120, required=False, help_text="留空则用文档标题"
    )

    class Meta:
        icon = "doc-full"
        label = "附件"
        template = "news/blocks/attachment.html"


class NewsTableBlock(TableBlock):
    """A simple table (e.g. a schedule in a notice)."""

    class Meta:
        icon = "table"
        label = "表格"
        template = "news/blocks/table.html"


class NewsBodyBlock(blocks.StreamBlock):
    """What an article body may contain."""

    paragraph = blocks.RichTextBlock(label="正文段落", features=PARAGRAPH_FEATURES)
    image = CaptionedImageBlock()
    quote = QuoteBlock()
    attachment = AttachmentBlock()
    table = NewsTableBlock(
        table_options={
            "contextMenu": [
                "row_above",
                "row_below",
                "col_left",
                "col_right",
                "remove_row",
                "remove_col",
                "undo",
                "redo",
            ],
            "language": "zh-CN",
        }
    )

    class Meta:
        block_counts = {}
