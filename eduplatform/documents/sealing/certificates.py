"""Each unit's signing key and certificate, and the roots a verifier trusts.

The store is a directory (``DOC_CERT_DIR``) with one folder per unit, named by the unit's code:
``key.pem`` (PKCS #8, encrypted with ``DOC_CERT_PASSWORD`` when that is set), ``cert.pem`` and an
optional ``chain.pem`` (intermediates). ``DOC_TRUST_ROOTS`` is a directory of PEM roots the
verification page trusts. Production puts the bureau's CA-issued certificates there; development
and the tests make their own with :func:`make_ca` and :func:`issue_unit_certificate` (``flask
documents make-dev-ca`` / ``issue-unit-cert``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from eduplatform.core.errors import ValidationFailed


@dataclass(frozen=True)
class UnitCredentials:
    """What a unit signs with: its key, its certificate and the certificates above it (DER)."""

    key: asn1_keys.PrivateKeyInfo
    certificate: asn1_x509.Certificate
    chain: tuple[asn1_x509.Certificate, ...] = ()


def _name(common_name: str, organisation: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
    if organisation:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(parts)


def _key_usage(*, sign_documents: bool, sign_certificates: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=sign_documents, content_commitment=sign_documents,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=sign_certificates, crl_sign=sign_certificates,
                         encipher_only=False, decipher_only=False)


def make_ca(common_name: str, *, years: int = 10):
    """A self-made root for development and tests: ``(key, certificate)`` (``cryptography`` objects)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    certificate = (x509.CertificateBuilder()
                   .subject_name(_name(common_name)).issuer_name(_name(common_name))
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(days=1))
                   .not_valid_after(now + dt.timedelta(days=365 * years))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                   .add_extension(_key_usage(sign_documents=False, sign_certificates=True), critical=True)
                   .sign(key, hashes.SHA256()))
    return key, certificate


def issue_unit_certificate(ca_key, ca_certificate, unit_name: str, *, bureau: str | None = None,
                           years: int = 2):
    """A unit's signing certificate (CN = the unit, O = the bureau) issued by ``ca_certificate``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    certificate = (x509.CertificateBuilder()
                   .subject_name(_name(unit_name, bureau)).issuer_name(ca_certificate.subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(days=1))
                   .not_valid_after(now + dt.timedelta(days=365 * years))
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(_key_usage(sign_documents=True, sign_certificates=False), critical=True)
                   .sign(ca_key, hashes.SHA256()))
    return key, certificate


def write_pem_key(path: Path, key, password: str | None = None) -> None:
    encryption = (serialization.BestAvailableEncryption(password.encode()) if password
                  else serialization.NoEncryption())
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption))
    path.chmod(0o600)


def write_pem_certificates(path: Path, *certificates) -> None:
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates))


def store_unit(store: Path, unit_code: str, key, certificate, chain=(), *, password: str | None = None) -> Path:
    """Write a unit's credentials into the store in the layout :func:`load_unit` reads."""
    folder = Path(store) / unit_code
    folder.mkdir(parents=True, exist_ok=True)
    write_pem_key(folder / "key.pem", key, password)
    write_pem_certificates(folder / "cert.pem", certificate)
    if chain:
        write_pem_certificates(folder / "chain.pem", *chain)
    return folder


def _to_asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def read_certificates(path: Path) -> list[asn1_x509.Certificate]:
    return [_to_asn1(c) for c in x509.load_pem_x509_certificates(path.read_bytes())]


def load_unit(store: Path | str | None, unit_code: str, *, password: str | None = None) -> UnitCredentials:
    """The unit's credentials from the store; a clear Chinese refusal when it has none."""
    if not store:
        raise ValidationFailed("未配置单位证书目录（DOC_CERT_DIR），不能用印", code="no_certificate_store")
    folder = Path(store) / unit_code
    if not (folder / "key.pem").is_file() or not (folder / "cert.pem").is_file():
        raise ValidationFailed(f"单位“{unit_code}”没有签章证书，请先由管理员导入", code="no_unit_certificate")
    try:
        key = serialization.load_pem_private_key((folder / "key.pem").read_bytes(),
                                                 password.encode() if password else None)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("单位签章私钥无法读取（口令不对或文件损坏）", code="bad_unit_key") from exc
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    chain_file = folder / "chain.pem"
    return UnitCredentials(key=asn1_keys.PrivateKeyInfo.load(der),
                           certificate=read_certificates(folder / "cert.pem")[0],
                           chain=tuple(read_certificates(chain_file)) if chain_file.is_file() else ())


def load_trust_roots(directory: Path | str | None) -> list[asn1_x509.Certificate]:
    """Every certificate in the ``*.pem`` files of ``directory`` (none when it is not set)."""
    if not directory or not Path(directory).is_dir():
        return []
    roots = []
    for path in sorted(Path(directory).glob("*.pem")):
        roots.extend(read_certificates(path))
    return roots
