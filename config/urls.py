import os

from django.urls import include, path

from config.api import api
from xinyuan.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("accounts/", include("xinyuan.accounts.urls")),
    path("cases/", include("xinyuan.cases.urls")),
    path("audit/", include("xinyuan.audit.urls")),
    path("reports/", include("xinyuan.reports.urls")),
    path("operations/", include("xinyuan.operations.urls")),
    path("directory/", include("xinyuan.directory.urls")),
    path("feedback/", include("xinyuan.operations.public_urls")),
    path("", include("xinyuan.assessments.urls")),
    path("", include("xinyuan.hotline.urls")),
]

if os.environ.get("XINYUAN_BENCH") == "1":
    from config.bench import bench_floor

    urlpatterns.append(path("bench/floor", bench_floor))
