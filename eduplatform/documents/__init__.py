"""Official documents (公文): 发文, 收文, 公文交换, 用印 and 归档 (《党政机关公文处理工作条例》, GB/T 9704-2012).

What is here: the document with the 18 GB/T 9704-2012 elements as data, 正文 versions with their
difference and 清稿, 发文字号 assigned once at 登记; the layout (``layout``: the GB/T 9704 PDF) and the
electronic seal (``sealing``: unit certificates, the seal image, PAdES sealing and verification) with
the public verification page; 发文 and 收文 on the engine (``processes/``, ``services/outgoing.py``,
``services/incoming.py``), 公文交换 between units (``services/exchange.py``), 传阅 and 督办; 密级
enforced by ``services/access.py``. 归档 (DA/T 22-2015): a finished document becomes a 件 with its
档号 and a BagIt package (``services/archive.py``, ``archive_package.py``, the 保管期限 table
``retention.yaml``), exported per unit and year and verified file by file.
"""

from flask import Blueprint

from eduplatform.core.templating import NavItem
from eduplatform.core.workbench import TodoSource

bp = Blueprint("documents", __name__)



def _bureau_user(user) -> bool:
    """Bureau staff, and the 收发员 of a school (its administrators), handle 公文."""
    from eduplatform.documents.services.exchange import handles_documents

    return handles_documents(user)


def _archive_reader(user) -> bool:
    from eduplatform.documents.views.archive import may_see_archive

    return may_see_archive(user)


NAV = [NavItem("教育电子政务", "公文办理", "documents.index", _bureau_user),
       NavItem("教育电子政务", "归档文件", "documents.archive_list", _archive_reader)]


def init_app(app):
    from pathlib import Path

    from eduplatform import workflow
    from eduplatform.documents import cli, models  # noqa: F401 - models: tables for the metadata
    from eduplatform.documents.services import access, circulation, exchange, incoming, outgoing, search

    # 收文 / 发文 (incoming_document, outgoing_document): moved here from the engine's demo set
    workflow.register_processes(Path(__file__).with_name("processes"))
    outgoing.register()
    incoming.register()
    exchange.register()
    access.register_reader_source(circulation.readable_by_circulation)
    search.register()  # 公文 in the full-text index, within 知悉范围
    search.register_unified()  # the one search box's 公文 group
    _register_realm()
    cli.init_app(app)


def _register_realm():
    """The documents' notices (传阅, 退文) open the document they are about."""
    from flask import url_for

    from eduplatform.core.notices import NoticeRealm, register_realm
    from eduplatform.documents.models import Document
    from eduplatform.documents.services import circulation, exchange

    def link_for(notice):
        if notice.object_type == Document.__audit_type__ and notice.object_id:
            return url_for("documents.document_page", document_id=notice.object_id)
        if notice.object_type == exchange.EXCHANGE_NOTICE:
            return url_for("documents.exchange_inbox")
        return None

    register_realm(NoticeRealm(circulation.REALM, "公文", circulation.NOTICE_KINDS, link_for=link_for))


def _wb(name):
    def call(user, *args):
        from eduplatform.documents import workbench

        return getattr(workbench, name)(user, *args)
    return call


def _handles_documents(user) -> bool:
    from eduplatform.documents.services.exchange import handles_documents

    return handles_documents(user)


#: 来文 to sign for and 传阅 to read join the 工作台's to-do list (the steps of 发文 / 收文 come from the engine)
TODO_SOURCES = [TodoSource(_wb("todos"), _wb("todo_count"), when=_handles_documents)]
