"""Malformed input that reaches code we do not own answers 400/404, never 500.

Our views read parameters through home.params and answer bad values themselves.
Wagtail's admin views read some without bounds (ids in filters, page numbers,
``next``, form keys they expect), so a hostile value surfaces deep in Django, Python
or the database driver as one of a few exception classes. ``MalformedInputMiddleware``
turns exactly those into a Chinese 400 (or 404) page, logs each as a warning with the
line that raised it (a genuine bug still shows in the logs), and marks the response with
``malformed_input_guard`` so the malformed-input walker can check that our own views
never rely on it. Everything else still ends in a 500.
"""

from __future__ import annotations

import logging
import re
import traceback

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import InvalidPage
from django.db import DataError, OperationalError, connection, transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.urls import NoReverseMatch
from django.utils.datastructures import MultiValueDictKeyError
from django.utils.http import url_has_allowed_host_and_scheme
from wagtail.search.backends.base import FilterFieldError

logger = logging.getLogger("portal.malformed_input")

# ValueErrors Python and Django raise when converting a client's text: int(),
# float(), a model field preparing a lookup value, datetime constructors, psycopg
# refusing NUL characters. Any other ValueError is a bug and stays a 500.
_CONVERSION = re.compile(
    r"invalid literal for int\(\)"
    r"|could not convert string to float"
    r"|expected a number but got"
    r"|is out of range"
    r"|must be in \d+\.\.\d+"
    r"|cannot convert float (NaN|infinity) to integer"
    r"|Exceeds the limit \(\d+ digits\) for integer string conversion"
    r"|cannot contain NUL \(0x00\) characters"
    r"|is not a valid UUID"
)
BAD_VALUE = "请求中的参数超出范围或格式不正确，请检查后重试。"


_REVERSE = re.compile(
    r"Reverse for '(?P<name>.*?)'(?: with (?:keyword )?arguments '(?P<args>.*)')? not found",
    re.DOTALL,
)
INCOMPLETE = "提交的表单不完整，请刷新页面后重试。"


def _client_values(request) -> list[str]:
    values = [v for _, vs in request.GET.lists() for v in vs]
    if request.method == "POST" and request.content_type != "application/json":
        values += [v for _, vs in request.POST.lists() for v in vs]
    return [v for v in values[:500] if v]


def _reversed_client_value(exception: NoReverseMatch, request) -> bool:
    """Whether reverse() failed on a value the client sent (a name or an argument)."""
    match = _REVERSE.match(str(exception))
    if not match:
        return False
    args = match["args"] or ""
    return any(
        value == match["name"] or repr(value) in args
        for value in _client_values(request)
    )


def _guarded(exception: Exception, request) -> tuple[int, str] | None:
    """(status, message) for an exception caused by the client's input, else None."""
    if isinstance(exception, NoReverseMatch):
        # Wagtail reverses some parameters into URLs (parent_page_id of the link
        # choosers): a value no URL takes.
        return (400, BAD_VALUE) if _reversed_client_value(exception, request) else None
    if isinstance(exception, RecursionError):
        if "decoding a JSON" in str(exception):
            return 400, "提交的数据嵌套过深或格式不正确。"
        return None
    if isinstance(exception, FilterFieldError):
        # Wagtail's image chooser searches within a tag, which Image's search fields
        # cannot filter on.
        return 400, "不能在按标签筛选的同时搜索，请去掉其中一个条件。"
    if isinstance(exception, ProtectedError | RestrictedError):
        return 400, "该内容仍被其他内容引用，不能删除；可先修改或删除引用它的内容。"
    if isinstance(exception, MultiValueDictKeyError):
        return 400, INCOMPLETE
    if isinstance(exception, InvalidPage):
        return 404, "页码不存在。"
    if isinstance(exception, ObjectDoesNotExist):
        return 404, "要找的内容不存在或已被删除。"
    if isinstance(exception, OverflowError | DataError):
        # SQLite raises OverflowError for integers beyond 64 bits, PostgreSQL a
        # DataError (numeric value out of range, NUL in text, invalid input syntax).
        return 400, BAD_VALUE
    if isinstance(exception, OperationalError):
        # SQLite's limit on LIKE patterns (50,000 bytes), reached by a long search.
        if "LIKE or GLOB pattern too complex" in str(exception):
            return 400, "搜索内容过长，请缩短后重试。"
        return None
    if isinstance(exception, ValueError) and _CONVERSION.search(str(exception)):
        return 400, BAD_VALUE
    return None


def wants_json(request) -> bool:
    """Whether the client speaks JSON (API paths, JSON bodies, JSON-first Accept)."""
    accept = request.headers.get("Accept", "")
    return (
        request.path.startswith("/api/")
        or request.content_type == "application/json"
        or accept.startswith("application/json")
    )


def plain_error(request, status: int, message: str) -> HttpResponse:
    """A Chinese error page that needs no database (or JSON for JSON clients)."""
    if wants_json(request):
        return JsonResponse({"error": message}, status=status)
    html = loader.get_template("bad_request.html").render({"message": message})
    return HttpResponse(html, status=status)


def _is_local(url: str, request) -> bool:
    return url.startswith("/") and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


class MalformedInputMiddleware:
    """Drops a ``next`` that is not a local path; answers input errors from code we do
    not own with 400/404 (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        refused = _wagtail_precondition(request, view_func)
        if refused:
            response = plain_error(request, *refused)
            response.malformed_input_guard = "precondition"
            return response
        # Wagtail passes ``next`` to redirect(), which reads a value without a
        # slash as a URL name: NoReverseMatch, a 500. Nothing but a local path may
        # be a ``next`` (no scheme, no other host, so no open redirect either).
        if not _is_local(request.GET.get("next", "/"), request):
            request.GET = _without(request.GET, "next")
        # A posted form is looked at only once parsed (CSRF's check parses it), so
        # views that refuse a large body before reading it still can.
        if hasattr(request, "_post") and not _is_local(
            request.POST.get("next", "/"), request
        ):
            request.POST = _without(request.POST, "next")
        return None

    def process_exception(self, request, exception):
        guarded = _guarded(exception, request)
        if guarded is None:
            return None
        status, message = guarded
        where = traceback.extract_tb(exception.__traceback__)[-1]
        logger.warning(
            "%s %s answered %s for %s at %s:%s: %.200s",
            request.method,
            request.path,
            status,
            type(exception).__name__,
            where.filename,
            where.lineno,
            exception,
        )
        if isinstance(exception, DataError) and connection.in_atomic_block:
            # Inside a transaction (tests; ATOMIC_REQUESTS) PostgreSQL has aborted
            # it: it must roll back, and nothing more may query in this request, so
            # this request's change to the session (the idle clock) is not saved.
            transaction.set_rollback(True)
            if hasattr(request, "session"):
                request.session.modified = False
        response = plain_error(request, status, message)
        response.malformed_input_guard = type(exception).__name__
        return response


# Wagtail 8.0.1 views that fail on a malformed request in ways no exception class
# above names precisely (an AttributeError or KeyError inside Wagtail): each check
# looks at the request before the view runs and returns (status, message) to refuse.


def _external_link_without_url(request):
    # URLOrAbsolutePathField calls None.startswith when the field is missing.
    if request.method == "POST" and "external-link-chooser-url" not in request.POST:
        return 400, INCOMPLETE
    return None


def _tampered_redirect_import(request):
    # ConfirmImportManagementForm reads e.message of a BadSignature (no such
    # attribute) and cleaned_data of fields that failed (KeyError).
    from wagtail.contrib.redirects.forms import ConfirmImportManagementForm

    try:
        ConfirmImportManagementForm(request.POST).is_valid()
    except (AttributeError, KeyError):
        return 400, "导入数据无效或已被篡改，请重新上传文件。"
    return None


def _root_page_chosen(request):
    # The page chooser asks every chosen page for its parent; the root has none.
    from wagtail.models import Page

    ids = [i for i in request.GET.getlist("id") if i.isascii() and i.isdigit()]
    roots = set(
        Page.objects.filter(pk__in=[i for i in ids if len(i) < 10], depth=1)
        .values_list("pk", flat=True)
        .iterator()
    )
    if roots:
        return 400, "不能选择根页面。"
    return None


_PRECONDITIONS = {
    "wagtail.admin.views.chooser.ExternalLinkView": _external_link_without_url,
    "wagtail.contrib.redirects.views.process_import": _tampered_redirect_import,
    "wagtail.admin.views.chooser.ChosenMultipleView": _root_page_chosen,
}


def _wagtail_precondition(request, view_func) -> tuple[int, str] | None:
    view = getattr(view_func, "view_class", view_func)
    name = getattr(view, "__qualname__", type(view).__qualname__)
    check = _PRECONDITIONS.get(f"{view.__module__}.{name}")
    if check:
        return check(request)
    if request.method == "POST" and _chooser_without_creation_form(view_func):
        # Every snippet chooser has a "create" URL; without a creation form a POST
        # to it fails on None.is_valid().
        return 404, "此处不能新建内容。"
    return None


def _chooser_without_creation_form(view_func) -> bool:
    from wagtail.admin.views.generic.chooser import CreateViewMixin, CreationFormMixin

    view = getattr(view_func, "view_class", None)
    options = getattr(view_func, "view_initkwargs", {})
    return (
        isinstance(view, type)
        and issubclass(view, CreateViewMixin)
        and view.get_creation_form_class is CreationFormMixin.get_creation_form_class
        and not options.get("creation_form_class", view.creation_form_class)
        and options.get("form_fields", view.form_fields) is None
        and options.get("exclude_form_fields", view.exclude_form_fields) is None
    )


def _without(params, name: str):
    copy = params.copy()
    copy.pop(name, None)
    copy._mutable = False
    return copy
