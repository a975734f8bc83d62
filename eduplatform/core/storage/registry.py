"""Choosing the storage backend from the config, and the object-cleanup hooks around transactions."""

from __future__ import annotations

from flask import Flask, current_app

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


def init_app(app: Flask) -> None:
    storage = app.config.get("STORAGE_INSTANCE") or build_storage(app.config)
    app.extensions["edu_storage"] = storage
    from eduplatform.core.storage import services
    from eduplatform.core.storage.inspect import install_request_inspection

    services.install_transaction_hooks()
    install_request_inspection(app)  # every uploaded file is inspected before a view reads it


def get_storage() -> Storage:
    return current_app.extensions["edu_storage"]
