"""/api/v1/papers: manual papers, rule-based assembly, copies, outputs (DOCX and print HTML)."""

from __future__ import annotations

import random

from flask import Response, request, url_for
from flask_login import current_user, login_required

from eduplatform.core.api import load_json, paginated
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import get_visible_or_404, require
from eduplatform.questions import assembly, outputs, papers, permissions
from eduplatform.questions.api import bp
from eduplatform.questions.models import Paper
from eduplatform.questions.schemas import (
    PaperInSchema,
    PaperListSchema,
    PaperSchema,
    PaperUpdateSchema,
    RulesInSchema,
)

HEADER_FIELDS = ("title", "subject", "stage", "grade", "instructions", "duration_minutes", "sharing")


def load_paper(paper_id: int, *, edit: bool = False):
    return get_visible_or_404(Paper, paper_id, current_user, missing="试卷不存在",
                              can=permissions.can_edit_paper if edit else permissions.can_view_paper,
                              action="paper.edit" if edit else "paper.view")


@bp.get("/papers")
@login_required
def list_papers():
    """Papers the caller may see, newest first.
    ---
    get:
      responses:
        200:
          description: "{items, page, per_page, total, pages}"
    """
    require(permissions.is_author(current_user), action="paper.list")
    return paginated(papers.visible_papers(current_user), PaperListSchema())


@bp.post("/papers")
@login_required
def create_paper():
    """Assemble a paper by hand: sections of question ids with scores.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: PaperInSchema
      responses:
        201:
          content:
            application/json:
              schema: PaperSchema
    """
    require(permissions.can_create_paper(current_user), action="paper.create")
    data = load_json(PaperInSchema())
    paper = papers.create_paper(current_user, {k: data.get(k) for k in HEADER_FIELDS}, data["sections"])
    db.session.commit()
    return PaperSchema().dump(paper), 201


@bp.post("/papers/assemble")
@login_required
def assemble():
    """Assemble a paper by rules (same rules + seed → same paper). Unmet rules answer 422 with
    `error.fields.rules` listing each shortfall.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: RulesInSchema
      responses:
        201:
          content:
            application/json:
              schema: PaperSchema
        422:
          description: 规则无法满足（rules_infeasible），逐条说明差多少
    """
    require(permissions.can_create_paper(current_user), action="paper.assemble")
    data = load_json(RulesInSchema())
    if data.get("seed") is None:
        data["seed"] = random.SystemRandom().randrange(1, 2**31)
    rules = assembly.parse_rules(data)
    paper = assembly.assemble_paper(current_user, {k: data.get(k) for k in HEADER_FIELDS}, rules)
    db.session.commit()
    return PaperSchema().dump(paper), 201


@bp.get("/papers/<int:paper_id>")
@login_required
def get_paper(paper_id: int):
    """A paper with its sections and items (the versions it holds, answers included).
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: PaperSchema
    """
    return PaperSchema().dump(load_paper(paper_id))


@bp.put("/papers/<int:paper_id>")
@login_required
def update_paper(paper_id: int):
    """Edit a paper's header and/or sections (refused with 409 once an exam was published with it).
    ---
    put:
      requestBody:
        content:
          application/json:
            schema: PaperUpdateSchema
      responses:
        200:
          content:
            application/json:
              schema: PaperSchema
    """
    paper = load_paper(paper_id, edit=True)
    data = load_json(PaperUpdateSchema(), partial=True)
    header = {k: data[k] for k in HEADER_FIELDS if k in data}
    papers.update_paper(current_user, paper, header, data.get("sections"))
    db.session.commit()
    return PaperSchema().dump(paper)


@bp.delete("/papers/<int:paper_id>")
@login_required
def delete_paper(paper_id: int):
    """Delete a paper that no exam uses.
    ---
    delete:
      responses:
        204:
          description: 已删除
    """
    paper = load_paper(paper_id, edit=True)
    papers.delete_paper(current_user, paper)
    db.session.commit()
    return "", 204


@bp.post("/papers/<int:paper_id>/copy")
@login_required
def copy_paper(paper_id: int):
    """An editable copy of a paper.
    ---
    post:
      responses:
        201:
          content:
            application/json:
              schema: PaperSchema
    """
    paper = load_paper(paper_id)
    require(permissions.can_create_paper(current_user), action="paper.copy")
    copy = papers.copy_paper(current_user, paper)
    db.session.commit()
    return PaperSchema().dump(copy), 201


@bp.get("/papers/<int:paper_id>/output")
@login_required
def output(paper_id: int):
    """The paper, its answer key or its answer sheet: `format=docx` (a file) or `format=html`
    (a redirect to the A4 print page).
    ---
    get:
      parameters:
        - {name: variant, in: query, schema: {type: string, enum: [paper, key, sheet]}}
        - {name: format, in: query, schema: {type: string, enum: [docx, html]}}
      responses:
        200:
          description: DOCX 文件
        302:
          description: 打印页面
    """
    paper = load_paper(paper_id)
    variant = request.args.get("variant", "paper")
    if variant not in outputs.VARIANTS:
        raise ValidationFailed("variant 须为 paper、key 或 sheet", fields={"variant": ["不正确"]})
    fmt = request.args.get("format", "docx")
    if fmt == "html":
        return "", 302, {"Location": url_for("questions.paper_print", paper_id=paper.id, variant=variant)}
    if fmt != "docx":
        raise ValidationFailed("format 须为 docx 或 html", fields={"format": ["不正确"]})
    body = outputs.paper_docx(paper, variant)
    filename = f"paper-{paper.id}-{variant}.docx"
    return Response(body, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
