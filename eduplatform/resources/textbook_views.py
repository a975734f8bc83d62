"""同步资源: the library by 教材目录 (版本 → 册 → 单元/章 → 课/节), as the national platform's 同步教学.

A teacher opens it on their own 学段 and 学科 (from their school and 任教学科); a volume's page is its
目录 with how many resources each node holds, and the resources of the chosen node (a chapter
includes its sections'). Everything is one search of the index within what the viewer may see.
"""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.core.errors import NotFound
from eduplatform.core.paging import page_number
from eduplatform.resources import bp
from eduplatform.resources.search import TEXTBOOK, search_resources
from eduplatform.resources.specs import get_specs

PER_PAGE = 20


def viewer_defaults(user) -> dict[str, str]:
    """学段 and 学科 to open on: the school's only 学段, the teacher's first 任教学科 (the same
    interests the 工作台's new resources use)."""
    from eduplatform.resources.workbench import interests

    stages, subjects = interests(user)
    defaults: dict[str, str] = {}
    if len(stages) == 1:
        defaults["stage"] = getattr(stages[0], "value", stages[0])
    if subjects:
        defaults["subject"] = subjects[0]
    return defaults


def _counts(filters: dict) -> dict[str, int]:
    """Resources per 教材目录 id (volumes, chapters, sections) among what the viewer may see."""
    found = search_resources(current_user, filters=filters, per_page=1, facets=[TEXTBOOK], facet_labels=False)
    return dict(found.results.facet_counts.get(TEXTBOOK, []))


@bp.get("/resources/textbooks")
@login_required
def textbooks():
    specs = get_specs()
    catalogue = specs.textbooks
    chosen = {key: request.args.get(key) for key in ("stage", "subject", "edition") if request.args.get(key)}
    defaulted = False
    if not chosen and request.args.get("all") is None:
        chosen = viewer_defaults(current_user)
        defaulted = bool(chosen)
    volumes = catalogue.find(**chosen)
    if defaulted and not volumes:  # nothing for the teacher's subject yet: show everything
        chosen, defaulted, volumes = {}, False, catalogue.find()
    every = list(catalogue.volumes.values())
    choices = {
        "stage": sorted({v.stage for v in every}, key=list(specs.vocabularies["stage"].by_code).index),
        "subject": sorted({v.subject for v in every}, key=list(specs.vocabularies["subject"].by_code).index),
        "edition": sorted({v.edition for v in every}, key=list(specs.vocabularies["textbook_edition"].by_code).index),
    }
    vocab_of = {"stage": "stage", "subject": "subject", "edition": "textbook_edition"}
    return render_template("resources/textbooks.html", volumes=volumes, chosen=chosen, defaulted=defaulted,
                           choices=choices, vocab_of=vocab_of, specs=specs, counts=_counts({}))


@bp.get("/resources/textbooks/<volume_code>")
@login_required
def textbook_volume(volume_code: str):
    specs = get_specs()
    volume = specs.textbooks.volume(volume_code)
    if volume is None:
        raise NotFound("没有这册教材")
    node_id = request.args.get("node") or volume.code
    node = specs.textbooks.node(node_id) if node_id != volume.code else None
    if node_id != volume.code and (node is None or node.volume is not volume):
        raise NotFound("这册教材没有这个章节")
    counts = _counts({TEXTBOOK: volume.code})
    found = search_resources(current_user, filters={TEXTBOOK: node_id}, sort="newest", page=page_number(),
                             per_page=PER_PAGE)
    from eduplatform.resources import TEXTBOOK_SHELVES

    under = [n.id for n in (node.walk() if node else volume.walk())]
    shelves = [(shelf.label, items) for shelf in TEXTBOOK_SHELVES.values()
               if (items := shelf.find(current_user, under))]
    return render_template("resources/textbook_volume.html", volume=volume, node=node, node_id=node_id,
                           counts=counts, found=found, specs=specs, shelves=shelves,
                           upload_url=url_for("resources.upload", textbook_node=node.id) if node else None)
