"""Official documents (公文): 发文, 收文, 公文交换, 用印 and 归档 (《党政机关公文处理工作条例》, GB/T 9704-2012).

This stage holds the electronic seal (``sealing``: unit certificates, the seal image, PAdES sealing
and verification) and the public verification page; the documents themselves come next.
"""

from flask import Blueprint

bp = Blueprint("documents", __name__)


def init_app(app) -> None:
    from eduplatform.documents import cli

    cli.init_app(app)
