"""Admin screens: writing an article, bad uploads, the publishing statistics report."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.test.utils.form_data import (
    inline_formset,
    nested_form_data,
    rich_text,
    streamfield,
)

from news.models import NewsArticlePage
from tests.members.factories import MemberFactory, make_staff_user
from tests.news.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def publicist(branch):
    user = make_staff_user("宣传员")
    MemberFactory(user=user, organization=branch, real_name="李宣传")
    return user


def article_form(columns, **overrides):
    data = {
        "title": "第一党支部开展主题党日活动",
        "slug": "",
        "subtitle": "",
        "summary": "支部组织党员重温入党誓词。",
        "body": streamfield([("paragraph", rich_text("<p>活动内容。</p>"))]),
        "column": columns["jiceng"].pk,
        "branch": "",
        "author": "李宣传",
        "source": "第一党支部",
        "tags": "主题党日",
        "comments": inline_formset([]),
        "carousel_items": inline_formset([]),
    }
    data.update(overrides)
    return nested_form_data(data)


def add_url(news_index):
    return reverse(
        "wagtailadmin_pages:add", args=["news", "newsarticlepage", news_index.pk]
    )


def test_new_article_form_defaults_branch_and_author_to_the_writer(
    client, news_index, publicist, branch
):
    client.force_login(publicist)
    response = client.get(add_url(news_index))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{branch.pk}" selected>' in html
    assert 'value="李宣传"' in html


def test_publicist_saves_a_draft_with_pinyin_slug_and_chinese_tag(
    client, news_index, publicist, columns, branch
):
    client.force_login(publicist)
    data = article_form(columns, branch=branch.pk, slug="")
    response = client.post(add_url(news_index), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    article = NewsArticlePage.objects.get(title="第一党支部开展主题党日活动")
    assert article.slug == "di-yi-dang-zhi-bu-kai-zhan-zhu-ti-dang-ri-huo-dong"
    assert not article.live
    revision = article.latest_revision.as_object()
    assert [t.slug for t in revision.tags.all()] == ["主题党日"]
    assert revision.branch_id == branch.pk


def test_publicist_cannot_publish_directly(client, news_index, publicist, columns):
    client.force_login(publicist)
    data = article_form(columns, **{"action-publish": "action-publish"})
    client.post(add_url(news_index), data)
    assert not NewsArticlePage.objects.filter(live=True).exists()


def test_script_in_rich_text_is_not_stored(client, news_index, publicist, columns):
    client.force_login(publicist)
    body = streamfield(
        [
            (
                "paragraph",
                rich_text(
                    '<p onclick="steal()">正文</p><script>alert(1)</script>'
                    '<p><a href="javascript:alert(1)">链接</a></p>'
                ),
            )
        ]
    )
    response = client.post(add_url(news_index), article_form(columns, body=body))
    assert response.status_code == 302
    article = NewsArticlePage.objects.get(title="第一党支部开展主题党日活动")
    stored = article.latest_revision.as_object().body[0].value.source
    assert "正文" in stored
    assert "<script" not in stored and "onclick" not in stored
    assert "javascript:" not in stored


def test_missing_required_fields_give_chinese_errors_and_save_nothing(
    client, news_index, publicist, columns
):
    client.force_login(publicist)
    data = article_form(columns, title="", column="")
    response = client.post(add_url(news_index), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "页面未能创建" in html and "必需字段" in html
    assert not NewsArticlePage.objects.exists()


def test_image_without_alt_text_is_rejected(client, news_index, publicist, columns):
    from tests.news.factories import make_image

    image = make_image()
    client.force_login(publicist)
    body = streamfield(
        [
            ("paragraph", rich_text("<p>正文</p>")),
            ("image", {"image": image.pk, "alt": "", "caption": "说明"}),
        ]
    )
    data = article_form(columns, body=body, **{"action-submit": "submit"})
    response = client.post(add_url(news_index), data)
    assert response.status_code == 200  # submitting for review validates fully
    html = response.content.decode()
    assert "页面未能创建" in html
    assert "必需字段" in html or "\\u5fc5\\u9700\\u5b57\\u6bb5" in html
    assert not NewsArticlePage.objects.exists()


def _png(size, color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def _upload(client, name, content, content_type="image/png"):
    return client.post(
        reverse("wagtailimages:add"),
        {
            "title": "上传测试",
            "file": SimpleUploadedFile(name, content, content_type=content_type),
            "collection": 1,
        },
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("huge.png", _png((8000, 5100)), "像素"),
        ("notes.jpg", "这不是图片".encode() * 50, "请上传一张有效的图片"),
        ("photo.jpg", _png((40, 40)), "扩展名"),
        ("virus.exe", _png((40, 40)), "不支持"),
    ],
    ids=["over-40-megapixels", "text-named-jpg", "png-named-jpg", "wrong-extension"],
)
def test_bad_image_uploads_get_a_chinese_message(
    client, publicist, news_index, name, content, message
):
    client.force_login(publicist)
    response = _upload(client, name, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not get_image_model().objects.exists()


def test_oversized_upload_gets_a_chinese_message(
    client, publicist, news_index, settings
):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024
    client.force_login(publicist)
    noisy = PILImage.effect_noise((400, 400), 80).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, "PNG")
    response = _upload(client, "big.png", out.getvalue())
    assert "文件过大" in response.content.decode()
    assert not get_image_model().objects.exists()


def test_good_upload_is_stored(client, publicist, news_index):
    client.force_login(publicist)
    response = _upload(client, "ok.png", _png((1200, 800)))
    assert response.status_code == 302
    assert get_image_model().objects.get().width == 1200


def test_publishing_report_counts_per_branch_month_and_column(
    client, news_index, columns, branch
):
    from tests.members.factories import OrganizationFactory

    other = OrganizationFactory(parent=branch.get_parent(), name="第二党支部")
    make_article(news_index, "一", branch=branch, days_ago=0)
    make_article(news_index, "二", branch=branch, column=columns["lilun"], days_ago=0)
    make_article(news_index, "三", branch=other, days_ago=0)
    make_article(
        news_index, "旧", branch=other, column=columns["jingyan"], days_ago=400
    )
    reviewer = make_staff_user("审核员")
    client.force_login(reviewer)
    response = client.get(reverse("news_publishing_stats"))
    assert response.status_code == 200
    html = response.content.decode()
    ranking = html.split("各党组织发稿排名", 1)[1]
    assert ranking.index("第一党支部") < ranking.index("第二党支部")
    assert "<strong>2</strong>" in ranking.split("第一党支部", 1)[1].split("</tr>")[0]
    stale = html.split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert "经验交流" in stale and "要闻" not in stale  # 400 days > 60-day interval
    assert "通知公告" in stale  # never published


def test_publishing_report_is_for_staff_only(client, news_index):
    member = make_staff_user("党员")
    client.force_login(member)
    response = client.get(reverse("news_publishing_stats"))
    assert response.status_code in (302, 403)
