"""Use cases of the news portal that change state."""

from django.contrib.auth.models import Group
from django.db import transaction
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from home.sections import grant_collection_permissions, grant_page_permissions

from .models import NewsIndexPage

PUBLICIST = "宣传员"
REVIEWER = "审核员"
SITE_ADMIN = "站点管理员"
WORKFLOW_NAME = "新闻审核发布"
TASK_NAME = "审核员审核"

# Wagtail page permissions on the news index, per role. 宣传员 may write and edit but
# not publish: everything they write goes through the review workflow.
PAGE_PERMISSIONS = {
    PUBLICIST: ["add_page", "change_page"],
    REVIEWER: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
    SITE_ADMIN: [
        "add_page",
        "change_page",
        "publish_page",
        "bulk_delete_page",
        "lock_page",
        "unlock_page",
    ],
}
# Image and document permissions on the root collection (cover images, attachments).
COLLECTION_PERMISSIONS = {
    PUBLICIST: [
        ("wagtailimages", "add_image"),
        ("wagtailimages", "choose_image"),
        ("wagtaildocs", "add_document"),
        ("wagtaildocs", "choose_document"),
    ],
    REVIEWER: [
        ("wagtailimages", "add_image"),
        ("wagtailimages", "change_image"),
        ("wagtailimages", "choose_image"),
        ("wagtaildocs", "add_document"),
        ("wagtaildocs", "change_document"),
        ("wagtaildocs", "choose_document"),
    ],
    SITE_ADMIN: [
        ("wagtailimages", "add_image"),
        ("wagtailimages", "change_image"),
        ("wagtailimages", "delete_image"),
        ("wagtailimages", "choose_image"),
        ("wagtaildocs", "add_document"),
        ("wagtaildocs", "change_document"),
        ("wagtaildocs", "delete_document"),
        ("wagtaildocs", "choose_document"),
    ],
}


@transaction.atomic
def install_news_section(
    home: Page | None = None, *, title: str = "新闻中心"
) -> NewsIndexPage:
    """Create (or repair) the news index, its review workflow and role permissions."""
    index = NewsIndexPage.objects.first()
    if index is None:
        if home is None:
            home = Site.objects.get(is_default_site=True).root_page
        index = NewsIndexPage(title=title, slug="news", show_in_menus=True)
        home.add_child(instance=index)
        index.save_revision().publish()
    groups = {
        name: Group.objects.get_or_create(name=name)[0] for name in PAGE_PERMISSIONS
    }
    _grant_page_permissions(index, groups)
    _grant_collection_permissions(groups)
    assign_review_workflow(index, groups[REVIEWER])
    return index


def _grant_page_permissions(index: Page, groups: dict[str, Group]) -> None:
    for name, codenames in PAGE_PERMISSIONS.items():
        grant_page_permissions(groups[name], index, codenames)


def _grant_collection_permissions(groups: dict[str, Group]) -> None:
    root = Collection.get_first_root_node()
    for name, permissions in COLLECTION_PERMISSIONS.items():
        grant_collection_permissions(groups[name], root, permissions)


def assign_review_workflow(
    index: Page, reviewers: Group, name: str = WORKFLOW_NAME
) -> Workflow:
    """The workflow ``name`` (one task: the 审核员 approve) on ``index`` and below."""
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME)
    task.groups.add(reviewers)
    workflow, _ = Workflow.objects.get_or_create(name=name)
    WorkflowTask.objects.get_or_create(
        workflow=workflow, task=task, defaults={"sort_order": 0}
    )
    WorkflowPage.objects.update_or_create(page=index, defaults={"workflow": workflow})
    return workflow
