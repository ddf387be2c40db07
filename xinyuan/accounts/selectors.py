from django.db.models import QuerySet

from xinyuan.accounts.models import ApiToken, User
from xinyuan.core import permissions


def users_visible_to(user) -> QuerySet[User]:
    if user.organisation_id is None:
        return User.objects.none()
    return User.objects.filter(organisation_id=user.organisation_id).order_by("username")


def tokens_visible_to(user) -> QuerySet[ApiToken]:
    if permissions.has_perm(user, permissions.MANAGE_TOKENS):
        return ApiToken.objects.filter(user__organisation_id=user.organisation_id).select_related(
            "user"
        )
    return ApiToken.objects.filter(user=user).select_related("user")
