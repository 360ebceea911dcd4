"""Admin menu 网上调查 (scoped ViewSet with questions inline), its results page,
open/close actions and the log actions they write."""

from django.urls import path
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from members.scoped_admin import (
    ScopedModelViewSet,
    register_log_actions,
)

from . import admin_views
from .forms import SurveyForm
from .models import Survey
from .permissions import register_survey_log_scope, survey_policy

LOG_ACTIONS = {
    "surveys.create": ("新建调查", "新建了网上调查"),
    "surveys.open": ("发布调查", "发布了网上调查"),
    "surveys.close": ("结束调查", "结束了网上调查"),
    "surveys.export": ("导出调查答卷", "导出了调查答卷"),
}

register_log_actions(LOG_ACTIONS)

register_permission_policy(Survey, survey_policy, exact_class=True)
register_survey_log_scope()


class SurveyViewSet(ScopedModelViewSet):
    """网上调查: surveys of the organisations in the user's scope."""

    model = Survey
    area = admin_views.survey_admin
    icon = "list-ul"
    menu_label = "网上调查"
    menu_order = 340
    search_fields = ["title"]
    search_backend_name = None
    list_filter = ["audience", "is_published"]
    index_view_class = admin_views.SurveyIndexView
    add_view_class = admin_views.SurveyCreateView
    edit_view_class = admin_views.SurveyEditView
    base_form_class = SurveyForm


@hooks.register("register_admin_viewset")
def register_survey_viewset():
    return SurveyViewSet("surveys_admin", url_prefix="surveys")


@hooks.register("register_admin_urls")
def register_survey_admin_urls():
    return [
        path(
            "surveys/<int:pk>/results/",
            admin_views.survey_results,
            name="surveys_results",
        ),
        path("surveys/<int:pk>/open/", admin_views.open_survey, name="surveys_open"),
        path("surveys/<int:pk>/close/", admin_views.close_survey, name="surveys_close"),
    ]
