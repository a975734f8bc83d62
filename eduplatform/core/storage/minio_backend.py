"""MinIO / S3 storage backend on the official ``minio`` SDK.

``put`` streams with ``put_object(length=-1)``: objects up to ``part_size`` go up in one PUT,
larger ones as a multipart upload of ``part_size`` parts, so memory stays at a few parts whatever
the object size. Parts are uploaded one after another (``num_parallel_uploads=1``): with the
SDK's parallel mode (minio 7.2) a failed upload leaks its worker threads (they are never told to
stop) and parts still queued are sent after the SDK has aborted the upload.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta
from typing import BinaryIO

import certifi
import urllib3
from minio import Minio
from minio.error import MinioException, S3Error
from urllib3.util import Retry, Timeout

from eduplatform.core.storage.base import (
    DEFAULT_CHUNK_SIZE,
    ChunkIterator,
    HashingLimitedReader,
    ObjectNotFound,
    ObjectStat,
    ObjectTooLarge,
    PutResult,
    Storage,
    StorageError,
    Temporary,
    check_range,
    content_disposition,
    validate_key,
)

MIN_PART_SIZE = 5 * 1024 * 1024  # S3's minimum for every part but the last
DEFAULT_PART_SIZE = 16 * 1024 * 1024

#: Everything the SDK and its HTTP stack raise for a failed request.
SDK_ERRORS = (MinioException, urllib3.exceptions.HTTPError, OSError)

_NOT_FOUND_CODES = {"NoSuchKey", "NoSuchObject"}


def _default_http_client() -> urllib3.PoolManager:
    # The SDK's default waits 5 minutes to connect: far too long for /healthz.
    return urllib3.PoolManager(
        timeout=Timeout(connect=10, read=120),
        maxsize=10,
        cert_reqs="CERT_REQUIRED",
        ca_certs=certifi.where(),
        retries=Retry(total=3, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
    )


class MinioStorage(Storage):
    name = "minio"

    def __init__(
        self,
        endpoint: str,
        access_key: str | None,
        secret_key: str | None,
        bucket: str,
        secure: bool = False,
        region: str | None = None,
        part_size: int = DEFAULT_PART_SIZE,
        client: Minio | None = None,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ):
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} bytes (S3 minimum)")
        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region
        self.part_size = part_size
        self.chunk_size = chunk_size
        self.client = client or Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=_default_http_client(),
        )

    def __repr__(self) -> str:
        return f"MinioStorage({self.endpoint!r}, bucket={self.bucket!r})"

    def _error(self, exc: BaseException, what: str) -> StorageError:
        if isinstance(exc, S3Error):
            detail = f"{exc.code}: {exc.message}"
        else:
            detail = f"{type(exc).__name__}: {exc}"
        return StorageError(f"minio storage {self.endpoint}/{self.bucket}: {what} failed ({detail})")

    # -- writing ---------------------------------------------------------------------------------
    def put(
        self,
        key: str,
        stream: BinaryIO,
        *,
        max_size: int | None = None,
        content_type: str = "application/octet-stream",
    ) -> PutResult:
        validate_key(key)
        reader = HashingLimitedReader(stream, max_size)
        try:
            self.client.put_object(
                self.bucket,
                key,
                reader,  # type: ignore[arg-type]
                length=-1,
                part_size=self.part_size,
                content_type=content_type or "application/octet-stream",
                num_parallel_uploads=1,
            )
        except BaseException as exc:
            # The SDK aborts its multipart upload on error, but if that abort request fails its
            # error replaces ours and the upload stays: sweep once more to be sure.
            if reader.size > self.part_size:
                self._abort_incomplete_uploads(key)
            if reader.overflowed:
                if isinstance(exc, ObjectTooLarge):
                    raise
                raise ObjectTooLarge(reader.max_size) from exc  # type: ignore[arg-type]
            if isinstance(exc, SDK_ERRORS):
                raise self._error(exc, f"upload of {key!r}") from exc
            raise
        return PutResult(key=key, size=reader.size, sha256=reader.hexdigest())

    def incomplete_uploads(self, key: str | None = None) -> list[tuple[str, str]]:
        """``(key, upload_id)`` of the multipart uploads still open in the bucket."""
        try:
            result = self.client._list_multipart_uploads(self.bucket, prefix=key or "")
        except SDK_ERRORS as exc:
            raise self._error(exc, "listing incomplete uploads") from exc
        return [
            (upload.object_name, upload.upload_id)
            for upload in result.uploads
            if upload.upload_id and (key is None or upload.object_name == key)
        ]

    def temporaries(self) -> list[Temporary]:
        """Open multipart uploads (S3 ListMultipartUploads): a killed worker's upload stays open."""
        found: list[Temporary] = []
        key_marker = upload_id_marker = None
        try:
            while True:
                result = self.client._list_multipart_uploads(
                    self.bucket, key_marker=key_marker, upload_id_marker=upload_id_marker, max_uploads=1000)
                for upload in result.uploads:
                    if upload.upload_id:
                        found.append(Temporary(name=f"{upload.object_name} ({upload.upload_id})",
                                               started=upload.initiated_time, key=upload.object_name,
                                               upload_id=upload.upload_id))
                if not result.is_truncated or not (result.next_key_marker or result.next_upload_id_marker):
                    break
                key_marker, upload_id_marker = result.next_key_marker, result.next_upload_id_marker
        except SDK_ERRORS as exc:
            raise self._error(exc, "listing incomplete uploads") from exc
        return sorted(found, key=lambda t: (t.started is not None, t.started or 0, t.name))

    def remove_temporary(self, temporary: Temporary) -> None:
        if not (temporary.key and temporary.upload_id):
            raise ValueError(f"not a multipart upload: {temporary.name!r}")
        try:
            self.client._abort_multipart_upload(self.bucket, temporary.key, temporary.upload_id)
        except SDK_ERRORS as exc:
            if isinstance(exc, S3Error) and exc.code == "NoSuchUpload":
                return
            raise self._error(exc, f"aborting the upload {temporary.name}") from exc

    def _abort_incomplete_uploads(self, key: str) -> None:
        """Best effort: abort every open multipart upload of exactly ``key``.

        Not filtered by start time: servers disagree on it (moto reports a fixed date) and
        platform keys are unique per upload, so an open upload of ``key`` is this one.
        """
        with contextlib.suppress(*SDK_ERRORS):
            result = self.client._list_multipart_uploads(self.bucket, prefix=key)
            for upload in result.uploads:
                if upload.object_name == key and upload.upload_id:
                    with contextlib.suppress(*SDK_ERRORS):
                        self.client._abort_multipart_upload(self.bucket, key, upload.upload_id)

    def delete(self, key: str) -> None:
        validate_key(key)
        try:
            self.client.remove_object(self.bucket, key)
        except SDK_ERRORS as exc:
            if isinstance(exc, S3Error) and exc.code in _NOT_FOUND_CODES:
                return
            raise self._error(exc, f"delete of {key!r}") from exc

    # -- reading ---------------------------------------------------------------------------------
    def open(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        validate_key(key)
        check_range(start, end)
        length = 0 if end is None else end - start + 1
        try:
            response = self.client.get_object(self.bucket, key, offset=start, length=length)
        except SDK_ERRORS as exc:
            if isinstance(exc, S3Error):
                if exc.code in _NOT_FOUND_CODES:
                    raise ObjectNotFound(key) from None
                if exc.code == "InvalidRange":  # the object exists; start is past its end
                    return iter(())
            raise self._error(exc, f"download of {key!r}") from exc

        def close() -> None:
            try:
                response.close()
            finally:
                response.release_conn()

        return ChunkIterator(
            response.read,
            close,
            chunk_size=self.chunk_size,
            wrap_errors=lambda exc: self._error(exc, f"download of {key!r}"),
        )

    def stat(self, key: str) -> ObjectStat:
        validate_key(key)
        try:
            obj = self.client.stat_object(self.bucket, key)
        except SDK_ERRORS as exc:
            if isinstance(exc, S3Error) and exc.code in _NOT_FOUND_CODES:
                raise ObjectNotFound(key) from None
            raise self._error(exc, f"stat of {key!r}") from exc
        return ObjectStat(key=key, size=int(obj.size or 0), content_type=obj.content_type,
                          modified=obj.last_modified)

    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        # S3 lists keys in UTF-8 byte order, which is str order for the platform's ASCII keys.
        try:
            for obj in self.client.list_objects(self.bucket, prefix=prefix or None, recursive=True):
                if not obj.is_dir:
                    yield obj.object_name
        except SDK_ERRORS as exc:
            raise self._error(exc, f"listing {prefix!r}") from exc

    def presigned_url(self, key: str, expires: timedelta, filename: str | None = None, *,
                      disposition: str = "attachment", content_type: str | None = None) -> str | None:
        validate_key(key)
        response_headers = {}
        if filename:
            response_headers["response-content-disposition"] = content_disposition(filename, disposition)
        if content_type:
            response_headers["response-content-type"] = content_type
        response_headers = response_headers or None
        try:
            return self.client.get_presigned_url(
                "GET", self.bucket, key, expires=expires, response_headers=response_headers
            )
        except SDK_ERRORS as exc:
            raise self._error(exc, f"presigning {key!r}") from exc

    # -- health / setup --------------------------------------------------------------------------
    def check(self) -> None:
        try:
            found = self.client.bucket_exists(self.bucket)
        except SDK_ERRORS as exc:
            raise self._error(exc, "health check") from exc
        if not found:
            raise StorageError(f"minio storage {self.endpoint}: bucket {self.bucket!r} does not exist")

    def ensure_bucket(self) -> None:
        """Create the bucket if it is missing (called by the app's init code)."""
        try:
            if self.client.bucket_exists(self.bucket):
                return
            self.client.make_bucket(self.bucket, location=self.region)
        except SDK_ERRORS as exc:
            if isinstance(exc, S3Error) and exc.code == "BucketAlreadyOwnedByYou":
                return  # created concurrently by another worker
            raise self._error(exc, f"creating bucket {self.bucket!r}") from exc
