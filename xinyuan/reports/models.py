"""The one thing reports store: the director's sign-off of a work report (the rest is read)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinyuan.core.models import PublicModel


class WorkReportSignOff(PublicModel):
    """The centre's director confirmed the work report of one period (负责人签字), in the app:
    who and when. The printed form keeps its blank lines for the ink signature and for the
    reviewing department (审核部门), which is outside the platform."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    period_kind = models.CharField(_("period"), max_length=10)
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("to"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed at"))

    class Meta:
        verbose_name = _("work report sign-off")
        verbose_name_plural = _("work report sign-offs")
        ordering = ["-signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "first_day", "last_day"],
                name="work_report_signed_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_day}–{self.last_day}"
