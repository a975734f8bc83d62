"""Teaching-resource library (远程教育资源): spec-driven upload, search, preview, review, packages."""

import os
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint

from eduplatform.core.templating import NavItem
from eduplatform.core.workbench import WorkbenchPanel

bp = Blueprint("resources", __name__)


def _signed_in(user):
    return user.is_authenticated


def _can_upload(user):
    from eduplatform.resources.permissions import can_upload_resource

    return can_upload_resource(user)


def _is_reviewer(user):
    from eduplatform.resources.review import is_reviewer

    return is_reviewer(user)


def _can_package(user):
    from eduplatform.resources.permissions import can_manage_packages

    return can_manage_packages(user)


NAV = [
    NavItem("远程教育资源", "资源库", "resources.home", _signed_in),
    NavItem("远程教育资源", "同步资源（按教材）", "resources.textbooks", _signed_in),
    NavItem("远程教育资源", "上传资源", "resources.upload", _can_upload),
    NavItem("远程教育资源", "我的上传", "resources.mine", _can_upload),
    NavItem("远程教育资源", "我的收藏", "resources.favourites", _signed_in),
    NavItem("远程教育资源", "资源审核", "resources.review_queue", _is_reviewer),
    NavItem("校校通", "资源离线包", "resources.packages", _can_package),
]


@dataclass(frozen=True)
class UsageFinder:
    """Who else uses a resource: a domain that links resources (courses' lessons) says so, and an
    unpublished resource is then not deleted (``removal.check_deletable``: 409 resource_in_use)."""

    #: what uses it, in the refusal: 「该资源正被{label}使用（…）」
    label: str
    #: a resource → the display names of what uses it (empty: nothing does)
    find: Callable[[object], list[str]]
    #: what the owner should do first, ending the refusal's message
    hint: str


#: name → finder; registered in the using domains' ``init_app`` (resources imports none of them).
USAGE_FINDERS: dict[str, UsageFinder] = {}


@dataclass(frozen=True)
class TextbookShelf:
    """What else a domain has for a lesson of the 教材目录 (courses: their lessons), shown on the
    同步资源 pages beside the resources; ``find(user, node_ids)`` → [(title, url, note)] the user may open."""

    label: str
    find: Callable[[object, list[str]], list[tuple[str, str, str]]]


#: name → shelf; registered in the using domains' ``init_app``.
TEXTBOOK_SHELVES: dict[str, TextbookShelf] = {}


def register_textbook_shelf(name: str, shelf: TextbookShelf) -> None:
    TEXTBOOK_SHELVES[name] = shelf


def register_usage_finder(name: str, finder: UsageFinder) -> None:
    """Let a domain that points at resources hold their deletion while it uses them (idempotent)."""
    USAGE_FINDERS[name] = finder


def init_app(app):
    from eduplatform.core.search.registry import register_searchable
    from eduplatform.core.vocabularies import specs_directory
    from eduplatform.resources import models, oai_tracking, review  # noqa: F401 - tables; the OAI listener
    from eduplatform.resources.models import Resource
    from eduplatform.resources.search import KIND, iter_resources, resource_document
    from eduplatform.resources.specs import load_specs

    app.config.setdefault("RESOURCE_SPECS_DIR", str(specs_directory()))  # the shared vocabularies' too
    production = app.config.get("ENV_NAME") == "production"
    app.config.setdefault("RESOURCES_PROCESSING", os.environ.get("EDU_RESOURCES_PROCESSING")
                          or ("worker" if production else "inline"))
    limit = os.environ.get("EDU_RESOURCES_MAX_UPLOAD_BYTES")
    app.config.setdefault("RESOURCES_MAX_UPLOAD_BYTES", int(limit) if limit else None)
    package_limit = os.environ.get("EDU_RESOURCES_MAX_PACKAGE_BYTES")
    app.config.setdefault("RESOURCES_MAX_PACKAGE_BYTES", int(package_limit) if package_limit else 4 * 1024**3)
    # Office pages and video posters (LibreOffice, ffmpeg): made by the worker; off in tests unless asked.
    previews = os.environ.get("EDU_RESOURCES_PREVIEWS")
    app.config.setdefault("RESOURCES_PREVIEWS", previews != "0" if previews is not None
                          else app.config.get("ENV_NAME") != "testing")
    app.config.setdefault("RESOURCES_CONVERT_TIMEOUT", float(os.environ.get("EDU_RESOURCES_CONVERT_TIMEOUT") or 120))
    app.config.setdefault("RESOURCES_PREVIEW_MAX_PAGES", int(os.environ.get("EDU_RESOURCES_PREVIEW_MAX_PAGES") or 60))
    app.extensions["resource_specs"] = load_specs(app.config["RESOURCE_SPECS_DIR"])
    register_searchable(KIND, Resource, resource_document, iter_all=iter_resources)
    from eduplatform.resources.search import register_unified

    register_unified()  # the one search box's 教学资源 group
    review.register()  # the review process (resource_review) and resources as its subjects

    from eduplatform.resources.indicators import register_indicators

    register_indicators()

    from eduplatform.resources import cli
    from eduplatform.resources.conformance import plain_words, summary_words

    cli.init_app(app)
    from eduplatform.resources import jobs

    jobs.register(app)  # one upload's processing, and the periodic sweep (core.jobs)
    # The technical check in words on every page that shows it (upload, resource, review).
    app.jinja_env.globals.update(conformance_words=plain_words, conformance_summary=summary_words)


def _lazy(name):
    def call(user):
        from eduplatform.resources import workbench

        return getattr(workbench, name)(user)
    return call


WORKBENCH_PANELS = [
    WorkbenchPanel("mine", "resources/_workbench_uploads.html", _lazy("my_uploads"), when=_lazy("is_uploader"),
                   order=10),
    WorkbenchPanel("mine", "resources/_workbench_review.html", _lazy("review_counts"), when=_is_reviewer,
                   order=40),
    WorkbenchPanel("new", "resources/_workbench_new.html", _lazy("new_for_me"), when=_lazy("has_interests"),
                   order=10),
]
