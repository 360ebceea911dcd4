"""Smoke test of the shipped production front (make deploy-check; see conftest.py).

Every request goes through nginx with deploy/nginx/portal.conf, to gunicorn with
deploy/gunicorn.conf.py and production settings; the lesson video is transcoded by the
task worker. What the headers prove: X-Portal-Accel is added only by nginx's internal
locations (reachable through X-Accel-Redirect alone), X-Cache-Status is nginx's
$upstream_cache_status, and a precompressed static file has exactly the size of its
.gz on disk.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import random
import re
import ssl
import time
from pathlib import Path

import pytest
from PIL import Image

PLAYER_MP4 = re.compile(r'data-mp4="([^"]+)"')
PLAYER_HLS = re.compile(r'data-hls="([^"]+)"')


def cache_statuses(stack, path: str, times: int = 3, **kwargs) -> list[str]:
    return [
        stack.get(path, **kwargs).headers.get("X-Cache-Status", "")
        for _ in range(times)
    ]


# ---- HTTPS, pages, compression, the micro-cache ------------------------------------


def test_plain_http_is_redirected_to_https(stack):
    with stack.session() as browser:
        response = browser.get(
            stack.http_url + "/news/?page=2", allow_redirects=False, timeout=10
        )
    assert response.status_code == 301
    assert response.headers["Location"] == "https://localhost/news/?page=2"


def test_certificate_challenges_are_answered_over_plain_http(stack):
    with stack.session() as browser:
        response = browser.get(
            stack.http_url + "/.well-known/acme-challenge/deploy-check", timeout=10
        )
    assert response.status_code == 200
    assert response.text.strip() == "deploy-check-challenge"


def test_home_and_article_pages_come_through_nginx_compressed(stack):
    home = stack.get("/", headers={"Accept-Encoding": "gzip"})
    assert home.status_code == 200
    assert "部署检查党建网" in home.text or "党建" in home.text
    assert home.headers["Content-Encoding"] == "gzip"
    # Django saw HTTPS through X-Forwarded-Proto: HSTS is only sent on secure requests.
    assert "max-age=31536000" in home.headers["Strict-Transport-Security"]
    article = stack.get(stack.seed["article_url"])
    assert article.status_code == 200
    assert stack.seed["article_title"] in article.text


def test_anonymous_pages_are_answered_from_the_micro_cache(stack):
    path = stack.seed["article_url"]
    first = stack.get(path)
    assert first.status_code == 200
    assert "Set-Cookie" not in first.headers
    # The next anonymous request within the cache's 5 s is answered by nginx.
    for _ in range(5):
        again = stack.get(path)
        if again.headers["X-Cache-Status"] == "HIT":
            break
    else:
        pytest.fail(f"no HIT, last status {again.headers['X-Cache-Status']}")
    assert stack.seed["article_title"] in again.text


def test_the_micro_cache_keeps_the_apps_compressed_copy(stack):
    """nginx asks the app for gzip and keeps that copy: readers who take gzip get it as
    it is (pagecache/compression.py), the others get it unpacked by nginx."""
    path = stack.seed["article_url"]
    for _ in range(5):
        packed = stack.get(path, headers={"Accept-Encoding": "gzip"})
        if packed.headers["X-Cache-Status"] == "HIT":
            break
    else:
        pytest.fail("no HIT for the compressed copy")
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert stack.seed["article_title"] in packed.text
    plain = stack.get(path, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert stack.seed["article_title"] in plain.text


def test_signed_in_members_never_get_cached_pages(stack, member_session):
    path = stack.seed["article_url"]
    stack.get(path)  # an anonymous reader fills the cache
    for _ in range(3):
        response = member_session.get(stack.url(path), timeout=30)
        assert response.headers["X-Cache-Status"] == "BYPASS"
        assert stack.seed["member_name"] in response.text


def test_a_csrf_cookie_alone_bypasses_the_cache(stack):
    statuses = cache_statuses(
        stack, stack.seed["article_url"], cookies={"csrftoken": "x" * 32}
    )
    assert statuses == ["BYPASS"] * 3


def test_admin_api_and_health_check_are_never_cached(stack, admin_session):
    for _ in range(2):
        admin = admin_session.get(stack.url("/admin/"), timeout=30)
        assert admin.status_code == 200
        assert "X-Cache-Status" not in admin.headers
        api = stack.get("/api/search?q=党章")
        assert api.status_code == 200
        assert "X-Cache-Status" not in api.headers
    health = stack.get("/healthz")
    assert health.json()["status"] in ("ok", "degraded")
    assert "X-Cache-Status" not in health.headers


# ---- Static files --------------------------------------------------------------------


def test_hashed_static_files_are_served_by_nginx_precompressed_for_a_year(stack):
    home = stack.get("/")
    hashed = re.search(r"/static/(css/site\.[0-9a-f]{12}\.css)", home.text)
    assert hashed, "the home page links no hashed stylesheet"
    response = stack.get(
        f"/static/{hashed.group(1)}", headers={"Accept-Encoding": "gzip"}, stream=True
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    # gzip_static sends the .gz WhiteNoise wrote; nginx's on-the-fly gzip would be
    # chunked, and WhiteNoise's own answer would carry its own Cache-Control.
    gz = Path(stack.static_root) / f"{hashed.group(1)}.gz"
    assert int(response.headers["Content-Length"]) == gz.stat().st_size
    assert response.raw.read(decode_content=False) == gz.read_bytes()


def test_unhashed_static_names_get_a_short_lifetime(stack):
    response = stack.get("/static/css/site.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=3600"


def test_images_are_public_media_served_by_nginx(stack):
    for key in ("rendition_url", "image_url"):
        response = stack.get(stack.seed[key])
        assert response.status_code == 200, stack.seed[key]
        assert response.headers["Content-Type"].startswith("image/")
        assert response.headers["Cache-Control"] == "max-age=604800"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


# ---- Documents and videos through X-Accel-Redirect -----------------------------------


def test_media_files_and_internal_locations_are_not_public(stack):
    document = stack.seed["protected_document_file"]
    for path in (f"/media/{document}", f"/_media/{document}", f"/_videos/{document}"):
        response = stack.get(path)
        assert response.status_code == 404, path
        assert b"deploy-check" not in response.content


def test_protected_document_is_refused_to_anonymous_readers(stack):
    response = stack.get(stack.seed["protected_document_url"])
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/")
    assert b"members only" not in response.content


def test_protected_document_reaches_members_through_nginx(stack, member_session):
    expected = (
        Path(stack.media_root) / stack.seed["protected_document_file"]
    ).read_bytes()
    response = member_session.get(
        stack.url(stack.seed["protected_document_url"]), timeout=30
    )
    assert response.status_code == 200
    assert response.headers["X-Portal-Accel"] == "media"
    assert "X-Accel-Redirect" not in response.headers
    assert response.content == expected
    assert len(expected) == stack.seed["protected_document_size"]
    assert "internal-notice.txt" in response.headers["Content-Disposition"]
    assert response.headers["Content-Security-Policy"] == "default-src 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # (Ranges of uncompressed answers: this text file is gzipped otherwise.)
    ranged = member_session.get(
        stack.url(stack.seed["protected_document_url"]),
        headers={"Range": "bytes=0-99", "Accept-Encoding": "identity"},
        timeout=30,
    )
    assert ranged.status_code == 206
    assert ranged.content == expected[:100]


def test_public_document_is_sent_by_nginx_to_anyone(stack):
    response = stack.get(stack.seed["public_document_url"])
    assert response.status_code == 200
    assert response.headers["X-Portal-Accel"] == "media"
    expected = Path(stack.media_root) / stack.seed["public_document_file"]
    assert response.content == expected.read_bytes()


@pytest.fixture(scope="module")
def lesson_player(stack, member_session) -> dict:
    """The lesson page once the task worker has transcoded its video."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        page = member_session.get(stack.url(stack.seed["lesson_url"]), timeout=30)
        assert page.status_code == 200
        mp4 = PLAYER_MP4.search(page.text)
        if mp4:
            return {"mp4": mp4.group(1), "hls": PLAYER_HLS.search(page.text).group(1)}
        time.sleep(1)
    status = stack.shell(
        f"from school.models import Video; v = Video.objects.get(pk={stack.seed['video_id']}); print(v.status, v.error)",
    )
    pytest.fail(f"the task worker did not transcode the lesson video: {status}")


def test_lesson_video_is_refused_to_anonymous_viewers(stack, lesson_player):
    response = stack.get(lesson_player["mp4"])
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/")


def test_lesson_video_reaches_members_through_nginx(
    stack, member_session, lesson_player
):
    name = lesson_player["mp4"].rsplit("/", 1)[1]
    (on_disk,) = Path(stack.media_root).glob(f"school/videos/*/{name}")
    response = member_session.get(stack.url(lesson_player["mp4"]), timeout=30)
    assert response.status_code == 200
    assert response.headers["X-Portal-Accel"] == "videos"
    assert response.headers["Content-Type"] == "video/mp4"
    assert response.headers["Cache-Control"] == "private, max-age=86400"
    assert (
        hashlib.sha256(response.content).digest()
        == hashlib.sha256(on_disk.read_bytes()).digest()
    )
    ranged = member_session.get(
        stack.url(lesson_player["mp4"]), headers={"Range": "bytes=100-199"}, timeout=30
    )
    assert ranged.status_code == 206
    assert ranged.content == on_disk.read_bytes()[100:200]
    playlist = member_session.get(stack.url(lesson_player["hls"]), timeout=30)
    assert playlist.headers["X-Portal-Accel"] == "videos"
    assert playlist.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert playlist.text.startswith("#EXTM3U")


# ---- Login, client address, letters --------------------------------------------------


def test_accepted_heartbeats_stay_out_of_gunicorns_access_log(
    stack, member_session, lesson_player
):
    """A member's heartbeat is credited and nginx logs it, while gunicorn's log keeps
    only the lines of other requests (the lesson page, a refused heartbeat)."""
    lesson_url = stack.seed["lesson_url"]
    page = member_session.get(stack.url(lesson_url), timeout=30).text
    lesson = re.search(r'data-lesson="(\d+)"', page).group(1)
    beat_url = re.search(r'data-heartbeat-url="([^"]+)"', page).group(1)
    headers = {
        "X-CSRFToken": member_session.cookies["csrftoken"],
        "Referer": stack.url(lesson_url),
    }
    body = {"lesson": int(lesson), "intervals": [[0, 5]], "position": 5, "playing": 1}
    accepted = member_session.post(
        stack.url(beat_url), json=body, headers=headers, timeout=30
    )
    assert accepted.status_code == 200, accepted.text
    refused = member_session.post(
        stack.url(beat_url), json={"lesson": "x"}, headers=headers, timeout=30
    )
    assert refused.status_code == 400
    time.sleep(0.5)  # gunicorn writes its line after answering
    gunicorn_lines = (Path(stack.logs) / "gunicorn.log").read_text().splitlines()
    beats = [line for line in gunicorn_lines if f"POST {beat_url}" in line]
    assert [line.split('"')[2].split()[0] for line in beats] == ["400"]
    assert any(f"GET {lesson_url}" in line for line in gunicorn_lines)
    nginx_lines = (Path(stack.logs) / "nginx-access.log").read_text()
    assert nginx_lines.count(f"POST {beat_url}") >= 2


def test_login_records_the_address_nginx_saw_not_a_forged_one(stack, member_session):
    out = stack.shell(
        "from members.models import SecurityEvent; "
        "e = SecurityEvent.objects.filter(username='dc-member', action='login')"
        ".latest('pk'); print(e.ip_address)",
    )
    assert out.strip() == "127.0.0.1"


def noise_png(width: int = 640, height: int = 640) -> bytes:
    """A PNG that does not compress: bigger than nginx's default body limit (1 MB)."""
    generator = random.Random(11)
    image = Image.frombytes(
        "RGB", (width, height), generator.randbytes(width * height * 3)
    )
    output = io.BytesIO()
    image.save(output, "PNG")
    return output.getvalue()


def test_letter_with_attachment_goes_through_the_mailbox_form(stack):
    browser = stack.session()
    form = browser.get(stack.url("/mailbox/write/"), timeout=30)
    assert form.status_code == 200
    token = re.search(r'name="submission_token" value="([^"]+)"', form.text).group(1)
    attachment = noise_png()
    assert len(attachment) > 1024 * 1024
    response = browser.post(
        stack.url("/mailbox/write/"),
        data={
            "csrfmiddlewaretoken": re.search(
                r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text
            ).group(1),
            "submission_token": token,
            "mailbox": str(stack.seed["mailbox_id"]),
            "letter_type": "suggest",
            "subject": "部署检查来信",
            "content": "通过 nginx 提交的来信，附件一张图片。",
            "real_name": "检查员",
            "phone": "13800138000",
            "privacy": "on",
        },
        files={"attachments": ("scan.png", attachment, "image/png")},
        headers={"Referer": stack.url("/mailbox/write/")},
        allow_redirects=False,
        timeout=60,
    )
    assert response.status_code == 302, response.text[:2000]
    receipt = browser.get(stack.url(response.headers["Location"]), timeout=30)
    number = re.search(r'data-testid="tracking-number">([^<]+)<', receipt.text).group(1)
    code = re.search(r'data-testid="query-code">([^<]+)<', receipt.text).group(1)

    track = browser.get(stack.url("/mailbox/track/"), timeout=30)
    tracked = browser.post(
        stack.url("/mailbox/track/"),
        data={
            "csrfmiddlewaretoken": re.search(
                r'name="csrfmiddlewaretoken" value="([^"]+)"', track.text
            ).group(1),
            "number": number,
            "code": code,
        },
        headers={"Referer": stack.url("/mailbox/track/")},
        timeout=30,
    )
    assert tracked.status_code == 200
    assert "部署检查来信" in tracked.text

    stored = json.loads(
        stack.shell(
            "import json; from mailbox.models import Letter; "
            f"letter = Letter.objects.get(tracking_number='{number}'); "
            "print(json.dumps([a.file.size for a in letter.attachments.all()]))",
        )
    )
    assert len(stored) == 1 and stored[0] > 1024 * 1024


# ---- Limits --------------------------------------------------------------------------


def post_from(stack, source: str, path: str, body: bytes = b"") -> tuple[int, str]:
    """POST from another loopback address (limit_req counts per client address)."""
    context = ssl.create_default_context(cafile=stack.ca_cert)
    connection = http.client.HTTPSConnection(
        "127.0.0.1", stack.https_port, context=context, source_address=(source, 0)
    )
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                "Host": f"localhost:{stack.https_port}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def test_login_posts_are_rate_limited_per_client_address(stack):
    answers = [
        post_from(stack, "127.0.0.2", "/accounts/login/", b"username=x&password=y")
        for _ in range(12)
    ]
    statuses = [status for status, _ in answers]
    assert 429 in statuses, statuses
    assert statuses[0] != 429
    assert "请求过于频繁" in next(text for status, text in answers if status == 429)


def test_body_limits_follow_the_route(stack, admin_session):
    status, text = post_from(stack, "127.0.0.3", "/accounts/login/", b"x" * 2_000_000)
    assert status == 413
    assert "提交的内容过大" in text
    big = b"deploy-check large document\n" * (15 * 1024 * 1024 // 28)
    status, _ = post_from(stack, "127.0.0.3", "/admin/", big)
    assert status == 413  # 12 MB for the admin in general

    # ... but /admin/documents/ takes a 15 MB document (WAGTAILDOCS_MAX_UPLOAD_SIZE).
    form = admin_session.get(stack.url("/admin/documents/add/"), timeout=30)
    assert form.status_code == 200
    collection = re.search(
        r'<select name="collection"[^>]*>\s*<option value="(\d+)"', form.text
    ).group(1)
    response = admin_session.post(
        stack.url("/admin/documents/add/"),
        data={
            "csrfmiddlewaretoken": re.search(
                r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text
            ).group(1),
            "title": "部署检查大文件",
            "collection": collection,
            "tags": "",
        },
        files={"file": ("large.txt", big, "text/plain")},
        headers={"Referer": stack.url("/admin/documents/add/")},
        allow_redirects=False,
        timeout=120,
    )
    assert response.status_code == 302, response.text[:2000]
