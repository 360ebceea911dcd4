"""Members' pages: an exam's page with their history, taking an attempt (answers saved
one at a time as JSON), submitting, and the result; the panels on lesson and course
pages."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from home.params import BadParameter, int_param, json_body, json_int
from members.client_ip import client_ip
from school.page_context import member_of

from . import certificates, contests, daily, rules, services
from .models import Attempt, Certificate, Exam

MAX_ANSWER_BYTES = 8 * 1024


def _visible(page, request) -> bool:
    if page is None or not page.live:
        return False
    return all(r.accept_request(request) for r in page.get_view_restrictions())


def _exam(request, pk: int) -> Exam:
    exam = get_object_or_404(
        Exam.objects.select_related("lesson", "course"), pk=pk, is_active=True
    )
    if exam.is_contest:
        return exam  # who may enter is checked by services.start_attempt
    if not _visible(exam.target_page, request):
        raise Http404("找不到这个考试。")
    return exam


def _member(request):
    member = member_of(request)
    if member is None:
        raise PermissionDenied("只有党员账号可以参加测验和考试。")
    return member


def _history(exam: Exam, member) -> dict:
    attempts = list(Attempt.objects.filter(exam=exam, member=member))
    submitted = [a for a in attempts if not a.is_open]
    return {
        "attempts": submitted,
        "open_attempt": next((a for a in attempts if a.is_open), None),
        "best": max((a.score or 0 for a in submitted), default=None),
        "passed": any(a.passed for a in submitted),
        "attempts_left": None
        if not exam.max_attempts
        else max(0, exam.max_attempts - len(attempts)),
    }


def exam_panel(page, request, member) -> str:
    """The card on a lesson (随堂测验) or course (结业考试) page; '' if it has none."""
    exam = services.exams_for_pages([page.pk]).get(page.pk)
    if exam is None:
        return ""
    history = _history(exam, member) if member else {}
    return render_to_string(
        "exams/panel.html",
        {"exam": exam, "member": member, **history},
        request=request,
    )


@never_cache
def exam_detail(request, pk: int):
    """What the exam is, the member's attempts, and the button to start or resume."""
    exam = _exam(request, pk)
    if exam.is_contest:
        return redirect("exams:contest", pk=exam.pk)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    member = _member(request)
    history = _history(exam, member)
    if history["open_attempt"] and services.finish_if_overdue(history["open_attempt"]):
        history = _history(exam, member)
    return render(
        request,
        "exams/exam_detail.html",
        {"exam": exam, "page_back": exam.target_page, **history},
    )


@require_POST
def start(request, pk: int):
    exam = _exam(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("exams:exam", args=[pk]))
    member = _member(request)
    try:
        attempt = services.start_attempt(exam, member)
    except services.ExamError as exc:
        messages.error(request, exc.message)
        if exam.is_contest:
            return redirect("exams:contest", pk=exam.pk)
        return redirect("exams:exam", pk=exam.pk)
    return redirect("exams:attempt", attempt_id=attempt.public_id)


def for_taking(answer) -> None:
    """What the page of an open question shows: the options under the letters A, B, …
    in the order this member sees them (the stored letters are the bank's), no key."""
    answer.chosen = set(answer.response or [])
    answer.blank_values = list(answer.response or [""] * answer.blanks)
    answer.display = [
        (chr(ord("A") + index), letter, text)
        for index, (letter, text) in enumerate(answer.options)
    ]


def for_review(answer) -> None:
    """What the page of a marked question shows: each option with whether it is right
    and whether it was chosen, and the key in the letters the member saw."""
    labels = {
        letter: chr(ord("A") + index)
        for index, (letter, _text) in enumerate(answer.options)
    }
    answer.display = [
        (labels[letter], letter in answer.key, letter in (answer.response or []), text)
        for letter, text in answer.options
    ]
    if answer.kind == rules.JUDGE or answer.kind == rules.FILL:
        answer.key_text = answer.key_display
    else:
        answer.key_text = "".join(sorted(labels[letter] for letter in answer.key))


def _attempt(request, attempt_id) -> Attempt:
    attempt = get_object_or_404(
        Attempt.objects.select_related("exam", "exam__lesson", "exam__course"),
        public_id=attempt_id,
    )
    if attempt.member_id != getattr(member_of(request), "pk", None):
        raise PermissionDenied("这份答卷不属于您。")
    return attempt


@never_cache
def attempt_page(request, attempt_id):
    """An open attempt to take (it resumes where the member left it), or its result."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    attempt = _attempt(request, attempt_id)
    if attempt.exam.is_daily:
        return redirect("exams:daily")
    services.finish_if_overdue(attempt)
    answers = list(attempt.answers.all())
    exam = attempt.exam
    context = {"attempt": attempt, "exam": exam, "answers": answers}
    if attempt.is_open:
        for answer in answers:
            for_taking(answer)
        left = attempt.seconds_left()
        context["seconds_left"] = left
        # The same text attempt.js writes every half second, so the bar does not
        # change format when the script starts.
        context["time_left"] = f"剩余 {left // 60}:{left % 60:02d}"
        return render(request, "exams/attempt.html", context)
    for answer in answers:
        for_review(answer)
    context.update(_history(exam, attempt.member))
    context["published"] = exam.results_published()
    context["reveal"] = exam.show_explanations and context["published"]
    return render(request, "exams/result.html", context)


@require_POST
def save_answer(request, attempt_id):
    """One answer as JSON {"position": n, "answer": [...]}; answers in JSON."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "登录已失效，请重新登录。"}, status=403)
    try:
        attempt = _attempt(request, attempt_id)
    except PermissionDenied:
        return JsonResponse({"error": "这份答卷不属于您。"}, status=403)
    try:
        data = json_body(request, max_bytes=MAX_ANSWER_BYTES, max_depth=3)
        if not isinstance(data, dict):
            raise BadParameter("提交的数据格式不正确。")
        position = json_int(data, "position", minimum=1, maximum=services.MAX_QUESTIONS)
        if position is None:
            raise BadParameter("缺少参数 position。")
    except BadParameter as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    try:
        answer = services.save_answer(
            attempt,
            member=member_of(request),
            position=position,
            response=data.get("answer"),
        )
    except services.ExamError as exc:
        return JsonResponse({"error": exc.message}, status=exc.status)
    return JsonResponse(
        {"saved": True, "position": answer.position, "saved_at": answer.saved_at}
    )


def _form_responses(post, answers) -> dict:
    responses = {}
    for answer in answers:
        name = f"q{answer.position}"
        if answer.kind == rules.FILL:
            values = [post.get(f"{name}_{i}") for i in range(answer.blanks)]
            if any(v is not None for v in values):
                responses[answer.position] = [v or "" for v in values]
        elif name in post:
            responses[answer.position] = post.getlist(name)[:6]
    return responses


@require_POST
def submit(request, attempt_id):
    """Hand in: saves the form's answers if the time is not up, grades once."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("exams:attempt", args=[attempt_id]))
    attempt = _attempt(request, attempt_id)
    if attempt.exam.is_daily:
        messages.error(request, "每日答题请在每日答题页面逐题作答。")
        return redirect("exams:daily")
    responses = _form_responses(request.POST, attempt.answers.all())
    result = services.submit_attempt(
        attempt, member=member_of(request), responses=responses
    )
    if result.already:
        messages.info(request, "这份答卷已经交过，成绩不会改变。")
    elif result.attempt.timed_out:
        messages.warning(request, "答题时间已到，按时间截止前保存的答案评分。")
    return redirect("exams:attempt", attempt_id=attempt.public_id)


# ---- 结业证书 ------------------------------------------------------------------------


def _code_chars(code: str) -> bool:
    """Serials and tokens are letters, digits, dashes and underscores; anything else (a NUL byte,
    markup) is refused before it reaches the database."""
    return all(c.isascii() and (c.isalnum() or c in "-_") for c in code)


def _search_page(request, error: str, status: int, code: str | None = None):
    """The search page again, saying why the code was not looked up or not found."""
    context = {"error": error}
    if code is not None:
        context["code"] = code[:40]
    return render(request, "exams/certificate_search.html", context, status=status)


def _malformed(code: str) -> bool:
    return len(code) > certificates.MAX_CODE_LENGTH or not _code_chars(code)


def certificate_search(request):
    """The public page to type a serial printed on a certificate."""
    code = request.GET.get("code")
    if code is not None:
        code = code.strip()
        if not code:
            return _search_page(request, "请输入证书编号。", 400)
        if _malformed(code):
            return _search_page(request, "证书编号格式不正确。", 400, code)
        return redirect("exams:certificate_verify", code=code)
    return render(request, "exams/certificate_search.html", {})


@never_cache
def certificate_verify(request, code: str):
    """The certificate's facts with the name partly masked, and whether it is valid."""
    if _malformed(code):
        return _search_page(request, "证书编号格式不正确。", 400, code)
    try:
        certificate = certificates.find_certificate(code, ip=client_ip(request))
    except certificates.RateLimited as exc:
        return _search_page(request, str(exc), 429)
    if certificate is None:
        return _search_page(
            request, "没有找到这个编号的结业证书，请核对后重新输入。", 404, code
        )
    return render(
        request,
        "exams/certificate_verify.html",
        {"certificate": certificate},
    )


def may_download(request, certificate) -> bool:
    """The member it was issued to, or staff of its organisation's part of the tree."""
    member = member_of(request)
    if member is not None and member.pk == certificate.member_id:
        return True
    from .permissions import certificates_for

    return certificates_for(request.user).filter(pk=certificate.pk).exists()


@never_cache
def certificate_pdf(request, code: str):
    """The PDF, for its member (and scoped staff); refused to everyone else."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not _code_chars(code):
        raise Http404("找不到这张证书。")
    certificate = Certificate.objects.filter(token=code).first()
    if certificate is None:
        raise Http404("找不到这张证书。")
    if not may_download(request, certificate):
        raise PermissionDenied("这张证书不属于您。")
    if certificate.is_revoked:
        raise PermissionDenied("这张证书已被撤销，不能下载。")
    try:
        data = certificates.pdf_for(certificate, request)
    except certificates.CertificateError as exc:
        return render(request, "exams/certificate_search.html", {"error": str(exc)},
                      status=503)  # fmt: skip
    response = HttpResponse(data, content_type="application/pdf")
    filename = f"结业证书-{certificate.course_title}-{certificate.serial}.pdf"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def certificate_panel(course, request, member) -> str:
    """The 结业证书 card on a completed course's page ('' before completion)."""
    if member is None:
        return ""
    certificate = certificates.certificate_for(member, course)
    if certificate is None:
        return ""
    return render_to_string(
        "exams/certificate_panel.html", {"certificate": certificate}, request=request
    )


# ---- 知识竞赛 ------------------------------------------------------------------------


@never_cache
def contest_list(request):
    """The contests open to the signed-in member: running, coming and finished."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    member = _member(request)
    now = timezone.now()
    found = contests.contests_for_member(member, now=now)
    groups = {"open": [], "upcoming": [], "closed": []}
    for exam in found:
        groups[exam.contest_phase(now)].append(exam)
    return render(request, "exams/contest_list.html", {"groups": groups})


def _contest(pk: int) -> Exam:
    return get_object_or_404(
        Exam.objects.select_related("organization"),
        pk=pk,
        kind=Exam.Kind.CONTEST,
        is_active=True,
    )


def _board_scope(request, exam):
    """None (the whole audience) for a member of it; staff's own part of the tree;
    PermissionDenied for everyone else."""
    member = member_of(request)
    if contests.in_audience(exam, member):
        return None
    from .admin_views import STATS_PERMISSION, report_organizations

    if request.user.has_perm(STATS_PERMISSION):
        return report_organizations(request.user)
    raise PermissionDenied("您不在本次竞赛的参赛范围内，不能查看。")


@never_cache
def contest_detail(request, pk: int):
    """The contest's rules and window, the member's attempts, start or resume."""
    exam = _contest(pk)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    member = member_of(request)
    scope = _board_scope(request, exam)
    if exam.contest_phase() == "closed":
        contests.close_overdue(exam)  # results are published at the close
    context = {
        "exam": exam,
        "phase": exam.contest_phase(),
        "staff_view": scope is not None,
    }
    if member is not None and scope is None:
        history = _history(exam, member)
        if history["open_attempt"] and services.finish_if_overdue(
            history["open_attempt"]
        ):
            history = _history(exam, member)
        context.update(history)
    return render(request, "exams/contest_detail.html", context)


@never_cache
def contest_board(request, pk: int):
    """Live leaderboards by member and by branch; final once the window closed."""
    exam = _contest(pk)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    scope = _board_scope(request, exam)
    phase = exam.contest_phase()
    if phase == "closed":
        contests.close_overdue(exam)
    result = contests.boards(exam, scope)
    member = member_of(request)
    mine = next(
        (row for row in result.members if member and row.member_id == member.pk), None
    )
    return render(
        request,
        "exams/contest_board.html",
        {
            "exam": exam,
            "phase": phase,
            "boards": result,
            "mine": mine,
            "staff_view": scope is not None,
            "refresh": phase == "open",
        },
    )


# ---- 每日答题 ------------------------------------------------------------------------


def _daily_context(request, member) -> dict:
    summary = daily.summary(member)
    answers = []
    if summary.daily_set is not None:
        answers = list(summary.daily_set.attempt.answers.all())
        for answer in answers:
            if answer.saved_at is None and summary.daily_set.attempt.is_open:
                for_taking(answer)
            else:
                for_review(answer)
    return {"summary": summary, "answers": answers}


def _daily_member(request):
    member = member_of(request)
    if member is None:
        raise PermissionDenied("只有党员账号可以参加每日答题。")
    return member


@never_cache
def daily_page(request):
    """Today's five questions: a start button, then each question with its own submit;
    an answered one shows right or wrong, the key and the 解析; the day's result and
    the streak on top."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    member = _daily_member(request)
    current = daily.today_set(member)
    if current is not None:
        services.finish_if_overdue(current.attempt)
    return render(request, "exams/daily.html", _daily_context(request, member))


@require_POST
def daily_start(request):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("exams:daily"))
    member = _daily_member(request)
    try:
        daily.start_today(member)
    except services.ExamError as exc:
        messages.error(request, exc.message)
    return redirect("exams:daily")


def _daily_wants_json(request) -> bool:
    return request.content_type == "application/json"


@require_POST
def daily_answer(request):
    """One answer of today's set, final once given: JSON {"position": n, "answer":
    [...]} answered with the marked question's HTML, or the page's form (position and
    q<n>) answered with a redirect back to the question."""
    as_json = _daily_wants_json(request)

    def refuse(message: str, status: int):
        if as_json:
            return JsonResponse({"error": message}, status=status)
        messages.error(request, message)
        return redirect("exams:daily")

    if not request.user.is_authenticated:
        if as_json:
            return JsonResponse({"error": "登录已失效，请重新登录。"}, status=403)
        return redirect_to_login(reverse("exams:daily"))
    member = member_of(request)
    if member is None:
        return refuse("只有党员账号可以参加每日答题。", 403)
    current = daily.today_set(member)
    if current is None:
        return refuse("今天的题目还没有开始，请先点击“开始答题”。", 409)
    try:
        if as_json:
            data = json_body(request, max_bytes=MAX_ANSWER_BYTES, max_depth=3)
            if not isinstance(data, dict):
                raise BadParameter("提交的数据格式不正确。")
            position = json_int(data, "position", minimum=1, maximum=50)
            response = data.get("answer")
        else:
            position = int_param(request.POST, "position", minimum=1, maximum=50)
            response = None
        if position is None:
            raise BadParameter("缺少参数 position。")
    except BadParameter as exc:
        return refuse(str(exc), 400)
    if not as_json:
        answers = current.attempt.answers.filter(position=position)
        response = _form_responses(request.POST, answers).get(position, [])
    try:
        services.answer_and_mark(
            current.attempt, member=member, position=position, response=response
        )
    except services.ExamError as exc:
        return refuse(exc.message, exc.status)
    if not as_json:
        return redirect(reverse("exams:daily") + f"#q{position}")
    context = _daily_context(request, member)
    marked = next(a for a in context["answers"] if a.position == position)
    return JsonResponse(
        {
            "position": position,
            "correct": marked.correct,
            "done": context["summary"].finished,
            "question": render_to_string(
                "exams/includes/daily_question.html",
                {"answer": marked, **context},
                request=request,
            ),
            "summary": render_to_string(
                "exams/includes/daily_summary.html", context, request=request
            ),
        }
    )
