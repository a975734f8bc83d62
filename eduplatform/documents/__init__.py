"""Official documents (公文): the 18 GB/T 9704-2012 elements as data, 正文 versions, 发文字号.

This first slice holds the document, its body versions and the number counter, and the 收文 / 发文
definitions (``processes/``, run by the engine); binding the flows to the document, exchange, pages
and API follow on the same package.
"""

from flask import Blueprint

bp = Blueprint("documents", __name__)

NAV: list = []


def init_app(app):
    from pathlib import Path

    from eduplatform import workflow
    from eduplatform.documents import models  # noqa: F401 - tables for the metadata

    # 收文 / 发文 (incoming_document, outgoing_document): moved here from the engine's demo set
    workflow.register_processes(Path(__file__).with_name("processes"))
