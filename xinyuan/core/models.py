import uuid

from django.db import models


class PublicModel(models.Model):
    """Base for every domain model: a public UUID for URLs/API, and timestamps.

    Integer keys never leave the server; everything outside uses ``public_id``.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
