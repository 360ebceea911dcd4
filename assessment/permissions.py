"""Who does what in 网上考核. Everyone acting holds the plan permissions of their role
(站点管理员, 宣传员, 领导: members.roles) and a 组织管理员 scope (members.scopes):

* the issuing organisation's staff (its scope covers the plan's 考核党组织) draft,
  issue, score, return, close and publish the plan, and see every report of it;
* a target organisation's staff (their scope covers the report's organisation)
  see the issued plan and report for their own organisation only;
* anyone else gets 403 on the plan, its reports, evidence and export, and staff whose
  scope neither assesses nor is assessed get 403 on the lists too.
"""

from __future__ import annotations

from django.db.models import Q

from members.audit import register_log_scope
from members.permissions import OrganizationScopedPolicy
from members.scopes import can_manage_organization, is_site_admin, organizations_for

from .models import AssessmentPlan, PlanStatus, Report

_ANY = ["view", "change", "delete"]


class PlanPermissionPolicy(OrganizationScopedPolicy):
    """Changes by the issuing organisation's staff while the plan is a draft; seeing
    it also by the staff of the organisations it assesses, once issued."""

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "view":
            return self.user_has_permission(user, action) and (
                manages(user, instance) or reports_for(user, instance).exists()
            )
        return super().user_has_permission_for_instance(user, action, instance)

    def allows(self, action, instance):
        return action not in ("change", "delete") or instance.status == PlanStatus.DRAFT

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return AssessmentPlan.objects.none()
        return visible_plans(user)


plan_policy = PlanPermissionPolicy(AssessmentPlan)


def may_use_assessment(user) -> bool:
    """Holds the plan permissions with a scope and has business here: an organisation
    in the scope has organisations below it to assess, or a plan concerns the scope.
    Staff of a branch nobody assesses get 403 rather than an empty list."""
    if not plan_policy.user_has_any_permission(user, [*_ANY, "add"]):
        return False
    if is_site_admin(user):
        return True
    orgs = organizations_for(user)
    return orgs.filter(numchild__gt=0).exists() or visible_plans(user).exists()


def manages(user, plan: AssessmentPlan) -> bool:
    """The issuing organisation's staff: score, return, close, publish, export."""
    return plan_policy.user_has_permission(user, "view") and can_manage_organization(
        user, plan.organization
    )


def reports_for(user, plan: AssessmentPlan):
    """The reports of the plan the user may see: all for its issuer's staff, their
    own organisations' for a target's staff (once issued), none for anyone else."""
    if not plan_policy.user_has_permission(user, "view"):
        return Report.objects.none()
    reports = Report.objects.filter(plan=plan)
    if can_manage_organization(user, plan.organization):
        return reports
    if plan.status == PlanStatus.DRAFT:
        return Report.objects.none()
    return reports.in_organizations(organizations_for(user))


def can_report(user, report: Report) -> bool:
    """A target's staff (or the issuer's, reporting on its behalf) while issued."""
    return (
        plan_policy.user_has_permission(user, "view")
        and report.plan.status == PlanStatus.ISSUED
        and can_manage_organization(user, report.organization)
    )


def visible_plans(user):
    if not plan_policy.user_has_permission(user, "view"):
        return AssessmentPlan.objects.none()
    orgs = organizations_for(user)
    return AssessmentPlan.objects.filter(
        Q(organization__in=orgs)
        | Q(
            pk__in=Report.objects.filter(organization__in=orgs)
            .exclude(plan__status=PlanStatus.DRAFT)
            .values("plan")
        )
    )


def visible_reports(user):
    if not plan_policy.user_has_permission(user, "view"):
        return Report.objects.none()
    orgs = organizations_for(user)
    return Report.objects.filter(
        Q(plan__organization__in=orgs)
        | Q(organization__in=orgs) & ~Q(plan__status=PlanStatus.DRAFT)
    )


def register_assessment_log_scopes() -> None:
    register_log_scope(
        AssessmentPlan, visible_objects=visible_plans, audience=may_use_assessment
    )
    register_log_scope(
        Report, visible_objects=visible_reports, audience=may_use_assessment
    )
