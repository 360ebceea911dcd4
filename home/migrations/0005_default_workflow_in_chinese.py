"""Wagtail's default workflow in Chinese, approved by the 审核员.

wagtailcore.0048 creates a workflow and a task both named "Moderators approval" for
its "Moderators" group, on the root page: pages outside the sections' own workflows
(the home page, for one) showed 「提交给Moderators approval」 and waited for a group no
role is in. Renamed here, and the 审核员 approve it too.
"""

from django.db import migrations

OLD = "Moderators approval"
WORKFLOW = "默认审核流程"
TASK = "默认审核（审核员）"


def forwards(apps, schema_editor):
    Workflow = apps.get_model("wagtailcore", "Workflow")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    Group = apps.get_model("auth", "Group")
    Workflow.objects.filter(name=OLD).update(name=WORKFLOW)
    reviewers = Group.objects.filter(name="审核员").first()
    for task in GroupApprovalTask.objects.filter(name=OLD):
        task.name = TASK
        task.save(update_fields=["name"])
        if reviewers is not None:
            task.groups.add(reviewers)


def backwards(apps, schema_editor):
    Workflow = apps.get_model("wagtailcore", "Workflow")
    Task = apps.get_model("wagtailcore", "Task")
    Workflow.objects.filter(name=WORKFLOW).update(name=OLD)
    Task.objects.filter(name=TASK).update(name=OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0004_homecarouselitem_article_homecarouselitem_page"),
        ("members", "0003_role_groups"),
        ("wagtailcore", "0048_add_default_workflows"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
