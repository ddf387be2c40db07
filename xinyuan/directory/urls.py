from django.urls import path

from xinyuan.directory import views

app_name = "directory"
urlpatterns = [
    path("", views.institution_list, name="institution-list"),
    path("new/", views.institution_add, name="institution-add"),
    path("export.xlsx", views.institution_export, name="institution-export"),
    path("import/", views.institution_import, name="institution-import"),
    path("<uuid:public_id>/edit/", views.institution_edit, name="institution-edit"),
    path(
        "<uuid:public_id>/deactivate/", views.institution_deactivate, name="institution-deactivate"
    ),
    path(
        "<uuid:public_id>/reactivate/", views.institution_reactivate, name="institution-reactivate"
    ),
]
