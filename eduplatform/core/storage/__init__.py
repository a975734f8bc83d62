"""Object storage: one interface, a file-system backend (default) and a MinIO backend."""

from eduplatform.core.storage.base import (
    InvalidKey,
    ObjectNotFound,
    ObjectStat,
    ObjectTooLarge,
    PutResult,
    Storage,
    StorageError,
    validate_key,
)

__all__ = ["InvalidKey", "ObjectNotFound", "ObjectStat", "ObjectTooLarge", "PutResult", "Storage", "StorageError",
           "validate_key"]
