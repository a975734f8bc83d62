"""eduplatform — 教育电子政务与远程教育资源平台.

``create_app`` wires the extensions, the shared services (storage, search) and an explicit list of
domain blueprints. A new domain drops in by adding its package and one line to ``DOMAINS``.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from flask import Flask

ROOT_DIR = Path(__file__).resolve().parent.parent

#: Domain packages, in start-up order. Each has a blueprint ``bp`` and may have an ``api`` module
#: with its own ``bp``; it may also offer ``init_app(app)``, ``seed_demo(log)`` (in ``seed.py``)
#: and ``NAV`` entries for the top bar.
DOMAINS = [
    "eduplatform.home",
    "eduplatform.orgs",
    "eduplatform.accounts",
    "eduplatform.audit",
    "eduplatform.jobs",
    "eduplatform.workflow",
    "eduplatform.editor",
    "eduplatform.schools",
    "eduplatform.questions",
    "eduplatform.reporting",
    "eduplatform.documents",
    "eduplatform.resources",
    "eduplatform.courses",
    "eduplatform.portal",
    "eduplatform.learning",
    "eduplatform.families",
    "eduplatform.distribution",
]


def create_app(config: dict | str | None = None) -> Flask:
    """Build the application; ``config`` is a config name or a dict of overrides (tests)."""
    from config import finalize_settings, load_config

    app = Flask(
        __name__,
        template_folder=str(ROOT_DIR / "templates"),
        static_folder=str(ROOT_DIR / "static"),
        static_url_path="/static",
    )
    overrides = config if isinstance(config, dict) else {}
    config_name = config if isinstance(config, str) else overrides.get("ENV_NAME")
    app.config.from_object(load_config(config_name))
    app.config.update(overrides)
    settings = dict(app.config)
    finalize_settings(settings)
    app.config.update(settings)

    configure_proxy(app)
    configure_extensions(app)
    configure_services(app)
    configure_domains(app)
    configure_templates(app)
    return app


def configure_proxy(app: Flask) -> None:
    """Behind trusted reverse proxies only, take the client address from X-Forwarded-For."""
    count = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def configure_extensions(app: Flask) -> None:
    from eduplatform.core import api, converters, memo, notices, observability, security  # noqa: F401  (notices: the one inbox table)
    from eduplatform.core.errors import register_error_handlers
    from eduplatform.core.extensions import csrf, db, login_manager, migrate
    from eduplatform.core.jobs import models as job_models  # noqa: F401  (the jobs table)
    from eduplatform.core.search import pg_models  # noqa: F401  (the PostgreSQL search backend's tables)

    observability.init_app(app)  # first: the request id is there for every other hook and log line
    converters.init_app(app)  # before any route: every <int:…> gets the bounded converter
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT_DIR / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    api.init_app(app)
    memo.init_app(app)
    register_error_handlers(app)


def configure_services(app: Flask) -> None:
    from eduplatform.core import jobs
    from eduplatform.core.search import registry as search_registry
    from eduplatform.core.storage import services as storage_services

    storage_services.init_app(app)
    search_registry.init_app(app)
    jobs.init_app(app)


def configure_domains(app: Flask) -> None:
    from eduplatform.core import cli

    # The foundation finds the domains here (navigation, home panels, ``can``, seed-demo) instead of
    # importing this package: short name → package, in start-up order.
    domains = app.extensions["edu_domains"] = {}
    for name in DOMAINS:
        module = importlib.import_module(name)
        domains[name.rpartition(".")[2]] = module
        # Views are imported here, not in the package: a package stays importable for its models
        # without pulling in every other domain its views use.
        _optional_module(f"{name}.views")
        if hasattr(module, "init_app"):
            module.init_app(app)
        app.register_blueprint(module.bp)
        api_module = _optional_module(f"{name}.api")
        if api_module is not None:
            app.register_blueprint(api_module.bp)
    cli.init_app(app)


def configure_templates(app: Flask) -> None:
    from eduplatform.core import templating

    templating.init_app(app)


def _optional_module(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise

