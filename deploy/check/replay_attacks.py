"""Re-run the attack test's findings (issue 12) against a running site, over HTTP.

For the operator and for the closing note of a hardening change: each numbered finding
is replayed as the attacker did it, and the script prints what the site answers now.
Run inside Django with the site's own environment (it creates throwaway fixtures in the
site's database and removes them afterwards), pointing at the site's address:

    REPLAY_BASE_URL=http://127.0.0.1:8000 .venv/bin/python manage.py shell \
        --no-imports -c "import runpy; runpy.run_path('deploy/check/replay_attacks.py')"

or `make replay-attacks` (against `make run` on :8000). Behind nginx with a self-signed
certificate add REPLAY_CA_CERT=<pem>; REPLAY_HTTP_URL=<http://…> adds the plain-HTTP
forwarding-header check. With PORTAL_SESSION_IDLE_TIMEOUT at 60 s or less (in the
site's environment and this one) the idle logout is waited for; otherwise only the
cookie is checked. Exits 1 when any finding still holds.

The fixtures: a committee 复测党委 with two branches, a member in each, two mailboxes
with one letter each, a handler of the second mailbox only, a 宣传员 administering the
first branch, a member account for lessons. The rate limits it trips stay tripped for
the caller's address for their window (15 minutes to an hour).
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.documents import get_document_model

from mailbox import services as mailbox_services
from mailbox.models import Letter, LetterStatus, Mailbox
from members import ratelimit
from members.models import AdminScope, Member, Organization
from members.roles import MAILBOX_HANDLER, MEMBER, PUBLICIST
from news.models import NewsIndexPage
from school import progress
from school.models import LessonPage, LessonProgress, SchoolIndexPage
from tests.home import pdf_samples

BASE = os.environ.get("REPLAY_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
HTTP_URL = os.environ.get("REPLAY_HTTP_URL", "").rstrip("/")
VERIFY = os.environ.get("REPLAY_CA_CERT") or True
# The address the site sees this script's requests come from.
CLIENT_IP = os.environ.get("REPLAY_CLIENT_IP", "127.0.0.1")
PASSWORD = "Replay-" + uuid.uuid4().hex[:12]
TAG = uuid.uuid4().hex[:6]
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
User = get_user_model()
results: list[tuple[str, str, str, bool]] = []


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def report(point: str, attack: str, answer: str, held: bool) -> None:
    results.append((point, attack, answer, held))
    mark = "守住" if held else "未守住"
    say(f"[{point}] {mark}: {attack}\n      → {answer}")


# -- HTTP ---------------------------------------------------------------------------


def session() -> requests.Session:
    s = requests.Session()
    s.verify = VERIFY
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=64)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    # Django checks the Referer of HTTPS form posts.
    s.headers["Referer"] = BASE + "/"
    return s


def url(path: str) -> str:
    return urljoin(BASE + "/", path.lstrip("/"))


def token(s: requests.Session, path: str) -> str:
    response = s.get(url(path))
    found = CSRF_INPUT.search(response.text)
    if not found:
        raise RuntimeError(f"no CSRF token on {path} ({response.status_code})")
    return found.group(1)


def login(username: str) -> requests.Session:
    s = session()
    response = s.post(
        url("/accounts/login/"),
        {
            "csrfmiddlewaretoken": token(s, "/accounts/login/"),
            "username": username,
            "password": PASSWORD,
        },
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise RuntimeError(f"login as {username}: {response.status_code}")
    s.last_login_response = response
    return s


def csrf_header(s: requests.Session) -> dict:
    return {"X-CSRFToken": s.cookies.get("csrftoken", "")}


def all_at_once(calls) -> list[requests.Response]:
    """Every call at the same time. A connection the server's listen queue reset
    (Django's development server queues 10) never reached the site: it is sent again."""

    def run(call):
        for attempt in range(5):
            try:
                return call()
            except requests.ConnectionError:
                if attempt == 4:
                    raise
                time.sleep(0.2)
        return None

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def statuses(responses) -> str:
    counts: dict[int, int] = {}
    for r in responses:
        counts[r.status_code] = counts.get(r.status_code, 0) + 1
    return ", ".join(f"{n}×{code}" for code, n in sorted(counts.items()))


# -- fixtures -----------------------------------------------------------------------


class World:
    def __init__(self):
        self.users = []
        self.committee = Organization.add_root(
            name=f"复测党委{TAG}", kind=Organization.Kind.COMMITTEE, code=f"RP{TAG}"
        )
        self.branch_a = self.committee.add_child(
            name=f"复测甲支部{TAG}", kind=Organization.Kind.BRANCH, code=f"RP{TAG}A"
        )
        self.committee.refresh_from_db()
        self.branch_b = self.committee.add_child(
            name=f"复测乙支部{TAG}", kind=Organization.Kind.BRANCH, code=f"RP{TAG}B"
        )
        self.member_a = self.member("replay-member-a", "甲支部复测员", self.branch_a)
        self.member_b = self.member("replay-member-b", "乙支部隐私人", self.branch_b)
        self.publicist = self.user("replay-publicist", PUBLICIST)
        AdminScope.objects.create(user=self.publicist, organization=self.branch_a)
        self.box_a = Mailbox.objects.create(name=f"复测信箱甲{TAG}", reply_days=5)
        self.box_b = Mailbox.objects.create(name=f"复测信箱乙{TAG}", reply_days=5)
        self.handler_b = self.user("replay-handler-b", MAILBOX_HANDLER)
        self.box_b.handlers.add(self.handler_b)
        self.letter_a, _ = self.letter(self.box_a)
        self.letter_b, _ = self.letter(self.box_b)

    def user(self, username: str, role: str):
        user = User.objects.create_user(f"{username}-{TAG}", password=PASSWORD)
        user.groups.add(Group.objects.get(name=role))
        self.users.append(user)
        return user

    def member(self, username: str, name: str, organization) -> Member:
        user = self.user(username, MEMBER)
        return Member.objects.create(
            user=user,
            real_name=f"{name}{TAG}",
            member_no=f"RP{TAG}{len(self.users)}",
            organization=organization,
            phone=f"1390{abs(hash(username + TAG)) % 10**7:07d}",
        )

    def letter(self, box):
        data = mailbox_services.LetterData(
            mailbox=box,
            letter_type="consult",
            subject="复测来信",
            content="复测用的来信内容。",
            real_name="复测",
            phone="13900000000",
            email="",
            consent_public=False,
            privacy_accepted=True,
        )
        return mailbox_services.submit_letter(data, files=[], ip=None)


def remove_fixtures() -> None:
    """Everything this script creates, also what an interrupted run left behind."""
    boxes = Mailbox.objects.filter(name__startswith="复测信箱")
    Letter.objects.filter(mailbox__in=boxes).delete()
    boxes.delete()
    users = User.objects.filter(username__startswith="replay-")
    LessonProgress.objects.filter(member__user__in=users).delete()
    Member.objects.filter(user__in=users).delete()
    AdminScope.objects.filter(user__in=users).delete()
    for committee in Organization.get_root_nodes().filter(name__startswith="复测党委"):
        Member.objects.filter(organization__path__startswith=committee.path).delete()
        Organization.objects.get(pk=committee.pk).delete()
    users.delete()


# -- the findings ---------------------------------------------------------------------


def point_1_site_history(world: World) -> None:
    s = login(world.handler_b.username)
    response = s.get(url("/admin/reports/site-history/?export=csv"))
    text = response.content.decode("utf-8-sig", "replace")
    other = world.letter_a.tracking_number in text
    own = world.letter_b.tracking_number in text
    report(
        "1",
        "只办理信箱乙的办理人导出 站点历史（?export=csv）",
        f"HTTP {response.status_code}，信箱甲来信编号出现：{'是' if other else '否'}，"
        f"自己信箱乙的来信：{'出现' if own else '未出现'}",
        response.status_code in (200, 403) and not other,
    )


def point_2_import(world: World) -> None:
    s = login(world.publicist.username)
    path = "/admin/members/import/"
    csrf = token(s, path)
    rows = [
        ["姓名", "党员编号", "手机号", "所在党组织", "党内职务", "入党日期"],
        ["冒名一", world.member_b.member_no, "", world.branch_a.name, "", ""],
        ["冒名二", "", world.member_b.phone, world.branch_a.name, "", ""],
    ]
    buffer = io.StringIO()
    import csv

    csv.writer(buffer).writerows(rows)
    response = s.post(
        url(path),
        {"csrfmiddlewaretoken": csrf},
        files={"file": ("名单.csv", buffer.getvalue().encode(), "text/csv")},
    )
    leaked = [
        secret
        for secret in (world.member_b.real_name, world.branch_b.name)
        if secret in response.text
    ]
    report(
        "2",
        "甲支部的组织管理员导入含乙支部党员编号和手机号的名单",
        f"HTTP {response.status_code}，回答中出现乙支部的信息：{leaked or '无'}",
        response.status_code == 200 and not leaked,
    )


def point_3_concurrent_limits(world: World) -> None:
    s = session()
    csrf = token(s, "/mailbox/track/")
    form = {
        "csrfmiddlewaretoken": csrf,
        "number": world.letter_a.tracking_number,
        "code": "AAAA-BBBB-CCCC-DDDD",
    }
    answers = all_at_once(
        [lambda: s.post(url("/mailbox/track/"), form, allow_redirects=False)] * 40
    )
    checked = sum(1 for r in answers if r.status_code == 404)
    report(
        "3",
        "同一来信编号 40 个错误查询码同时提交（限 5 次）",
        f"{statuses(answers)}：实际核对 {checked} 次",
        checked <= 5,
    )

    limit, window = settings.PORTAL_MAILBOX_LETTERS_PER_IP
    # This address's letters of the last hour (an earlier replay) count against it too:
    # start from an empty allowance, as the attack test did.
    ratelimit.reset(ratelimit.Limit("letter-ip", CLIENT_IP, limit, window))
    s = session()
    csrf = token(s, "/mailbox/write/")
    before = Letter.objects.filter(mailbox=world.box_a).count()

    def send(i):
        form = {
            "csrfmiddlewaretoken": csrf,
            "mailbox": world.box_a.pk,
            "letter_type": "suggest",
            "subject": f"并发来信{i}",
            "content": "并发测试。",
            "privacy": "on",
            "submission_token": mailbox_services.new_submission_token(),
            "website": "",
        }
        return lambda: s.post(url("/mailbox/write/"), form, allow_redirects=False)

    answers = all_at_once([send(i) for i in range(25)])
    stored = Letter.objects.filter(mailbox=world.box_a).count() - before
    report(
        "3",
        f"同一地址 25 封来信同时提交（每小时限 {limit} 封）",
        f"{statuses(answers)}：保存 {stored} 封",
        stored <= limit,
    )


def point_4_pdf(world: World) -> None:
    samples = {
        "/S /J#61vaScript": pdf_samples.escaped_javascript(),
        "/L#61unch": pdf_samples.escaped_launch(),
        "压缩对象流中的 JavaScript": pdf_samples.object_stream_javascript(),
    }
    admin = login(world.user("replay-admin", "站点管理员").username)
    path = "/admin/documents/add/"
    from wagtail.models import Collection

    root = Collection.get_first_root_node().pk
    for label, data in samples.items():
        before = get_document_model().objects.count()
        response = admin.post(
            url(path),
            {
                "csrfmiddlewaretoken": token(admin, path),
                "title": "复测",
                "collection": root,
            },
            files={"file": ("复测.pdf", data, "application/pdf")},
            allow_redirects=False,
        )
        stored = get_document_model().objects.count() - before
        message = re.search(r"含有不允许的内容[^<]*", response.text)
        report(
            "4",
            f"宣传/管理人员上传文件库 PDF，动作写成 {label}",
            f"HTTP {response.status_code}，保存 {stored} 份"
            + (f"，提示「{message.group(0).strip()[:60]}」" if message else ""),
            stored == 0,
        )


def point_5_study_time(world: World) -> None:
    lessons = list(
        LessonPage.objects.live()
        .filter(video__duration__gt=0)
        .select_related("video")
        .order_by("pk")
    )
    if not lessons:
        report("5", "刷学时", "站点没有已发布的课时，未复测", True)
        return
    # The attack's member claims every lesson at once, so no one lesson's length caps
    # what they could be credited: only the server's clock may.
    catalogue = sum(lesson.video.duration for lesson in lessons)
    # What school.progress allows: the fastest playback rate, plus one first beat's
    # wall-clock allowance.
    allowance = progress.FIRST_HEARTBEAT_WALL_SECONDS
    rate = progress.MAX_PLAYBACK_RATE
    s = login(world.member_a.user.username)
    s.get(url(lessons[0].url))
    headers = csrf_header(s) | {"Content-Type": "application/json"}

    def beat(i: int, end: float):
        lesson = lessons[i % len(lessons)]
        end = min(lesson.video.duration, end)
        body = {"lesson": lesson.pk, "intervals": [[0, end]], "position": end}
        body["playing"] = True
        return s.post(url("/school/progress/"), json.dumps(body), headers=headers)

    def credited() -> float:
        rows = LessonProgress.objects.filter(member=world.member_a)
        return sum(rows.values_list("watched_seconds", flat=True))

    started = time.monotonic()
    answers = [beat(i, 1.25 * (i + 1)) for i in range(73)]
    elapsed = time.monotonic() - started
    got = credited()
    report(
        "5",
        f"73 次心跳连发，声称看完 {len(lessons)} 个课时（共 {catalogue:.0f} 秒）",
        f"{statuses(answers)}，用时 {elapsed:.1f} 秒，计入 {got:.1f} 秒"
        f"（上限 {elapsed:.1f}×{rate:g}+{allowance}）",
        got <= elapsed * rate + allowance,
    )

    time.sleep(3)
    base = credited()
    started = time.monotonic()
    counter = iter(range(10**6))

    def stream(n: int):
        out = []
        while time.monotonic() - started < 8:
            out.append(beat(n, 4.0 * (next(counter) + 1)))
        return out

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = [r for rs in pool.map(stream, range(20)) for r in rs]
    elapsed = time.monotonic() - started
    got = credited() - base
    report(
        "5",
        "同一党员 20 路心跳并行 8 秒",
        f"{len(answers)} 次心跳（{statuses(answers)}），用时 {elapsed:.1f} 秒，"
        f"计入 {got:.1f} 秒（上限 {elapsed:.1f}×{rate:g}+{allowance}）",
        got <= elapsed * rate + allowance,
    )


def point_6_malformed(world: World) -> None:
    school = SchoolIndexPage.objects.live().first()
    anonymous = session()
    checks = []
    if school:
        checks.append(
            (
                "匿名 " + school.url + "?category=99999999999999999999999",
                anonymous,
                "get",
                school.url + "?category=99999999999999999999999",
                None,
            )
        )
    member = login(world.member_a.user.username)
    lesson = LessonPage.objects.live().first()
    pk = lesson.pk if lesson else 1
    deep = f'{{"lesson": {pk}, "intervals": {"[" * 50000}0{"]" * 50000}}}'
    for label, body in [
        ("心跳 lesson=10^25", f'{{"lesson": {10**25}, "intervals": [[0, 5]]}}'),
        ("心跳 lesson=1e400", '{"lesson": 1e400, "intervals": [[0, 5]]}'),
        ("心跳 50,000 层嵌套 intervals", deep),
    ]:
        checks.append((label, member, "json", "/school/progress/", body))
    admin = login(world.user("replay-admin2", "站点管理员").username)
    for path in [
        "/admin/mailbox/letters/?mailbox=" + "9" * 25,
        "/admin/mailbox/statistics/?year=0",
        "/admin/mailbox/statistics/?year=" + "9" * 25,
    ]:
        checks.append(("管理员 " + path, admin, "get", path, None))
    for label, s, how, path, body in checks:
        if how == "get":
            response = s.get(url(path))
        else:
            response = s.post(
                url(path),
                body,
                headers=csrf_header(s) | {"Content-Type": "application/json"},
            )
        text = response.text
        if response.headers.get("Content-Type", "").startswith("application/json"):
            text = json.dumps(response.json(), ensure_ascii=False)
        chinese = bool(re.search(r"[\u4e00-\u9fff]", text))
        report(
            "6",
            label[:80],
            f"HTTP {response.status_code}" + ("，中文提示" if chinese else ""),
            400 <= response.status_code < 500 and chinese,
        )


def point_7_idle(world: World) -> None:
    s = login(world.member_b.user.username)
    cookie = s.last_login_response.headers.get("Set-Cookie", "")
    session_cookie = next(
        (part for part in re.split(r",(?=\s*\w+=)", cookie) if "sessionid=" in part), ""
    )
    persistent = (
        "expires=" in session_cookie.lower() or "max-age" in session_cookie.lower()
    )
    report(
        "7",
        "登录后会话 Cookie 是否持久（记住我默认关闭）",
        "浏览器关闭即失效" if not persistent else f"持久 Cookie：{session_cookie[:80]}",
        not persistent,
    )
    timeout = settings.PORTAL_SESSION_IDLE_TIMEOUT
    if timeout > 60:
        report("7", f"空闲 {timeout} 秒后退出", "超时较长，本次未等待（见测试）", True)
        return
    s.get(url("/school/me/"))
    time.sleep(timeout + 2)
    response = s.get(url("/school/me/"), allow_redirects=False)
    report(
        "7",
        f"空闲 {timeout + 2} 秒后打开 我的学习",
        f"HTTP {response.status_code} → {response.headers.get('Location', '')[:60]}",
        response.status_code == 302 and "login" in response.headers.get("Location", ""),
    )


def point_8_size(world: World) -> None:
    admin = login(world.user("replay-admin3", "站点管理员").username)
    path = "/admin/documents/add/"
    from wagtail.models import Collection

    size = 60 * 1024 * 1024
    before = get_document_model().objects.count()
    try:
        response = admin.post(
            url(path),
            {
                "csrfmiddlewaretoken": token(admin, path),
                "title": "大文件",
                "collection": Collection.get_first_root_node().pk,
            },
            files={"file": ("big.txt", b"0" * size, "text/plain")},
            allow_redirects=False,
        )
        answer = f"HTTP {response.status_code}"
        message = re.search(r"[^>]*(?:文件过大|不能超过)[^<]*", response.text)
        if message:
            answer += f"，提示「{message.group(0).strip()[:60]}」"
    except requests.ConnectionError as exc:
        answer = f"连接被代理关闭（{type(exc).__name__}）"
    stored = get_document_model().objects.count() - before
    report("8", "上传 60 MB 文件到文件库", f"{answer}，保存 {stored} 份", stored == 0)


def point_9(world: World) -> None:
    if HTTP_URL:
        response = requests.get(
            HTTP_URL + "/",
            headers={"X-Forwarded-Proto": "https"},
            allow_redirects=False,
            timeout=30,
        )
        report(
            "9",
            "明文 HTTP 请求自带 X-Forwarded-Proto: https",
            f"HTTP {response.status_code} → {response.headers.get('Location', '')}",
            response.status_code in (301, 308)
            and response.headers.get("Location", "").startswith("https://"),
        )
    else:
        report(
            "9",
            "伪造 X-Forwarded-Proto",
            "未给出 REPLAY_HTTP_URL（开发服务器没有 HTTPS），本次未复测",
            True,
        )
    Letter.objects.filter(pk=world.letter_b.pk).update(
        is_published=True,
        consent_public=True,
        status=LetterStatus.REPLIED,
        published_at=timezone.now(),
    )
    world.letter_b.refresh_from_db()
    # Signed in, so the list is rendered now rather than served from the page cache.
    page = login(world.member_a.user.username).get(url("/mailbox/letters/"))
    numbers = world.letter_b.tracking_number in page.text
    link = f"/mailbox/letters/{world.letter_b.public_id}/" in page.text
    report(
        "9",
        "选登来信的公开地址是否含来信编号",
        f"列表链接用随机公开编号：{'是' if link else '否'}；页面出现来信编号：{'是' if numbers else '否'}",
        link and not numbers,
    )
    news = NewsIndexPage.objects.live().first()
    if news:
        s = login(world.publicist.username)
        page = s.get(url(f"/admin/pages/add/news/newsarticlepage/{news.pk}/"))
        select = re.search(
            r'<select name="branch"[^>]*>(.*?)</select>', page.text, re.S
        )
        names = (
            re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", select.group(1))
            if select
            else []
        )
        outside = [n for n in names if world.branch_a.name not in n]
        report(
            "9",
            "甲支部宣传员新建新闻时 所属党组织 的选项",
            f"HTTP {page.status_code}，{len(names)} 项，范围外：{outside[:3] or '无'}",
            page.status_code in (200, 403) and not outside,
        )
    s = login(world.member_b.user.username)
    path = "/accounts/password/change/"
    response = s.post(
        url(path),
        {
            "csrfmiddlewaretoken": token(s, path),
            "old_password": PASSWORD,
            "new_password1": "password",
            "new_password2": "password",
        },
    )
    english = re.findall(r"This password[^<]*", response.text)
    chinese = re.findall(r"密码[^<]{0,40}(?:常见|过于|太|至少)[^<]*", response.text)
    report(
        "9",
        "修改密码为 password",
        f"HTTP {response.status_code}，提示「{chinese[0].strip()[:50] if chinese else '无'}」，"
        f"英文提示：{english or '无'}",
        response.status_code in (200, 400) and chinese and not english,
    )


def main() -> int:
    say(f"复测对象：{BASE}（设置 {settings.SETTINGS_MODULE}）")
    remove_fixtures()
    try:
        world = World()
        for step in (
            point_1_site_history,
            point_2_import,
            point_4_pdf,
            point_3_concurrent_limits,
            point_5_study_time,
            point_6_malformed,
            point_7_idle,
            point_8_size,
            point_9,
        ):
            try:
                step(world)
            except Exception as exc:  # every finding gets its line
                report(step.__name__[6:7], step.__name__, f"复测出错：{exc!r}", False)
    finally:
        remove_fixtures()
    failed = [r for r in results if not r[3]]
    say(f"\n共 {len(results)} 项，未守住 {len(failed)} 项。")
    return 1 if failed else 0


if __name__ in ("__main__", "<run_path>"):
    sys.exit(main())
