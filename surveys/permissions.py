"""Who manages surveys and who sees their results.

Staff with the model permissions of Survey (站点管理员 and 宣传员, members.roles) act
within their organisation scope (members.scopes): they see, create, change and
delete surveys whose 发起党组织 lies in it, and see every result of those. Site
admins act on the whole tree; without a scope there is nothing to act on. A survey
that has responses is never deleted (its answers are a record).

Results are also shown outside the admin when the survey says so
(Survey.results_visibility): to whoever has answered it, or to anyone who may open
it once it has closed.
"""

from __future__ import annotations

from members.audit import register_log_scope
from members.permissions import OrganizationScopedPolicy

from .models import Audience, ResultsVisibility, Survey

_ANY = ["view", "change", "delete"]


class SurveyPermissionPolicy(OrganizationScopedPolicy):
    """Model permissions, limited to the surveys of organisations in the user's scope."""

    def organization_of(self, instance):
        return instance.owner

    def allows(self, action, instance):
        # Answers are a record: a survey with responses is never deleted.
        return action != "delete" or not instance.responses.exists()


survey_policy = SurveyPermissionPolicy(Survey)


def may_manage_surveys(user) -> bool:
    return survey_policy.user_has_any_permission(user, [*_ANY, "add"])


def manages(user, survey: Survey) -> bool:
    """Whether the user is staff of the survey (sees it and its results always)."""
    return survey_policy.user_has_any_permission_for_instance(user, _ANY, survey)


def visible_surveys(user):
    return survey_policy.instances_user_has_any_permission_for(user, _ANY)


def may_see_results(survey: Survey, user, *, answered: bool) -> bool:
    """Staff always; else what the survey allows (answered: this visitor responded)."""
    if manages(user, survey):
        return True
    if not survey.is_published:
        return False
    visibility = survey.results_visibility
    if visibility == ResultsVisibility.RESPONDENTS:
        return answered
    if visibility == ResultsVisibility.PUBLIC:
        return answered or (survey.state() == "closed" and may_open(survey, user))
    return False


def may_open(survey: Survey, user) -> bool:
    """Whether the visitor belongs to the survey's audience (whatever its dates)."""
    if survey.audience == Audience.PUBLIC:
        return True
    member = getattr(user, "member", None) if user.is_authenticated else None
    if member is None:
        return False
    if survey.audience == Audience.ORGANIZATION:
        return member.organization.path.startswith(survey.audience_organization.path)
    return True


def register_survey_log_scope() -> None:
    """History of surveys follows the same scope as the surveys."""
    register_log_scope(
        Survey, visible_objects=visible_surveys, audience=may_manage_surveys
    )
