from django.core.exceptions import ValidationError


class ConflictError(Exception):
    """Someone else saved the record since this version was loaded."""

    def __init__(self, current_version: int, message: str):
        super().__init__(message)
        self.current_version = current_version
        self.message = message


class PermissionDeniedError(Exception):
    pass


__all__ = ["ConflictError", "PermissionDeniedError", "ValidationError"]
