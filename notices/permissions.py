"""Who sees and answers feedback on notices.

Staff with the model permissions of NoticeFeedback (站点管理员, 宣传员, 审核员) act
within their organisation scope (members.scopes): they see and answer feedback on
notices published by organisations in it. Site admins act on the whole tree; without
a scope there is nothing to see. Nobody adds or deletes feedback in the admin.
"""

from members.audit import register_log_scope
from members.permissions import OrganizationScopedPolicy

from .models import NoticeFeedback

REPLY_PERMISSION = "notices.reply_noticefeedback"


class NoticeFeedbackPermissionPolicy(OrganizationScopedPolicy):
    """View and change (answer) within the scope; never add or delete. Feedback is
    the organisation's that published its notice."""

    def user_has_permission(self, user, action):
        if action in ("add", "delete"):
            return False
        return super().user_has_permission(user, action)

    def organization_of(self, instance):
        return instance.notice.organization


feedback_policy = NoticeFeedbackPermissionPolicy(NoticeFeedback)
_VIEW_ACTIONS = ["view", "change", "reply"]


def can_reply(user, feedback: NoticeFeedback) -> bool:
    return feedback_policy.user_has_permission_for_instance(user, "reply", feedback)


def visible_feedback(user):
    return feedback_policy.instances_user_has_any_permission_for(user, _VIEW_ACTIONS)


def may_see_feedback(user) -> bool:
    return feedback_policy.user_has_any_permission(user, _VIEW_ACTIONS)


def register_feedback_log_scope() -> None:
    """History of feedback follows the same scope as the feedback."""
    register_log_scope(
        NoticeFeedback, visible_objects=visible_feedback, audience=may_see_feedback
    )
