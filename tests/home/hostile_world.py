"""One site with an object of every kind a URL can point at, and a user per role.

Built for the malformed-input walker (test_malformed_input.py): every URL pattern
is reversed with an object that exists here, so the views get past their lookups
and read their parameters. Everything goes through the apps' own installers and
services where they exist (setup_site's sections, submit_letter, post_message).
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.admin.models import EditingSession
from wagtail.contrib.redirects.models import Redirect
from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    PageViewRestriction,
    Site,
    Task,
    UploadedFile,
    Workflow,
)

from members.roles import (
    LEADER,
    MAILBOX_HANDLER,
    MEMBER,
    PUBLICIST,
    REVIEWER,
    SCHOOL_ADMIN,
    SITE_ADMIN,
)
from tests.assessment.factories import AssessmentPlanFactory, TaskItemFactory
from tests.elections.factories import ElectionFactory
from tests.evaluation.factories import RoundFactory
from tests.exams.factories import ExamFactory, ExamRuleFactory
from tests.mailbox.factories import MailboxFactory
from tests.members.factories import (
    MemberFactory,
    OrganizationFactory,
    UserFactory,
    make_staff_user,
)
from tests.notices.factories import NoticePageFactory
from tests.school.factories import (
    CourseCompletionFactory,
    CoursePageFactory,
    LessonPageFactory,
)

from .pdf_samples import plain_pdf

# Who walks the site: anonymous, a Django superuser, each role group, and a
# 组织管理员 (a user whose only right is an AdminScope on one branch).
IDENTITIES = {
    "匿名访客": "anonymous",
    "超级管理员": "superuser",
    SITE_ADMIN: "site_admin",
    PUBLICIST: "publicist",
    REVIEWER: "reviewer",
    SCHOOL_ADMIN: "school_admin",
    MAILBOX_HANDLER: "mailbox_handler",
    LEADER: "leader",
    MEMBER: "member",
    "组织管理员": "branch_admin",
}


@dataclass
class World:
    users: dict[str, object | None] = field(default_factory=dict)
    objects: dict[str, object] = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.objects[name]
        except KeyError:
            raise AttributeError(name) from None


def _png() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def build_world() -> World:
    """Every kind of object, related the way the site relates them."""
    from home.management.commands.setup_site import install_sections
    from home.models import HomePage
    from library.models import (
        AttachmentText,
        PolicyAttachment,
        PolicyCategory,
        PolicyDocumentPage,
        PolicyLibraryPage,
    )
    from mailbox import services as mailbox_services
    from mailbox.models import BoardCategory, CalendarDay, SensitiveWord
    from news.models import NewsColumn, NewsIndexPage
    from notifications.models import Notification
    from school.models import CourseCategory, SchoolIndexPage
    from school.services import assign_course
    from search.models import Synonym
    from tests.mailbox.conftest import letter_data
    from tests.news.factories import make_article
    from tests.school.factories import VideoFactory

    world = World()
    o = world.objects
    install_sections()
    o["home"] = HomePage.objects.get()
    o["site"] = Site.objects.get(is_default_site=True)
    o["collection"] = Collection.get_first_root_node().add_child(name="资料")

    committee = OrganizationFactory(name="集团党委")
    branch = OrganizationFactory(parent=committee, name="第一党支部", kind="branch")
    o["organization"] = branch
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    users = {
        "匿名访客": None,
        "超级管理员": superuser,
        SITE_ADMIN: make_staff_user(SITE_ADMIN, username="siteadmin"),
        PUBLICIST: make_staff_user(PUBLICIST, username="xuanchuan", scope=branch),
        REVIEWER: make_staff_user(REVIEWER, username="shenhe"),
        SCHOOL_ADMIN: make_staff_user(SCHOOL_ADMIN, username="dangxiao", scope=branch),
        MAILBOX_HANDLER: make_staff_user(MAILBOX_HANDLER, username="xinxiang"),
        LEADER: make_staff_user(LEADER, username="lingdao"),
        "组织管理员": make_staff_user(PUBLICIST, username="zuzhi", scope=branch),
    }
    member = MemberFactory(organization=branch, real_name="孙明")
    member.user.groups.add(Group.objects.get(name=MEMBER))
    users[MEMBER] = member.user
    world.users = users
    o["member"] = member
    o["user"] = member.user
    o["group"] = Group.objects.get(name=PUBLICIST)
    from members.models import AdminScope, SecurityEvent

    o["admin_scope"] = AdminScope.objects.first()
    o["security_event"] = SecurityEvent.objects.create(
        action=SecurityEvent.Action.LOGIN_FAILED, user=member.user
    )

    # Files.
    o["image"] = get_image_model().objects.create(
        title="封面", file=ContentFile(_png(), name="cover.png")
    )
    o["document"] = get_document_model().objects.create(
        title="制度汇编", file=ContentFile(plain_pdf(), name="zhidu.pdf")
    )
    o["uploaded_image"] = UploadedFile.objects.create(
        for_content_type=ContentType.objects.get_for_model(get_image_model()),
        file=SimpleUploadedFile("up.png", _png()),
        uploaded_by_user=superuser,
    )
    o["uploaded_document"] = UploadedFile.objects.create(
        for_content_type=ContentType.objects.get_for_model(get_document_model()),
        file=SimpleUploadedFile("up.pdf", plain_pdf()),
        uploaded_by_user=superuser,
    )

    # News: a published article, and a draft waiting in the review workflow.
    news_index = NewsIndexPage.objects.get()
    o["news_index"] = news_index
    o["news_column"] = NewsColumn.objects.first()
    o["article"] = make_article(news_index, "党建要闻", tags=["党建"], cover=o["image"])
    draft = make_article(news_index, "待审稿件", publish=False, user=users[PUBLICIST])
    workflow = draft.get_workflow()
    o["workflow_state"] = workflow.start(draft, users[PUBLICIST])
    o["task_state"] = o["workflow_state"].current_task_state
    o["draft"] = draft
    o["workflow"] = workflow
    o["task"] = Task.objects.get(pk=o["task_state"].task_id)
    o["revision"] = draft.latest_revision

    # Library.
    library = PolicyLibraryPage.objects.get()
    category = PolicyCategory.objects.first() or PolicyCategory.objects.create(
        name="党内法规"
    )
    o["policy_category"] = category
    policy = PolicyDocumentPage(
        title="中国共产党支部工作条例",
        issuer="中共中央",
        publish_date=datetime.date(2026, 1, 5),
        category=category,
    )
    library.add_child(instance=policy)
    policy.save_revision().publish()
    PolicyAttachment.objects.create(page=policy, document=o["document"])
    o["policy"] = policy
    o["attachment_text"], _ = AttachmentText.objects.get_or_create(
        document=o["document"], defaults={"status": "failed", "error": "测试"}
    )

    # School.
    school = SchoolIndexPage.objects.get()
    o["course_category"] = CourseCategory.objects.create(name="理论学习")
    course = CoursePageFactory(
        parent=school,
        title="党章学习",
        slug="dangzhang",
        summary="学习党章",
        category=o["course_category"],
    )
    course.save_revision().publish()
    o["video"] = VideoFactory(duration=100, title="第一讲视频")
    storage = o["video"].source.storage
    storage.save(o["video"].source.name, ContentFile(b"\x00\x00\x00\x18ftypmp42"))
    lesson = LessonPageFactory(
        parent=course, title="第一讲", slug="l1", video=o["video"]
    )
    lesson.save_revision().publish()
    o["course"], o["lesson"] = course, lesson

    # Exams: a question, a quiz after the lesson, the member's open attempt.
    from exams.models import Certificate, Question, QuestionCategory
    from exams.services import start_attempt

    o["question_category"] = QuestionCategory.objects.create(name="党章")
    o["question"] = Question.objects.create(
        kind="single",
        stem="党的最高领导机关是（ ）。",
        option_a="党的全国代表大会和它所产生的中央委员会",
        option_b="中央政治局",
        answer="A",
        category=o["question_category"],
    )
    o["exam"] = ExamFactory(title="随堂测验", lesson=lesson)
    ExamRuleFactory(exam=o["exam"], count=1)
    o["attempt"] = start_attempt(o["exam"], member)
    # The member completed the course: the completion issues a 结业证书.
    CourseCompletionFactory(member=member, course=course, credit_hours=1)
    o["certificate"] = Certificate.objects.get(member=member)
    # A 知识竞赛 of the member's branch, running, with the member's open attempt.
    o["contest"] = ExamFactory(
        contest=True,
        title="党章知识竞赛",
        organization=branch,
        ends_at=timezone.now() + datetime.timedelta(days=1),
    )
    ExamRuleFactory(exam=o["contest"], count=1)
    start_attempt(o["contest"], member)
    # The member's 每日答题 of today is started (its answer URL reads the JSON body).
    from exams.daily import start_today

    start_today(member)
    o["course_assignment"] = assign_course(
        course=course,
        organizations=[branch],
        deadline=timezone.localdate() + datetime.timedelta(days=30),
    )

    # Mailbox and board.
    for name in ("党建工作", "意见建议"):
        BoardCategory.objects.get_or_create(name=name)
    o["board_category"] = BoardCategory.objects.first()
    mailbox = MailboxFactory(
        name="党委书记信箱", handlers=[users[MAILBOX_HANDLER]], leaders=[users[LEADER]]
    )
    o["mailbox"] = mailbox
    letter, o["query_code"] = mailbox_services.submit_letter(
        letter_data(mailbox),
        files=[SimpleUploadedFile("a.png", _png())],
        ip="192.0.2.10",
        user=member.user,
    )
    mailbox_services.accept_letter(letter, by=users[MAILBOX_HANDLER])
    o["reply"] = mailbox_services.draft_reply(
        letter, by=users[MAILBOX_HANDLER], body="已转相关部门办理。"
    )
    letter.is_published = True
    letter.save(update_fields=["is_published"])
    o["letter"] = letter
    o["letter_attachment"] = letter.attachments.first()
    o["board_message"] = mailbox_services.post_message(
        author=member.user,
        category=o["board_category"],
        title="食堂建议",
        body="建议延长午餐时间。",
        anonymous=False,
    )
    o["calendar_day"] = CalendarDay.objects.create(
        date=datetime.date(2030, 1, 1), is_working_day=False, name="元旦"
    )
    o["sensitive_word"] = SensitiveWord.objects.create(word="赌博")
    # The member's own notification (others get 404 for it).
    o["notification"] = Notification.objects.create(
        recipient=member.user, kind="letter_replied", title="您的来信已答复"
    )

    # Notices: an open notice of the branch with one piece of feedback.
    from notices.models import NoticeIndexPage
    from notices.services import FeedbackData, submit_feedback

    notice = NoticePageFactory(
        parent=NoticeIndexPage.objects.get(),
        title="拟发展党员公示",
        organization=branch,
        starts=0,
    )
    o["notice"] = notice
    o["notice_feedback"], _ = submit_feedback(
        notice,
        FeedbackData("李四", "13800138000", "情况属实。"),
        ip="192.0.2.11",
        user=member.user,
    )

    # Surveys: an open members' survey of the branch, answered by the member.
    from django.http import QueryDict

    from surveys.models import Question
    from surveys.models import Survey as SurveyModel
    from surveys.services import submit_response

    survey = SurveyModel.objects.create(
        title="主题党日满意度调查",
        owner=branch,
        audience="members",
        results_visibility="respondents",
        closes_at=timezone.now() + datetime.timedelta(days=3),
        is_published=True,
    )
    choice = Question.objects.create(
        survey=survey, sort_order=0, kind="single", text="形式", options="好\n一般"
    )
    text = Question.objects.create(
        survey=survey, sort_order=1, kind="text", text="建议"
    )
    answers = QueryDict(mutable=True)
    answers.update({f"q{choice.pk}": "0", f"q{text.pk}": "很好"})
    submit_response(survey, answers, user=member.user)
    o["survey"] = survey

    # Elections: an open vote of the branch in which the member has voted.
    from elections.services import cast_ballot, open_election

    election = ElectionFactory(
        title="支部委员会选举",
        organization=branch,
        seats=1,
        closes_at=timezone.now() + datetime.timedelta(days=1),
        candidates=["王磊"],
    )
    candidate = election.candidates.get()
    open_election(election, by=superuser)
    vote = QueryDict(mutable=True)
    vote["candidate"] = str(candidate.pk)
    cast_ballot(election, vote, user=member.user)
    o["election"] = election
    # A closed in-person vote waiting for its paper ballots (the paper entry form).
    from elections.services import close_election

    paper_election = ElectionFactory(
        title="党小组长推选",
        organization=branch,
        seats=1,
        mode="in_person",
        opens_at=timezone.now() - datetime.timedelta(hours=2),
        closes_at=timezone.now() + datetime.timedelta(hours=1),
        candidates=["赵雪"],
    )
    open_election(paper_election, by=superuser)
    o["paper_election"] = close_election(paper_election, by=superuser)

    # 民主评议: an open round of the branch; the member wrote a self-assessment and
    # rated the branch's other member.
    from evaluation.services import open_round, rate, save_self_assessment

    colleague = MemberFactory(organization=branch, real_name="王磊")
    evaluation_round = RoundFactory(
        title="2026年度民主评议党员",
        organization=branch,
        closes_at=timezone.now() + datetime.timedelta(days=1),
    )
    open_round(evaluation_round, by=superuser)
    save_self_assessment(evaluation_round, member, "按时参加组织生活。")
    rate(evaluation_round, member, colleague.pk, "qualified", "")
    o["evaluation_round"] = evaluation_round

    # 网上考核: the committee's quarterly plan issued to the branch, one item
    # reported by the branch's 组织管理员 with a photo.
    from assessment import services as assessment_services

    plan = AssessmentPlanFactory(
        title="第一季度党建工作考核",
        organization=committee,
        period_start=datetime.date(timezone.localdate().year, 1, 1),
        period_end=datetime.date(timezone.localdate().year, 3, 31),
        created_by=None,
        targets=[branch],
    )
    TaskItemFactory(
        plan=plan, title="基层动态宣传", points=20, rule="news", rule_target=2
    )
    assessment_services.issue_plan(plan, by=superuser)
    o["assessment_plan"] = plan
    o["assessment_report"] = plan.reports.get()
    o["assessment_item"] = o["assessment_report"].items.get()
    assessment_services.submit_item(
        o["assessment_item"],
        assessment_services.ItemData("done", "每月发布基层动态"),
        files=[SimpleUploadedFile("photo.png", _png())],
        by=users["组织管理员"],
    )
    o["assessment_evidence"] = o["assessment_item"].evidence.get()

    # Search and the rest of Wagtail's admin.
    o["synonym"] = Synonym.objects.create(term="党建", alternatives="党的建设")
    query = Query.get("党章")
    o["search_promotion"] = SearchPromotion.objects.create(
        query=query, page=policy, sort_order=0
    )
    o["query"] = query
    o["redirect"] = Redirect.objects.create(old_path="/old", redirect_page=policy)
    o["editing_session"] = EditingSession.objects.create(
        user=superuser,
        content_type=ContentType.objects.get_for_model(draft.specific_class),
        object_id=str(draft.pk),
        last_seen_at=timezone.now(),
    )
    o["page_view_restriction"] = PageViewRestriction.objects.create(
        page=draft, restriction_type="password", password="secret"
    )
    o["group_approval_task"] = GroupApprovalTask.objects.first()
    o["workflow_any"] = Workflow.objects.first()
    user_model = get_user_model()
    o["any_user"] = user_model.objects.get(username="xuanchuan")
    return world
