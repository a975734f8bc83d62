"""Reading a multipart upload as a stream: the file part goes straight to storage.

Werkzeug's form parser spools the whole file to a temporary file before the view runs, and is
slow (~170 MB/s here): a 1 GB upload would be written twice. :class:`StreamingUpload` parses the
request body with ``multipart``'s push parser as the storage backend reads the file part, so the
bytes go once from the socket to storage, in bounded memory.

Metadata fields must come *before* the file part (browsers send fields in form order; ``curl -F``
in argument order): they are validated before a single file byte is stored. When the form has
already been parsed (a cookie-session API call whose CSRF check read ``request.form``), the
spooled file is used instead — same interface.
"""

from __future__ import annotations

import re

from multipart import MultipartError, MultipartSegment, PushMultipartParser
from werkzeug.datastructures import MultiDict

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.storage.inspect import check_filename

CHUNK = 1024 * 1024
MAX_FIELD_BYTES = 64 * 1024
MAX_FIELDS = 200
FILE_FIELD = "file"


class UploadedFile:
    """The file part: ``read(n)`` pulls from the request body."""

    def __init__(self, owner: StreamingUpload | None, filename: str, content_type: str | None, stream=None):
        self._owner = owner
        self._stream = stream
        self.filename = filename or ""
        self.content_type = content_type
        self.size_read = 0

    def read(self, n: int = -1) -> bytes:
        data = self._stream.read(n) if self._stream is not None else self._owner._read_file(n)  # type: ignore[union-attr]
        self.size_read += len(data)
        return data


class StreamingUpload:
    """A multipart/form-data request body read incrementally."""

    def __init__(self, stream, content_type: str, content_length: int | None = None):
        match = re.search(r'boundary="?([^";]+)"?', content_type or "")
        if not (content_type or "").startswith("multipart/form-data") or not match:
            raise ValidationFailed("请以 multipart/form-data 方式上传文件", code="not_multipart")
        self._stream = stream
        self._parser = PushMultipartParser(match.group(1), content_length=content_length if content_length else -1,
                                           max_segment_count=MAX_FIELDS + 1)
        self._events = self._event_iter()
        self.fields: MultiDict = MultiDict()
        self.fields_after_file: list[str] = []
        self.file: UploadedFile | None = None
        self._in_file = False
        self._file_done = False
        self._buffer = b""
        self._finished = False

    # -- parsing ---------------------------------------------------------------------------------
    def _event_iter(self):
        try:
            while True:
                chunk = self._stream.read(CHUNK)
                yield from self._parser.parse(chunk or b"")
                if not chunk:
                    break
            self._parser.close()
        except MultipartError as exc:
            raise ValidationFailed(f"上传数据格式错误：{exc}", code="bad_multipart") from exc

    def _next_event(self):
        return next(self._events, StopIteration)

    def open(self) -> StreamingUpload:
        """Read the fields before the file part; stop at the file's first byte."""
        while True:
            event = self._next_event()
            if event is StopIteration:
                self._finished = True
                return self
            if isinstance(event, MultipartSegment):
                if event.filename is not None and event.name == FILE_FIELD and self.file is None:
                    check_filename(event.filename)  # before a byte of the file is read
                    self.file = UploadedFile(self, event.filename, event.content_type)
                    self._in_file = True
                    return self
                self._read_field(event)

    def _read_field(self, segment: MultipartSegment, after_file: bool = False) -> None:
        data = bytearray()
        while True:
            event = self._next_event()
            if event is None or event is StopIteration:
                break
            data += event
            if len(data) > MAX_FIELD_BYTES:
                raise ValidationFailed(f"字段 {segment.name} 过长", code="field_too_large")
        if segment.filename is not None:
            return  # other file parts are ignored
        if len(self.fields) >= MAX_FIELDS:
            raise ValidationFailed("表单字段过多", code="too_many_fields")
        self.fields.add(segment.name, data.decode("utf-8", errors="replace"))
        if after_file:
            self.fields_after_file.append(segment.name)

    def _read_file(self, n: int) -> bytes:
        if n is None or n < 0:
            raise ValueError("the file part is read in bounded chunks")
        parts = [bytes(self._buffer)] if self._buffer else []
        got = len(self._buffer)
        self._buffer = b""
        while got < n and not self._file_done:
            event = self._next_event()
            if event is None or event is StopIteration:
                self._file_done = True
                self._in_file = False
                if event is StopIteration:
                    self._finished = True
                break
            parts.append(event)
            got += len(event)
        data = parts[0] if len(parts) == 1 else b"".join(parts)
        if len(data) > n:
            data, self._buffer = data[:n], data[n:]
        return bytes(data)

    def finish(self) -> None:
        """Drain the rest of the body, keeping any fields that follow the file."""
        while self._in_file and not self._file_done:
            self._read_file(CHUNK)
        while not self._finished:
            event = self._next_event()
            if event is StopIteration:
                self._finished = True
            elif isinstance(event, MultipartSegment):
                self._read_field(event, after_file=True)


class ParsedUpload:
    """The same interface over a form Werkzeug has already parsed (file spooled to disk)."""

    def __init__(self, form, files):
        self.fields = MultiDict(form)
        self.fields_after_file: list[str] = []
        storage = files.get(FILE_FIELD)
        self.file = (UploadedFile(None, storage.filename or "", storage.mimetype, stream=storage.stream)
                     if storage is not None else None)

    def open(self) -> ParsedUpload:
        return self

    def finish(self) -> None:
        pass


def upload_from_request(request) -> StreamingUpload | ParsedUpload:
    """The request's upload, streamed when the body is still unread."""
    if "form" in request.__dict__ or "files" in request.__dict__:
        return ParsedUpload(request.form, request.files).open()
    return StreamingUpload(request.stream, request.headers.get("Content-Type", ""),
                           request.content_length).open()
