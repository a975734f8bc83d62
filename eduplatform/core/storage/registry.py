"""Choosing the storage backend from the config, and finding it (``get_storage``).

The bottom of the storage package: it imports only the backends (``services.init_app`` builds the
backend and installs the transaction and request hooks), so models → serving → registry runs one way.
"""

from __future__ import annotations

from flask import current_app

from eduplatform.core.storage.base import Storage


def build_storage(config) -> Storage:
    backend = config["STORAGE_BACKEND"]
    if backend == "file":
        from eduplatform.core.storage.filesystem import FileSystemStorage

        return FileSystemStorage(config["STORAGE_DIR"])
    if backend == "minio":
        from eduplatform.core.storage.minio_backend import MinioStorage

        if not (config.get("MINIO_ACCESS_KEY") and config.get("MINIO_SECRET_KEY")):
            raise RuntimeError("EDU_STORAGE=minio 需要设置 MINIO_ACCESS_KEY 和 MINIO_SECRET_KEY")
        storage = MinioStorage(
            config["MINIO_ENDPOINT"], config["MINIO_ACCESS_KEY"], config["MINIO_SECRET_KEY"],
            config["MINIO_BUCKET"], secure=config["MINIO_SECURE"], region=config.get("MINIO_REGION"),
            **({"part_size": config["MINIO_PART_SIZE"]} if config.get("MINIO_PART_SIZE") else {}),
        )
        try:
            storage.ensure_bucket()  # a fresh MinIO has no bucket yet
        except Exception as exc:  # noqa: BLE001 - MinIO down at start-up: serve anyway, /healthz reports it
            import logging

            logging.getLogger(__name__).warning("MinIO bucket check failed at start-up: %s", exc)
        return storage
    raise RuntimeError(f"未知的存储后端 EDU_STORAGE={backend!r}（可选 file 或 minio）")


def get_storage() -> Storage:
    return current_app.extensions["edu_storage"]
