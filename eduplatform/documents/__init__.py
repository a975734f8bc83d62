"""Official documents (公文): the 18 GB/T 9704-2012 elements as data, 正文 versions, 发文字号.

This first slice holds the document, its body versions and the number counter; the flows
(发文 / 收文 on the engine), exchange, pages and API follow on the same package.
"""

from flask import Blueprint

bp = Blueprint("documents", __name__)

NAV: list = []


def init_app(app):
    from eduplatform.documents import models  # noqa: F401 - tables for the metadata
