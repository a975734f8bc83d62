"""`flask documents make-dev-ca | issue-unit-cert`: certificates for development and tests.

Production imports certificates its CA issued into ``DOC_CERT_DIR``; these commands make a self-made
root and unit certificates so a laptop can seal and verify end to end.
"""

from __future__ import annotations

from pathlib import Path

import click
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import current_app
from flask.cli import AppGroup

from eduplatform.documents.sealing import certificates, demo_seal

group = AppGroup("documents", help="公文：用印证书（开发用）、归档导出与校验")


def init_app(app) -> None:
    app.cli.add_command(group)


def _config_dir(name: str, given: Path | None) -> Path:
    value = given or current_app.config.get(name)
    if not value:
        raise click.UsageError(f"请用 --dir 指定目录，或配置 {name}")
    return Path(value)


@group.command("make-dev-ca")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write ca-key.pem and ca.pem (default: DOC_TRUST_ROOTS).")
@click.option("--name", default="示范市教育局电子公文根证书（开发用）", show_default=True)
def make_dev_ca(directory: Path | None, name: str) -> None:
    """Make a self-made root CA for development (never for production)."""
    directory = _config_dir("DOC_TRUST_ROOTS", directory)
    directory.mkdir(parents=True, exist_ok=True)
    key, cert = certificates.make_ca(name)
    certificates.write_pem_certificates(directory / "ca.pem", cert)
    certificates.write_pem_key(directory / "ca-key.key", key)
    click.echo(f"已生成开发用根证书：{directory / 'ca.pem'}")


@group.command("issue-unit-cert")
@click.argument("unit_code")
@click.argument("unit_name")
@click.option("--ca-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Directory of ca.pem and ca-key.key (default: DOC_TRUST_ROOTS).")
@click.option("--store", type=click.Path(file_okay=False, path_type=Path),
              help="The certificate store (default: DOC_CERT_DIR).")
@click.option("--bureau", default=None, help="O = the bureau the unit belongs to.")
def issue_unit_cert(unit_code: str, unit_name: str, ca_dir: Path | None, store: Path | None,
                    bureau: str | None) -> None:
    """Issue a signing certificate for a unit from the development CA, with a demo seal image."""
    ca_dir = _config_dir("DOC_TRUST_ROOTS", ca_dir)
    store = _config_dir("DOC_CERT_DIR", store)
    ca_cert = x509.load_pem_x509_certificate((ca_dir / "ca.pem").read_bytes())
    ca_key = serialization.load_pem_private_key((ca_dir / "ca-key.key").read_bytes(), None)
    key, cert = certificates.issue_unit_certificate(ca_key, ca_cert, unit_name, bureau=bureau)
    folder = certificates.store_unit(store, unit_code, key, cert, [ca_cert],
                                     password=current_app.config.get("DOC_CERT_PASSWORD"))
    (folder / "seal.png").write_bytes(demo_seal(unit_name))
    click.echo(f"已为 {unit_name}（{unit_code}）签发用印证书：{folder}")


@group.command("archive-export")
@click.option("--org", "org_code", required=True, help="The unit's code (立档单位).")
@click.option("--year", required=True, type=int, help="年度.")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def archive_export(org_code: str, year: int, out: Path) -> None:
    """移交: write a unit's 归档文件 of one year (packages, 归档文件目录, manifests) to OUT."""
    from eduplatform.core.extensions import db
    from eduplatform.documents.services.archive_package import export_year
    from eduplatform.orgs.services import find_org

    unit = find_org(org_code)
    if unit is None:
        raise click.UsageError(f"没有代码为 {org_code} 的单位")
    data = export_year(unit, year)
    out.write_bytes(data)
    db.session.commit()
    click.echo(f"已导出{unit.name}{year}年度归档文件：{out}（{len(data)} 字节）")


@group.command("archive-verify")
@click.argument("package", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def archive_verify(package: Path) -> None:
    """Check every checksum of a 件's package or a year export; exit 1 when something is wrong."""
    from eduplatform.core.errors import AppError
    from eduplatform.core.extensions import db
    from eduplatform.documents.services.archive_verify import verify

    try:
        report = verify(package.read_bytes())
    except AppError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    for problem in report.problems:
        click.echo(f"  ✗ {problem}")
    click.echo(report.label)
    if not report.ok:
        raise SystemExit(1)
