from django.urls import path

from xinyuan.operations.views import workload

app_name = "operations"
urlpatterns = [
    path("workload/", workload.workload, name="workload"),
    path("workload/limits/", workload.workload_limits, name="workload-limits"),
]
