"""用印 (electronic seal): certificates, the seal image, PAdES sealing and verification."""

from eduplatform.documents.sealing.certificates import (
    UnitCredentials,
    issue_unit_certificate,
    load_trust_roots,
    load_unit,
    make_ca,
    store_unit,
)
from eduplatform.documents.sealing.seal_image import demo_seal
from eduplatform.documents.sealing.sign import SealBox, VerificationReport, seal_pdf, verify_pdf

__all__ = ["SealBox", "UnitCredentials", "VerificationReport", "demo_seal", "issue_unit_certificate",
           "load_trust_roots", "load_unit", "make_ca", "seal_pdf", "store_unit", "verify_pdf"]
