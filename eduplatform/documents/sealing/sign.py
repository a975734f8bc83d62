"""用印: stamp the seal on the document and sign it (PAdES), and verify what someone received.

The seal is the visible appearance of a PAdES signature field (pyHanko): the image sits where the
layout says (centred on the 成文日期, GB/T 9704-2012 §7.3.5) and the signature covers the whole
file, so a reader can prove that neither the text nor the seal moved after sealing. Verification
names what was found in words a clerk understands: 有效, 签名后被修改 (and which bytes the signature
covers), 证书不受信任, 未签名.
"""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.text.timeutil import to_local
from eduplatform.documents.sealing.certificates import UnitCredentials
from eduplatform.documents.sealing.seal_image import read_seal

MM = 72 / 25.4  # PDF points per millimetre
SEAL_FIELD = "印章"


@dataclass(frozen=True)
class SealBox:
    """Where the seal goes: page (0-based) and a box in millimetres from the page's lower left."""

    page_index: int
    left_mm: float
    bottom_mm: float
    width_mm: float = 42.0
    height_mm: float = 42.0

    @classmethod
    def from_layout(cls, box, page_height_mm: float = 297.0) -> SealBox:
        """The layout's seal box (mm from the page's top-left, ``documents.layout.seal_box``)."""
        return cls(box.page, box.x, page_height_mm - box.top - box.height, box.width, box.height)

    def points(self) -> tuple[int, int, int, int]:
        return (round(self.left_mm * MM), round(self.bottom_mm * MM),
                round((self.left_mm + self.width_mm) * MM), round((self.bottom_mm + self.height_mm) * MM))


def _outside_any_event_loop(function, *args, **kwargs):
    """pyHanko's synchronous calls run their own event loop (``asyncio.run``), which cannot start in a
    thread whose loop is already running (an async server, a test driving a browser): run them on a
    short-lived thread of their own there."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def seal_pdf(pdf: bytes, *, credentials: UnitCredentials, seal_png: bytes, box: SealBox,
             reason: str = "公文用印", field_name: str = SEAL_FIELD) -> bytes:
    """The document with the seal at ``box`` and a PAdES signature of the unit over all of it."""
    return _outside_any_event_loop(_seal, pdf, credentials=credentials, seal_png=seal_png, box=box,
                                   reason=reason, field_name=field_name)


def _seal(pdf: bytes, *, credentials: UnitCredentials, seal_png: bytes, box: SealBox, reason: str,
          field_name: str) -> bytes:
    image = read_seal(seal_png)
    style = StaticStampStyle(
        background=PdfImage(image), border_width=0, background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(x_align=layout.AxisAlignment.ALIGN_MID,
                                                     y_align=layout.AxisAlignment.ALIGN_MID,
                                                     margins=layout.Margins.uniform(0)))
    signer = signers.SimpleSigner(signing_cert=credentials.certificate, signing_key=credentials.key,
                                  cert_registry=_registry(credentials))
    meta = signers.PdfSignatureMetadata(field_name=field_name, reason=reason,
                                        subfilter=fields.SigSeedSubFilter.PADES)
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        if box.page_index >= int(writer.root["/Pages"]["/Count"]):
            raise ValidationFailed("用印位置超出了公文的页数", code="seal_page_out_of_range")
        out = io.BytesIO()
        signers.PdfSigner(meta, signer=signer, stamp_style=style,
                          new_field_spec=fields.SigFieldSpec(field_name, on_page=box.page_index,
                                                             box=box.points())).sign_pdf(writer, output=out)
    except PdfError as exc:
        raise ValidationFailed("公文 PDF 无法读取，不能用印", code="pdf_unreadable") from exc
    return out.getvalue()


def _registry(credentials: UnitCredentials):
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    return SimpleCertificateStore.from_certs([credentials.certificate, *credentials.chain])


# -- verification --------------------------------------------------------------------------------

#: verdict code → what the page says
VERDICTS = {
    "valid": "有效：签章完好，签名后未被修改，证书可信",
    "modified": "签名后被修改",
    "untrusted": "证书不受信任：签名完好，但签章证书不是本平台信任的机构签发的",
    "invalid": "签名无效",
    "unsigned": "未签名：文件中没有电子签章",
    "unreadable": "无法读取：不是有效的 PDF 文件",
}


@dataclass
class SignatureCheck:
    field_name: str
    signer: str
    signed_at: datetime | None
    intact: bool
    valid: bool
    trusted: bool
    #: the bytes the signature covers: [(start, end), …], end exclusive
    covered: list[tuple[int, int]]
    file_size: int
    entire_file: bool
    later_changes: str
    verdict: str
    explanation: str


@dataclass
class VerificationReport:
    verdict: str
    signatures: list[SignatureCheck] = field(default_factory=list)

    @property
    def label(self) -> str:
        return VERDICTS[self.verdict]

    @property
    def is_valid(self) -> bool:
        return self.verdict == "valid"


def verify_pdf(pdf: bytes, trust_roots) -> VerificationReport:
    """Check every signature of ``pdf`` against ``trust_roots``; the worst finding is the verdict."""
    return _outside_any_event_loop(_verify, pdf, list(trust_roots))


def _verify(pdf: bytes, trust_roots) -> VerificationReport:
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError):
        return VerificationReport("unreadable")
    if not embedded:
        return VerificationReport("unsigned")
    checks = [_check(signature, trust_roots, len(pdf)) for signature in embedded]
    order = ["invalid", "modified", "untrusted", "valid"]
    return VerificationReport(min((c.verdict for c in checks), key=order.index), checks)


def _check(signature, trust_roots, file_size: int) -> SignatureCheck:
    start_a, length_a, start_b, length_b = (int(v) for v in signature.byte_range)
    covered = [(start_a, start_a + length_a), (start_b, start_b + length_b)]
    try:
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=list(trust_roots),
                                                                     allow_fetching=False))
    except (SignatureValidationError, PdfError, ValueError) as exc:
        return SignatureCheck(signature.field_name or "", "", None, False, False, False, covered, file_size,
                              False, "", "invalid", f"签名数据无法校验：{exc}")
    signer = status.signing_cert.subject.native.get("common_name", "") if status.signing_cert else ""
    entire = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
    later = _later_changes(status, covered, file_size, entire)
    verdict, explanation = _verdict(status, covered, later)
    return SignatureCheck(signature.field_name or "", signer, to_local(status.signer_reported_dt),
                          bool(status.intact), bool(status.valid), bool(status.trusted), covered, file_size,
                          entire, later, verdict, explanation)


def _later_changes(status, covered, file_size: int, entire: bool) -> str:
    if entire:
        return ""
    level = status.modification_level
    if level is not None and level <= ModificationLevel.LTA_UPDATES:
        return "签名之后只追加了时间戳或验证信息"
    return f"签名只覆盖到第 {covered[1][1]} 字节，之后追加了 {file_size - covered[1][1]} 字节的修改"


def _verdict(status, covered, later: str) -> tuple[str, str]:
    ranges = "、".join(f"{a}–{b - 1}" for a, b in covered)
    if not status.intact:
        return "modified", f"签名覆盖的字节（{ranges}）中有内容在签名后被改动"
    if not status.valid:
        return "invalid", "签名值与签章证书不符"
    if later and not later.startswith("签名之后只追加"):
        return "modified", later
    if not status.trusted:
        return "untrusted", VERDICTS["untrusted"]
    return "valid", f"签名覆盖整个文件（字节 {ranges}）" if not later else later
