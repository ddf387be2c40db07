from django.core.exceptions import PermissionDenied, ValidationError


class ConflictError(Exception):
    """Someone else saved the record since this version was loaded."""

    def __init__(self, current_version: int, message: str):
        super().__init__(message)
        self.current_version = current_version
        self.message = message


class PermissionDeniedError(PermissionDenied):
    """An action refused for this actor: Django answers 403 for a page, the API 403 in JSON."""


__all__ = ["ConflictError", "PermissionDeniedError", "ValidationError"]
