"""deploy/ agrees with the code: the environment example names every EDU_* setting the code reads,
nginx's limits and internal location match the app's defaults."""

from __future__ import annotations

import re

from config import Config
from eduplatform import ROOT_DIR

DEPLOY = ROOT_DIR / "deploy"


def _settings_read_by_the_code() -> set[str]:
    names = set()
    for path in [ROOT_DIR / "config.py", DEPLOY / "gunicorn.conf.py", *(ROOT_DIR / "eduplatform").rglob("*.py")]:
        names |= set(re.findall(r"""["'](EDU_[A-Z0-9_]+)["']""", path.read_text(encoding="utf-8")))
    # f"EDU_SMTP_{name}" in core/mail.py reads these
    names |= {f"EDU_SMTP_{n}" for n in ("HOST", "PORT", "USER", "PASSWORD", "FROM", "STARTTLS", "SSL")}
    return names


def test_the_environment_example_documents_every_setting():
    example = (DEPLOY / "eduplatform.env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#? ?(EDU_[A-Z0-9_]+)=", example, re.MULTILINE))
    read = _settings_read_by_the_code()
    assert len(read) > 60
    assert read - documented == set()
    assert documented - read == set()  # nothing documented that nothing reads


def test_nginx_matches_the_apps_limits_and_offload_location():
    site = (DEPLOY / "nginx" / "eduplatform.conf").read_text(encoding="utf-8")
    size = re.search(r"client_max_body_size (\d+)([kmg]?);", site)
    factor = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[size.group(2)]
    assert int(size.group(1)) * factor == Config.MAX_UPLOAD_BYTES
    internal = re.search(r"location (\S+) \{\s*internal;\s*alias (\S+);", site)
    assert internal.group(1) == Config.DOWNLOAD_ACCEL_PREFIX
    read_timeout = int(re.search(r"proxy_read_timeout (\d+)s;", site).group(1))
    assert read_timeout > 120  # longer than gunicorn's worker timeout: the app gives up first
    assert "proxy_set_header X-Request-ID $request_id;" in site


def test_systemd_units_use_the_environment_file_and_the_gunicorn_config():
    units = {p.name: p.read_text(encoding="utf-8") for p in (DEPLOY / "systemd").glob("*.service")}
    assert set(units) == {"eduplatform-web.service", "eduplatform-worker.service"}
    for text in units.values():
        assert "EnvironmentFile=/etc/eduplatform/eduplatform.env" in text and "User=eduplatform" in text
    assert "gunicorn -c deploy/gunicorn.conf.py" in units["eduplatform-web.service"]
    assert "RuntimeDirectory=eduplatform" in units["eduplatform-web.service"]
