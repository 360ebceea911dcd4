"""The malformed-input walker: every URL, reversed with real objects, probed and
attacked with hostile parameters (used by test_malformed_input*.py).

1. A probe, GET then POST, with the common parameter names set to "1" records every
   GET/POST key the view reads (Django's request dictionaries are swapped for
   recording ones; the views themselves run unchanged), and whether it reads the body.
2. Then, for the keys read, one request per hostile value (huge, negative and zero
   integers, floats, NaN/inf, deep JSON, impossible dates, 10,000 characters, NUL
   bytes, odd digits), each key getting each value once.
3. And, for views that read the request body, hostile JSON bodies.

Any answer of 500 or more is a failure, reported with the URL, method, values and
exception; so is any of our own views answered by home.middleware's guard. Each
request runs in a savepoint rolled back afterwards, so a POST that deletes or logs out
leaves the world as it was for the next one.

What every page shares (menus, footer, the request's site: pagecache's page-data
cache) is kept as on a server (PORTAL_PAGE_DATA_CACHE_SECONDS): the staff walk's
4,878 requests took 207 s instead of 246 (public error pages 26 % less, admin ones 12 %); the
anonymous page cache stays off, so every request reaches its view with its values.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from http.cookies import SimpleCookie
from unittest import mock

from django.core.handlers.wsgi import WSGIRequest
from django.db import transaction
from django.http import QueryDict
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

HUGE = "9" * 25
DEEP_JSON = "[" * 50_000 + "]" * 50_000
# In a query string or a form field, 5,000 levels are already five times what
# Python's parsers recurse into, and keep requests small.
DEEP_VALUE = "[" * 5_000 + "]" * 5_000
# Each targets a class of failure: integer overflow (SQLite OverflowError,
# PostgreSQL DataError, datetime's C long), negative and zero (negative slicing,
# year 0), float overflow and NaN (int(inf), int(nan)), an impossible date,
# a parser's recursion limit, SQLite's LIKE pattern limit, PostgreSQL's refusal of
# NUL, and a digit str.isdigit() accepts but int() does not.
HOSTILE = [
    HUGE,
    "-1",
    "0",
    "1e400",
    "NaN",
    "2026-02-30",
    DEEP_VALUE,
    "长" * 10_000,
    "1\x00",
    "²",
]
# Wagtail's views get the values that found its failures; our own get all.
HOSTILE_FOR_WAGTAIL = [HUGE, "NaN", "2026-02-30", DEEP_VALUE, "长" * 10_000, "1\x00"]
# Our admin views as each role (after the superuser's walk sent them everything):
# values that reach the database in each role's own scope. Not "²" or 5,000 nested
# brackets: Python refuses those while parsing, before any scope applies, the same
# for every identity, and the superuser's walk sends them to every view.
HOSTILE_FOR_ROLES = [HUGE, "-1", "1\x00", "长" * 10_000]
# On PostgreSQL (make pytest-postgres), after the SQLite pass sent everything: the
# values the two databases treat differently (integer range, NUL, NaN and infinity in
# numeric and float columns, overlong text in varchar columns), not those both treat
# alike: negative integers ("-1"), and what Python refuses the same way before any SQL
# ("0", "²", 5,000 nested brackets, and "2026-02-30": the ORM parses dates before a
# query, and our raw SQL, school.stats and search.models, takes no dates from input).
HOSTILE_FOR_POSTGRES = [HUGE, "NaN", "1e400", "长" * 10_000, "1\x00"]
# Wagtail's views on PostgreSQL: those of the above that reach SQL as they are (integer
# range, NUL, overlong text); Wagtail parses dates and numbers through Django's forms
# before any query, and those refuse the same on both databases.
HOSTILE_FOR_POSTGRES_WAGTAIL = [HUGE, "1\x00", "长" * 10_000]
FORMSET_COUNTS = ("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")
# Parameter names many views read, sent (as "1") with every probe.
COMMON = [
    "page",
    "p",
    "q",
    "year",
    "month",
    "day",
    "category",
    "mailbox",
    "lesson",
    "id",
    "pk",
    "ordering",
    "sort",
    "order",
    "type",
    "from",
    "to",
    "start",
    "end",
    "export",
    "format",
    "status",
    "limit",
    "offset",
    "days",
    "org",
    "table",
    "tab",
    "kind",
    "next",
    "collection_id",
    "tag",
    "parent",
    "position",
    "duration",
    "intervals",
]
HOSTILE_JSON = [
    DEEP_JSON,
    '{"lesson": 1e400, "position": 1e400, "duration": NaN, "intervals": [[0, 1e400]]}',
    f'{{"lesson": {HUGE}, "position": -1, "intervals": [[-{HUGE}, {HUGE}]]}}',
    '{"lesson": "²", "intervals": "x"}',
    '{"intervals": ' + "[" * 5000 + "]" * 5000 + "}",
    "[1, 2]",
    "not json",
]
# Our apps: their views must answer bad input themselves, never through
# home.middleware.MalformedInputMiddleware (which is for Wagtail's views).
PROJECT_APPS = {
    "home",
    "pagecache",
    "news",
    "library",
    "school",
    "mailbox",
    "search",
    "members",
    "notifications",
    "notices",
    "exams",
    "points",
    "surveys",
    "elections",
    "evaluation",
    "assessment",
}


# --- Recording which parameters a view reads ------------------------------------


class RecordingQueryDict(QueryDict):
    """A QueryDict that notes each key looked up (get, [], in, getlist)."""

    reads: set | None = None

    def _note(self, key):
        if self.reads is not None:
            self.reads.add(key)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        self._note(key)
        return super().getlist(key, default)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)


def _recording(source: QueryDict, reads: set) -> RecordingQueryDict:
    copy = RecordingQueryDict(mutable=True)
    for key, values in source.lists():
        copy.setlist(key, values)
    copy._mutable = False
    copy.reads = reads
    return copy


class Recorder:
    """Swaps WSGIRequest.GET/POST for recording dictionaries and notes body reads
    (also when a middleware replaces them, as MalformedInputMiddleware does)."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.get_keys: set = set()
        self.post_keys: set = set()
        self.body_read = False

    def __enter__(self):
        recorder = self
        original_get = WSGIRequest.__dict__["GET"]
        original_post = WSGIRequest.POST
        original_load = WSGIRequest._load_post_and_files
        original_body = WSGIRequest.body

        class RecordingGet:
            def __get__(self, request, owner=None):
                if request is None:
                    return self
                if "_recorded_get" not in request.__dict__:
                    plain = original_get.func(request)
                    request.__dict__["_recorded_get"] = _recording(
                        plain, recorder.get_keys
                    )
                return request.__dict__["_recorded_get"]

            def __set__(self, request, value):
                request.__dict__["_recorded_get"] = _recording(value, recorder.get_keys)

        def load(request):
            original_load(request)
            if isinstance(request._post, QueryDict):
                request._post = _recording(request._post, recorder.post_keys)

        def set_post(request, value):
            original_post.fset(request, _recording(value, recorder.post_keys))

        def body(request):
            recorder.body_read = True
            return original_body.fget(request)

        self._patches = [
            mock.patch.object(WSGIRequest, "GET", RecordingGet()),
            mock.patch.object(WSGIRequest, "_load_post_and_files", load),
            mock.patch.object(
                WSGIRequest, "POST", property(original_post.fget, set_post)
            ),
            mock.patch.object(WSGIRequest, "body", property(body)),
        ]
        for patch in self._patches:
            patch.start()
        return self

    def __exit__(self, *exc):
        for patch in reversed(self._patches):
            patch.stop()


# --- Every URL, reversed with objects that exist --------------------------------


def _patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = (
                f"{namespace}:{entry.namespace}".strip(":")
                if entry.namespace
                else namespace
            )
            yield from _patterns(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry, namespace


def _model_of(pattern: URLPattern):
    from django.apps import apps

    model = getattr(pattern.callback, "view_initkwargs", {}).get("model")
    if isinstance(model, str):
        model = apps.get_model(model)
    return model


def _first_pk(model) -> int | str | None:
    obj = model._default_manager.order_by("pk").first()
    return obj.pk if obj else None


# URL arguments that name an object of the world by its primary key, and the
# world's name for that object.
PK_ARGUMENTS = {
    "revision_id": "revision",
    "task_state_id": "task_state",
    "workflow_state_id": "workflow_state",
    "task_id": "task",
    "workflow_pk": "workflow",
    "document_id": "document",
    "doc_id": "document",
    "image_id": "image",
    "redirect_id": "redirect",
    "query_id": "query",
    "collection_id": "collection",
    "session_id": "editing_session",
    "attachment_pk": "letter_attachment",
    "restriction_id": "page_view_restriction",
    "page_view_restriction_id": "page_view_restriction",
    "item_pk": "assessment_item",
    "evidence_pk": "assessment_evidence",
}


def _argument(name: str, url_name: str, pattern: URLPattern, world):
    """A value for URL argument ``name`` of ``url_name`` naming an existing object."""
    o = world.objects
    page_names = {
        "page_id",
        "parent_page_id",
        "page_to_move_id",
        "page_pk",
        "destination_id",
    }
    if name in page_names:
        if url_name.endswith(("add", "preview_on_add", "add_subpage")):
            return o["news_index"].pk
        if "workflow" in url_name or "revisions" in url_name:
            return o["draft"].pk
        if url_name.endswith("move_confirm") and name == "destination_id":
            return o["news_index"].pk
        if "authenticate_with_password" in url_name:
            return o["draft"].pk
        return o["article"].pk
    if name in ("content_type_app_name", "app_label", "app_name"):
        return _content_type(url_name)[0]
    if name in ("content_type_model_name", "model_name"):
        return _content_type(url_name)[1]
    if name in PK_ARGUMENTS:
        return o[PK_ARGUMENTS[name]].pk
    simple = {
        "revision_id_a": "earliest",
        "revision_id_b": "latest",
        "object_id": str(o["draft"].pk),
        "filter_spec": "fill-80x80",
        "public_id": o["letter"].public_id
        if hasattr(o["letter"], "public_id")
        else uuid.uuid4(),
        "uidb64": "MQ",
        "token": "set-password",
        "name": "master.m3u8",
        "slug": o["news_column"].slug,
        "number": o["letter"].tracking_number,
        "attempt_id": o["attempt"].public_id,
        "code": o["certificate"].token,
    }
    if name == "uploaded_file_id":
        return o["uploaded_image" if "image" in url_name else "uploaded_document"].pk
    if name in ("action", "action_name"):
        if url_name.startswith("mailbox_admin:board"):
            return BOARD_ACTIONS
        if "workflow" in url_name:
            return "approve"
        if "bulk" in url_name:
            return "delete"
        return "copy"
    if name in simple:
        return simple[name]
    if name == "pk":
        return _pk_for(url_name, pattern, world)
    return None


# Every step of the board admin view, each walked on its own (each step of a letter
# has a URL of its own).
BOARD_ACTIONS = ["approve", "reject", "hide", "reply", "dismiss", "grant", "deny"]


def _content_type(url_name: str) -> tuple[str, str]:
    """The app label and model name a content-type URL named url_name is given."""
    if "pages" in url_name:
        return "news", "newsarticlepage"
    if "tag" in url_name:
        return "news", "newstag"
    if "task" in url_name:
        return "wagtailcore", "groupapprovaltask"
    if "settings" in url_name:
        meta = _setting_model()._meta
        return meta.app_label, meta.model_name
    return "wagtailcore", "page"


def _setting_model():
    from wagtail.contrib.settings.registry import registry

    return next(iter(registry))


def _pk_for(url_name: str, pattern: URLPattern, world):
    o = world.objects
    if "revisions_compare" in url_name:
        return o["draft"].pk
    if url_name.startswith("mailbox_admin:board"):
        return o["board_message"].pk
    if url_name.startswith("mailbox_letters:"):
        return o["letter"].pk
    if url_name.startswith("mailbox:board"):
        return o["board_message"].pk
    if url_name.startswith("notifications:"):
        return o["notification"].pk
    if url_name.startswith("notices:"):
        return o["notice"].pk
    if url_name.startswith("notices_feedback"):
        return o["notice_feedback"].pk
    if url_name.startswith(("surveys:", "surveys_")):
        return o["survey"].pk
    if url_name.startswith("elections_paper"):
        return o["paper_election"].pk
    if url_name.startswith(("elections:", "elections_")):
        return o["election"].pk
    if url_name.startswith(
        ("assessment_report", "assessment_submit", "assessment_score")
    ) or url_name.startswith(("assessment_return", "assessment_evidence")):
        return o["assessment_report"].pk
    if url_name.startswith("assessment_"):
        return o["assessment_plan"].pk
    if url_name.startswith(("evaluation:", "evaluation_")):
        return o["evaluation_round"].pk
    if url_name.startswith("wagtailadmin_api:pages"):
        return o["article"].pk
    if url_name.startswith("wagtailadmin_api:documents"):
        return o["document"].pk
    if url_name.startswith("wagtailadmin_api:images"):
        return o["image"].pk
    if url_name.startswith("wagtailadmin_collections"):
        return o["collection"].pk
    if url_name.startswith("wagtailadmin_workflows") and "task" in url_name:
        return o["task"].pk
    if url_name.startswith("wagtailadmin_workflows"):
        return o["workflow"].pk
    if url_name.startswith("wagtaildocs_chooser"):
        return o["document"].pk
    if url_name.startswith("wagtailimages_chooser"):
        return o["image"].pk
    if url_name.startswith("wagtailsettings"):
        return _first_pk(_setting_model()) or _setting_model().load().pk
    if url_name == "library_retry_extraction":
        return o["attachment_text"].pk
    if url_name.startswith("school_assignments"):
        return o["course_assignment"].pk
    if url_name.startswith("exams_certificates"):
        return o["certificate"].pk
    if url_name.startswith("exams:contest"):
        return o["contest"].pk
    if url_name.startswith(("exams:", "exams_stats", "exams_exams")):
        return o["exam"].pk
    if url_name.startswith("exams_questions"):
        return o["question"].pk
    if url_name.startswith("school"):
        return o["video"].pk
    if url_name.startswith("news:"):
        return o["article"].pk
    if url_name.startswith(("members_activation", "members_organizations")):
        return o["organization"].pk
    model = _model_of(pattern)
    if model is not None:
        if model._meta.label == "wagtailcore.Page" or hasattr(model, "get_parent"):
            pass
        return _first_pk(model)
    return None


@dataclass
class Target:
    label: str  # URL name, or the page's title
    url: str
    ours: bool  # served by a view of our apps (pages count as ours)
    view: str  # the view's dotted name: Wagtail's views are walked once per view


# URL names the walker does not request, each with the reason.
NOT_WALKED = {
    "wagtailadmin_logout": "ends the session; logging out takes no parameters",
    "-:failwhale": "Wagtail's deliberate 500 page (/admin/failwhale/) for superusers",
}


def _view_of(pattern: URLPattern) -> tuple[bool, str]:
    callback = pattern.callback
    view = getattr(callback, "view_class", None) or callback
    module = getattr(view, "__module__", "") or type(view).__module__
    name = getattr(view, "__qualname__", type(view).__qualname__)
    return module.split(".")[0] in PROJECT_APPS, f"{module}.{name}"


def targets(world) -> tuple[list[Target], list[str]]:
    """Every URL to walk, and the patterns that could not be reversed."""
    from wagtail.models import Page

    found, missing = [], []
    for route, pattern, namespace in _patterns():
        name = f"{namespace}:{pattern.name}".strip(":") if pattern.name else None
        ours, view = _view_of(pattern)
        if name in NOT_WALKED or f"-:{pattern.name}" in NOT_WALKED:
            continue
        if "failwhale" in route:
            continue
        if name == "wagtail_serve":
            for page in Page.objects.live().specific().filter(depth__gte=2):
                found.append(
                    Target(f"page {page.title}", page.url, True, type(page).__name__)
                )
            continue
        if name == "wagtaildocs_serve":
            document = world.objects["document"]
            url = reverse(name, args=[document.pk, "zhidu.pdf"])
            found.append(Target(name, url, ours, view))
            continue
        if name is None:
            # Wagtail's admin catch-all (404 for unknown admin URLs).
            found.append(Target(route, "/admin/no-such-thing/", ours, view))
            continue
        converters = pattern.pattern.converters
        names = list(converters) or re.findall(r"\(\?P<(\w+)>", route)
        choices: list[dict] = [{}]
        for arg in names:
            value = _argument(arg, name, pattern, world)
            if value is None:
                missing.append(f"{name} ({route}): no value for {arg}")
                choices = []
                break
            values = value if isinstance(value, list) else [value]
            choices = [{**c, arg: v} for c in choices for v in values]
        for kwargs in choices:
            try:
                found.append(Target(name, reverse(name, kwargs=kwargs), ours, view))
            except Exception as exc:
                missing.append(f"{name} ({route}): {exc}")
    return found, missing


# --- Sending hostile values -------------------------------------------------------


@dataclass
class Failure:
    who: str
    method: str
    url: str
    values: str
    status: int
    error: str

    def __str__(self):
        return (
            f"{self.who} {self.method} {self.url} [{self.values}] -> {self.status} "
            f"{self.error}"
        )


def _short(value: str) -> str:
    return value if len(value) < 30 else f"{value[:12]}…({len(value)} chars)"


class Walker:
    """Sends the probes and the hostile requests, and keeps what went wrong."""

    def __init__(self, recorder: Recorder):
        self.recorder = recorder
        self.failures: list[Failure] = []
        self.guarded: list[Failure] = []
        self.requests = 0
        # Wagtail's views already walked with a set of keys (by any identity).
        self.walked: set = set()

    def send(self, method: str, url: str, data=None, content_type=None):
        client = self.client
        cookies = SimpleCookie(client.cookies.output(header="", sep="\n"))
        self.requests += 1
        with transaction.atomic():
            if method == "GET":
                response = client.get(url, data or {})
            elif content_type:
                response = client.post(url, data, content_type=content_type)
            else:
                response = client.post(url, data or {})
            transaction.set_rollback(True)
        client.cookies = cookies
        guard = getattr(response, "malformed_input_guard", None)
        if response.status_code >= 500 or (guard and self.target.ours):
            error = guard or ""
            if getattr(response, "exc_info", None):
                exc = response.exc_info[1]
                error = f"{type(exc).__name__}: {str(exc)[:160]}"
            if isinstance(data, dict):
                values = ", ".join(f"{k}={_short(str(v))}" for k, v in data.items())
            else:
                values = _short(str(data))
            failure = Failure(
                self.who, method, url, values, response.status_code, error
            )
            (self.failures if response.status_code >= 500 else self.guarded).append(
                failure
            )
        return response

    def walk(self, client: Client, who: str, target: Target, visit: Visit) -> None:
        """Probe target (GET, and POST unless visit says not); then send the visit's
        hostile values to the keys the probes saw read."""
        self.client, self.who, self.target = client, who, target
        url = target.url
        probe = dict.fromkeys(COMMON, "1")
        self.recorder.reset()
        self.send("GET", url, probe)
        if visit.values:
            self._hostile("GET", url, set(self.recorder.get_keys), visit.values)
        if not visit.post:
            return
        self.recorder.reset()
        response = self.send("POST", url, probe)
        keys = set(self.recorder.post_keys) | set(self.recorder.get_keys)
        body_read = self.recorder.body_read
        refused = response.status_code in (401, 403, 405) or (
            response.status_code == 302 and "login" in response.get("Location", "")
        )
        if not visit.values or refused:
            return
        self._hostile("POST", url, keys, visit.values)
        if body_read and self._first_time("JSON", set()):
            for body in HOSTILE_JSON:
                self.send("POST", url, body, content_type="application/json")

    def _first_time(self, method: str, names) -> bool:
        if self.target.ours:
            return True
        key = (self.target.view, method, frozenset(names))
        if key in self.walked:
            return False
        self.walked.add(key)
        return True

    def _hostile(self, method: str, url: str, keys: set, values: list) -> None:
        # Formset counts are capped by Django (1,000 forms); hostile ones only make
        # Wagtail's permission forms build and render a thousand rows a request.
        # ``next`` is read by home.middleware on every request, which drops any value
        # that is not a local path before a view sees it (test_bad_parameters.py).
        names = sorted(
            key
            for key in keys - {"csrfmiddlewaretoken", "next"}
            if not key.endswith(FORMSET_COUNTS)
        )
        if not names or not self._first_time(method, names):
            return
        for shift in range(len(values)):
            data = {
                name: values[(index + shift) % len(values)]
                for index, name in enumerate(names)
            }
            self.send(method, url, data)


@dataclass(frozen=True)
class Visit:
    """What to send one target: the probes (GET, and POST if post) and, if values,
    those hostile values to every key the probes saw read."""

    values: list | None = None
    post: bool = True


def walk(world, identities, plan) -> Walker:
    """Walk every target as each identity; plan(who, target) gives the Visit, or
    None to skip the target."""
    from pagecache.cache import purge_all

    found, _ = targets(world)
    logging.disable(logging.CRITICAL)  # thousands of expected 4xx warnings
    purge_all()  # nothing kept from before the world was built
    try:
        with (
            override_settings(
                PORTAL_PAGE_CACHE_SECONDS=0, PORTAL_PAGE_DATA_CACHE_SECONDS=600
            ),
            Recorder() as recorder,
        ):
            walker = Walker(recorder)
            for who in identities:
                client = Client(raise_request_exception=False)
                if world.users[who] is not None:
                    client.force_login(world.users[who])
                for target in found:
                    visit = plan(who, target)
                    if visit:
                        walker.walk(client, who, target, visit)
    finally:
        logging.disable(logging.NOTSET)
    return walker


def role_plan():
    """What each identity but the superuser is sent (test_malformed_input_roles.py):
    our admin views the role set of hostile values, our public views every value as
    anonymous and the role set as a 党员, Wagtail's views one probe per view."""
    from members.roles import MEMBER

    probed: set = set()

    def plan(who, target):
        if target.ours and target.url.startswith("/admin/"):
            return Visit(HOSTILE_FOR_ROLES)
        if target.ours:
            return {"匿名访客": Visit(HOSTILE), MEMBER: Visit(HOSTILE_FOR_ROLES)}.get(
                who, Visit()
            )
        if (who, target.view) in probed:
            return None
        probed.add((who, target.view))
        return Visit(post=False)

    return plan


def assert_no_server_errors(walker: Walker) -> None:
    assert not walker.failures, "\n".join(map(str, walker.failures[:100]))
    assert not walker.guarded, "our views must answer bad input themselves:\n" + (
        "\n".join(map(str, walker.guarded[:100]))
    )
