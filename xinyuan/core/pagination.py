"""Limit/offset paging for the JSON API with an upper bound on the offset: a huge offset is a
422 naming the field, never an integer the database cannot take (found by fuzzing: SQLite's
64-bit OFFSET)."""

from ninja import Field
from ninja.pagination import LimitOffsetPagination

MAX_OFFSET = 10_000_000  # far beyond any centre's records; keeps OFFSET + LIMIT in 64 bits


class BoundedPagination(LimitOffsetPagination):
    class Input(LimitOffsetPagination.Input):
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
