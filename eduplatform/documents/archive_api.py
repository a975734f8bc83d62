"""The 归档 API: archive a finished document, list the 件 I may see, download a 件's package, export
a year (移交) and verify a package. Routes live on the documents API blueprint."""

from __future__ import annotations

import io

from flask import send_file
from flask_login import current_user, login_required

from eduplatform.core.api import load_args, load_body, paginated, uploaded_file
from eduplatform.core.errors import NotFound
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.core.storage.models import StoredFile
from eduplatform.documents.api_base import bp
from eduplatform.documents.schemas import (
    ArchiveExportArgsSchema,
    ArchiveItemSchema,
    ArchiveListArgsSchema,
    ArchiveRequestSchema,
    ArchiveVerifySchema,
)
from eduplatform.documents.services import access, outgoing
from eduplatform.documents.services import archive as archiving
from eduplatform.documents.services.archive_package import export_year
from eduplatform.documents.services.archive_verify import MAX_VERIFY_BYTES, verify


@bp.post("/documents/<int:document_id>/archive")
@login_required
def archive_document(document_id):
    """归档: the finished document becomes a 件 (档号, package); the unit's 办公室 (a school: its administrator).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ArchiveRequestSchema
      responses:
        201:
          content:
            application/json:
              schema: ArchiveItemSchema
    """
    document = access.get_readable(document_id, current_user)
    data = load_body(ArchiveRequestSchema())
    item = archiving.archive(document, current_user, retention=data["retention"], reason=data["reason"])
    db.session.commit()
    return ArchiveItemSchema().dump(item), 201


@bp.get("/archive")
@login_required
def list_archive():
    """The 件 whose documents I may read, by 年度 and 保管期限, in 档号 order.
    ---
    get:
      parameters:
        - {in: query, schema: ArchiveListArgsSchema}
      responses:
        200:
          description: "{items: [ArchiveItem], page, per_page, total, pages}"
    """
    require(outgoing.is_bureau_user(current_user) or archiving.archivist_unit(current_user) is not None,
            action="documents.archive.read")
    args = load_args(ArchiveListArgsSchema())
    return paginated(archiving.visible_items(current_user, year=args["year"], retention=args["retention"]),
                     ArchiveItemSchema())


@bp.get("/archive/<int:item_id>/package.zip")
@login_required
def get_archive_package(item_id):
    """A 件's package as it was stored at 归档 (BagIt ZIP with manifest-sha256.txt).
    ---
    get:
      responses:
        200:
          content:
            application/zip: {}
    """
    item = archiving.get_visible_item(item_id, current_user)
    stored = db.session.scalar(db.select(StoredFile).where(StoredFile.key == item.package_key))
    if stored is None:
        raise NotFound("归档数据包不存在")
    return stored.send()


@bp.get("/archive/export")
@login_required
def export_archive():
    """移交: my unit's 件 of a year in one ZIP (packages, 归档文件目录 CSV/XML, manifests); archivists only.
    ---
    get:
      parameters:
        - {in: query, schema: ArchiveExportArgsSchema}
      responses:
        200:
          content:
            application/zip: {}
    """
    unit = archiving.archivist_unit(current_user)
    require(unit is not None, action="documents.archive.export")
    args = load_args(ArchiveExportArgsSchema())
    data = export_year(unit, args["year"], actor=current_user)
    db.session.commit()
    return send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True,
                     download_name=f"{unit.code}-{args['year']}-归档文件.zip")


@bp.post("/archive/verify")
@login_required
def verify_archive_package():
    """Check every checksum of an uploaded package (a 件's or a year's); says which file is missing or changed.
    ---
    post:
      requestBody:
        content:
          multipart/form-data:
            schema: {$ref: '#/components/schemas/FileUpload'}
      responses:
        200:
          content:
            application/json:
              schema: ArchiveVerifySchema
    """
    report = verify(read_upload(), actor=current_user)
    db.session.commit()
    return ArchiveVerifySchema().dump({"ok": report.ok, "label": report.label, "problems": report.problems,
                                       "checked": report.checked, "items": report.items,
                                       "identifier": report.identifier})


def read_upload() -> bytes:
    from eduplatform.core.errors import ValidationFailed

    upload = uploaded_file("请选择要校验的归档数据包（ZIP）", field_message="请选择 ZIP 文件")
    data = upload.stream.read(MAX_VERIFY_BYTES + 1)
    if len(data) > MAX_VERIFY_BYTES:
        raise ValidationFailed(f"文件超过 {MAX_VERIFY_BYTES // 1024**2} MB，无法在线校验", code="too_large")
    return data
