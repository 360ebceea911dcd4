"""我的积分: a member's total, today's points per rule and the history."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from home.params import int_param
from school.page_context import member_of

from . import me, stats
from .models import PointEntry

PER_PAGE = 30


@never_cache
def my_points(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    member = member_of(request)
    if member is None:
        raise PermissionDenied("只有党员账号有学习积分。")
    page_number = int_param(request.GET, "page", default=1, minimum=1, maximum=10000)
    me.refresh(member)
    entries = PointEntry.objects.filter(member=member).select_related("rule")
    page = Paginator(entries, PER_PAGE).get_page(page_number)
    return render(
        request,
        "points/my_points.html",
        {"summary": stats.member_summary(member), "page": page},
    )
