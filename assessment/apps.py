from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = "网上考核"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from notifications import kinds

        kinds.register("assessment_issued", "收到考核任务", staff_only=True)
        kinds.register("assessment_returned", "考核任务被退回补充", staff_only=True)
        kinds.register("assessment_overdue", "考核任务逾期未报送", staff_only=True)
        kinds.register("assessment_unscored", "考核报送待评分", staff_only=True)
