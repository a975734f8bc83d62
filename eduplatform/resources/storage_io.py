"""Kept for the resource library's imports: the stream helpers live in :mod:`eduplatform.storage.streams`."""

from eduplatform.storage.streams import PrefixedStream, RangeReader, copy_stream, local_copy, read_head

__all__ = ["PrefixedStream", "RangeReader", "copy_stream", "local_copy", "read_head"]
