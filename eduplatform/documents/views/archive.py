"""归档 pages: the 件 list by 年度 and 保管期限 (档号, package, the 移交 export), 归档 from the document
page, and the package verification form."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from eduplatform.core.api import load_args, load_form
from eduplatform.core.errors import AppError
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.documents import bp
from eduplatform.documents.archive_api import read_upload
from eduplatform.documents.models import RETENTIONS
from eduplatform.documents.schemas import ArchiveListArgsSchema, ArchiveRequestSchema
from eduplatform.documents.services import access, outgoing
from eduplatform.documents.services import archive as archiving
from eduplatform.documents.services.archive_verify import verify


def may_see_archive(user) -> bool:
    return outgoing.is_bureau_user(user) or archiving.archivist_unit(user) is not None


def _page(report=None, error=None, status=200):
    require(may_see_archive(current_user), action="documents.archive.read")
    args = load_args(ArchiveListArgsSchema())
    year = args["year"]
    page = db.paginate(archiving.visible_items(current_user, year=year, retention=args["retention"]), per_page=50,
                       error_out=False)
    unit = archiving.archivist_unit(current_user)
    return render_template("documents/archive.html", page=page, year=year, retention=args["retention"],
                           retentions=list(RETENTIONS), unit=unit, this_year=archiving.local_year(),
                           report=report, error=error), status


@bp.get("/documents/archive")
@login_required
def archive_list():
    """归档文件: what I may see, 档号 order; the unit's archivist exports a year here."""
    return _page()


@bp.post("/documents/archive/verify")
@login_required
def archive_verify_page():
    """Upload a package (a 件's or a year's) and see whether every file is as the manifest says."""
    require(may_see_archive(current_user), action="documents.archive.read")
    try:
        report = verify(read_upload(), actor=current_user)
        db.session.commit()
    except AppError as exc:
        db.session.rollback()
        return _page(error=exc.message, status=exc.status)
    return _page(report=report)


@bp.post("/documents/<int:document_id>/archive")
@login_required
def archive_page(document_id):
    """归档 from the document page (保管期限 as the table proposes, or another with a reason)."""
    document = access.get_readable(document_id, current_user)
    data = load_form(ArchiveRequestSchema(), empty_is_none=True)
    item = archiving.archive(document, current_user, retention=data["retention"], reason=data["reason"])
    db.session.commit()
    flash(f"已归档，档号 {item.archival_code}（{item.retention}）", "success")
    return redirect(url_for("documents.document_page", document_id=document.id))
