"""The verification every receiver can run: is this PDF's seal ours, and is it as it was sealed?

Used by the public page and the API alike; it reads the uploaded file once, stores nothing, and is
audited (a check by a citizen is a security event worth keeping: who checked what, and the verdict).
"""

from __future__ import annotations

import hashlib

from flask import current_app

from eduplatform.core import signals
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.storage.inspect import UploadRefusals, inspect_upload
from eduplatform.documents.sealing import VerificationReport, load_trust_roots, verify_pdf

#: A sealed document of a few dozen pages is a few MB; refuse what cannot be one.
MAX_VERIFY_BYTES = 50 * 1024**2


class _Refusals(UploadRefusals):
    def missing(self) -> Exception:
        return ValidationFailed("请选择要验证的 PDF 文件", code="file_missing", fields={"file": ["请选择 PDF 文件"]})


REFUSALS = _Refusals()


def verify_upload(upload, actor=None) -> tuple[str, VerificationReport]:
    """Inspect and verify an uploaded PDF: its SHA-256 and the report."""
    inspected = inspect_upload(upload, allowed={"pdf"}, max_bytes=MAX_VERIFY_BYTES, allow_empty=False,
                               refusals=REFUSALS)
    data = inspected.stream.read(MAX_VERIFY_BYTES + 1)
    digest = hashlib.sha256(data).hexdigest()
    report = verify_pdf(data, load_trust_roots(current_app.config.get("DOC_TRUST_ROOTS")))
    signers = "、".join(sorted({s.signer for s in report.signatures if s.signer})) or "无"
    signals.audit("documents", "seal.verified", f"验证公文签章：{report.label.split('：')[0]}（签章单位：{signers}）",
                  actor=actor, data={"sha256": digest, "verdict": report.verdict, "bytes": len(data)})
    return digest, report
