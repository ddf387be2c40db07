"""``GET /api/v1/directory``: the centre's partner institutions (OP-05), searched and filtered
as on the page, paged. Scoped as the page: a user of a centre with ``VIEW_DIRECTORY`` sees
their centre's entries only; anyone else 403."""

from datetime import datetime
from uuid import UUID

from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from xinyuan.core.errors import PermissionDeniedError
from xinyuan.core.pagination import BoundedPagination
from xinyuan.directory import selectors
from xinyuan.directory.access import decide_directory
from xinyuan.directory.models import InstitutionKind

directory_router = Router(tags=["directory"])


class InstitutionOut(Schema):
    public_id: UUID
    name: str
    kind: InstitutionKind
    kind_label: str = Field(description="The kind in the user's language.")
    region: str
    address: str
    phone: str
    hours: str
    services: str
    green_channel: bool = Field(description="A fast track agreed for urgent referrals (绿色通道).")
    active: bool = Field(description="Deactivated entries are kept but no longer offered.")
    notes: str
    version: int
    updated_at: datetime

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())


class DirectoryFilters(Schema):
    q: str = Field("", max_length=100, description="Words to find in name, region, services, phone")
    kind: InstitutionKind | None = None
    green_channel: bool | None = None
    active: bool | None = Field(None, description="Omit for active and deactivated entries.")


@directory_router.get("", response=list[InstitutionOut], summary="List partner institutions")
@paginate(BoundedPagination)
def list_institutions(request, filters: Query[DirectoryFilters]):
    """The centre's directory of partner institutions, active first, then by name."""
    if not decide_directory(request.user).can_view:
        raise PermissionDeniedError
    return selectors.filter_institutions(
        selectors.institutions_visible_to(request.user),
        q=filters.q,
        kind=filters.kind or "",
        green_channel=filters.green_channel,
        active=filters.active,
    )
