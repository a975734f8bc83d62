"""`flask documents make-dev-ca` and `issue-unit-cert` make what sealing then uses."""

from __future__ import annotations

from eduplatform.documents.sealing import certificates, seal_pdf, verify_pdf
from eduplatform.documents.sealing.sign import SealBox


def test_a_dev_ca_and_a_unit_certificate_seal_and_verify(app, tmp_path, plain_pdf):
    runner = app.test_cli_runner()
    roots, store = tmp_path / "roots", tmp_path / "store"
    made = runner.invoke(args=["documents", "make-dev-ca", "--dir", str(roots)])
    assert made.exit_code == 0, made.output
    assert "已生成开发用根证书" in made.output
    issued = runner.invoke(args=["documents", "issue-unit-cert", "dh", "东湖区教育局", "--ca-dir", str(roots),
                                 "--store", str(store), "--bureau", "示范市教育局"])
    assert issued.exit_code == 0, issued.output
    assert (store / "dh" / "seal.png").is_file()
    unit = certificates.load_unit(store, "dh")
    assert unit.certificate.subject.native["common_name"] == "东湖区教育局"
    sealed = seal_pdf(plain_pdf, credentials=unit, seal_png=(store / "dh" / "seal.png").read_bytes(),
                      box=SealBox(0, 120, 60))
    report = verify_pdf(sealed, certificates.load_trust_roots(roots))
    assert report.verdict == "valid" and report.signatures[0].signer == "东湖区教育局"
    # the CA's private key is not a trust root: only *.pem files are read
    assert len(certificates.load_trust_roots(roots)) == 1


def test_without_a_directory_the_command_says_what_to_set(app):
    result = app.test_cli_runner().invoke(args=["documents", "make-dev-ca"])
    assert result.exit_code != 0 and "DOC_TRUST_ROOTS" in result.output
