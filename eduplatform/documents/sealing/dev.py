"""Development credentials: a self-made root and a unit certificate, so `make run` seals end to end.

Never used in production (the seed only calls it when ENV_NAME is development); there, the bureau's
CA issues the certificates and an administrator imports them into ``DOC_CERT_DIR``.
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from eduplatform.documents.sealing import certificates
from eduplatform.documents.sealing.seal_image import demo_seal

DEV_ROOT_NAME = "示范市教育局电子公文根证书（开发用）"


def ensure_dev_unit(roots_dir: str | Path, store_dir: str | Path, unit_code: str, unit_name: str, *,
                    password: str | None = None) -> bool:
    """Make the root (once) and the unit's certificate and seal image (once); True if anything was made."""
    roots, store = Path(roots_dir), Path(store_dir)
    made = False
    if not (roots / "ca.pem").is_file():
        roots.mkdir(parents=True, exist_ok=True)
        key, cert = certificates.make_ca(DEV_ROOT_NAME)
        certificates.write_pem_certificates(roots / "ca.pem", cert)
        certificates.write_pem_key(roots / "ca-key.key", key)
        made = True
    if not (store / unit_code / "cert.pem").is_file():
        ca_cert = x509.load_pem_x509_certificate((roots / "ca.pem").read_bytes())
        ca_key = serialization.load_pem_private_key((roots / "ca-key.key").read_bytes(), None)
        key, cert = certificates.issue_unit_certificate(ca_key, ca_cert, unit_name, bureau=unit_name)
        folder = certificates.store_unit(store, unit_code, key, cert, [ca_cert], password=password)
        (folder / "seal.png").write_bytes(demo_seal(unit_name))
        made = True
    return made
