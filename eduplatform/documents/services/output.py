"""印制 and 用印: the registered, 清稿'd document as a GB/T 9704 PDF, and that PDF sealed and signed.

``print_document`` maps the document's elements onto the layout library; ``seal_document`` prints,
then stamps the unit's seal where the layout left room for it (centred on the 成文日期) and signs the
whole file with the unit's certificate (PAdES). Both refuse, in Chinese, what is not ready yet: no
发文字号, a body not yet 清稿, a unit without a certificate.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from eduplatform.core import signals
from eduplatform.core.errors import AppError, ValidationFailed
from eduplatform.documents.doctypes import get_doctype
from eduplatform.documents.layout import DocumentElements, FontSet, render_pdf, seal_box
from eduplatform.documents.layout.fonts import FontError
from eduplatform.documents.sealing import SealBox, demo_seal, load_unit, seal_pdf


class ServiceUnavailable(AppError):
    status = 503
    code = "not_available"


def _names(value: str | None) -> list[str]:
    """A list element typed as one text (抄送机关, 签发人, 附件说明): split on 、，, and new lines."""
    if not value:
        return []
    for mark in ("，", ",", "\n"):
        value = value.replace(mark, "、")
    return [part.strip() for part in value.split("、") if part.strip()]


def elements_of(document) -> DocumentElements:
    """The document's elements as the layout takes them (an empty element stays out of the layout)."""
    doctype = get_doctype(document.doctype)
    final = next((v for v in document.versions if v.is_final), None) or document.current_version
    body = [p for p in (line.strip() for line in (final.text if final else "").splitlines()) if p]
    secrecy = "★".join(part for part in (document.secrecy, document.secrecy_term) if part) or None
    return DocumentElements(
        份号=document.copy_number, 密级和保密期限=secrecy, 紧急程度=document.urgency,
        发文机关标志=document.issuer_mark, 发文字号=document.doc_number, 签发人=_names(document.signers),
        标题=document.title, 主送机关=document.main_recipients, 正文=body,
        附件说明=[line.strip() for line in (document.attachment_note or "").splitlines() if line.strip()],
        发文机关署名=document.issuer_signature, 成文日期=document.written_on, 附注=document.remark,
        抄送机关=_names(document.cc_recipients), 印发机关=document.printing_org, 印发日期=document.printed_on,
        上行文=bool(doctype and doctype.upward))


def _check_ready(document) -> None:
    if not document.doc_number:
        raise ValidationFailed("公文尚未登记发文字号，不能印制", code="not_numbered")
    if document.finalized_at is None:
        raise ValidationFailed("公文正文尚未清稿，不能印制", code="not_finalized")


def _fonts() -> FontSet:
    try:
        return FontSet.from_config(current_app.config)
    except FontError as exc:
        raise ServiceUnavailable(f"公文字体配置有误：{exc}") from exc


def print_document(document) -> bytes:
    """The document as a GB/T 9704 PDF (印制)."""
    _check_ready(document)
    return render_pdf(elements_of(document), _fonts())


def _seal_image(unit_code: str, unit_name: str) -> bytes:
    """The unit's seal image from its certificate folder (``seal.png``); in development a drawn one."""
    store = current_app.config.get("DOC_CERT_DIR")
    path = Path(store) / unit_code / "seal.png" if store else None
    if path is not None and path.is_file():
        return path.read_bytes()
    if current_app.config.get("ENV_NAME") == "production":
        raise ValidationFailed(f"单位“{unit_name}”没有印章图片，请先由管理员导入", code="no_seal_image")
    return demo_seal(unit_name)


def seal_document(document, *, actor) -> bytes:
    """The printed PDF with the unit's seal on the 成文日期, signed by the unit (用印); audited."""
    elements = elements_of(document)
    _check_ready(document)
    fonts = _fonts()
    unit = document.org
    credentials = load_unit(current_app.config.get("DOC_CERT_DIR"), unit.code,
                            password=current_app.config.get("DOC_CERT_PASSWORD"))
    box = seal_box(elements, fonts)
    if box is None:
        raise ValidationFailed("该公文的版式没有留出印章位置（无发文机关署名或成文日期）", code="no_seal_place")
    sealed = seal_pdf(render_pdf(elements, fonts), credentials=credentials,
                      seal_png=_seal_image(unit.code, unit.name), box=SealBox.from_layout(box))
    signals.audit("documents", "document.sealed", f"公文用印：{document.doc_number}《{document.title}》",
                  actor=actor, obj=document, data={"bytes": len(sealed)})
    return sealed
