"""Seams to the layout and sealing libraries (built separately; the lead wires them in).

``print_document`` will render the GB/T 9704 PDF through ``eduplatform.documents.layout``;
``seal_document`` will place the seal and sign (PAdES) through ``eduplatform.documents.sealing``.
Until those packages are present both raise ``ServiceUnavailable`` with a Chinese message.
"""

from __future__ import annotations

import importlib

from eduplatform.core.errors import AppError


class ServiceUnavailable(AppError):
    status = 503
    code = "not_available"


def _library(name: str):
    try:
        return importlib.import_module(f"eduplatform.documents.{name}")
    except ModuleNotFoundError:
        return None


def print_document(document):
    """The document as a GB/T 9704 PDF (印制). Not yet available: raises ``ServiceUnavailable``."""
    if _library("layout") is None:
        raise ServiceUnavailable("公文版式排版功能尚未启用（版式库未安装）")
    raise ServiceUnavailable("公文版式排版功能尚未接入")


def seal_document(document):
    """The printed PDF sealed and signed (用印). Not yet available: raises ``ServiceUnavailable``."""
    if _library("sealing") is None:
        raise ServiceUnavailable("电子用印功能尚未启用（签章库未安装）")
    raise ServiceUnavailable("电子用印功能尚未接入")
