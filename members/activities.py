"""What the activities an organisation runs for its members share (a vote, a 民主评议
round, a 网上考核 plan): a title, an introduction and who created it
(``OrganizationActivity``), listed for a set of organisations with
``ActivityQuerySet.within``; and, for those with an opening and a closing time, the
window's check and phase (``TimeWindowMixin``). Each model keeps its own organisation
field, since labels, help texts and related names differ."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone

from .fields import user_reference


class ActivityQuerySet(models.QuerySet):
    def within(self, organizations):
        return self.filter(organization__in=organizations)


class OrganizationActivity(models.Model):
    """Abstract: the title, introduction and creator of an organisation's activity."""

    title = models.CharField("名称", max_length=80)
    intro = models.TextField("说明", max_length=2000, blank=True)
    created_by = user_reference(
        related_name="+",
        editable=False,
    )

    objects = ActivityQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self):
        return self.title


class TimeWindowMixin:
    """An activity open from ``opens_at`` until ``closes_at`` once its ``status`` is
    open."""

    def window_errors(self) -> dict[str, str]:
        """The model's validation errors of the window (for ``clean``)."""
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            return {"closes_at": "截止时间须晚于开始时间。"}
        return {}

    def window_phase(self, running: str, when: datetime.datetime | None = None) -> str:
        """upcoming, ``running`` or ended while the status is open; else the status."""
        when = when or timezone.now()
        if self.status == "open":
            if when < self.opens_at:
                return "upcoming"
            if when >= self.closes_at:
                return "ended"
            return running
        return self.status
