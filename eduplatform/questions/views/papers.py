"""Pages of papers: list, manual assembly, rule-based assembly, detail, A4 print views."""

from __future__ import annotations

import random

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import get_visible_or_404, require
from eduplatform.questions import assembly, bp, knowledge, papers, permissions
from eduplatform.questions.assembly import RulesInfeasible
from eduplatform.questions.models import Paper
from eduplatform.questions.outputs import VARIANTS
from eduplatform.questions.types import get_type

HEADER_FIELDS = ("title", "subject", "stage", "grade", "instructions", "duration_minutes", "sharing")


def load_paper(paper_id: int, *, edit: bool = False):
    return get_visible_or_404(Paper, paper_id, current_user, missing="试卷不存在",
                              can=permissions.can_edit_paper if edit else permissions.can_view_paper,
                              action="paper.edit" if edit else "paper.view")


@bp.get("/papers")
@login_required
def paper_list():
    require(permissions.is_author(current_user), action="paper.list")
    page = db.paginate(papers.visible_papers(current_user), page=request.args.get("page", 1, type=int),
                       per_page=20, error_out=False)
    return render_template("questions/papers.html", page=page)


@bp.post("/papers/manual")
@login_required
def paper_manual():
    """A paper from the questions ticked on the bank page (one section; edit it afterwards)."""
    require(permissions.can_create_paper(current_user), action="paper.create")
    ids = [int(i) for i in request.form.getlist("question_ids") if i.isdigit()]
    if not ids:
        flash("请先勾选要组卷的试题", "warning")
        return redirect(request.referrer or url_for("questions.question_list"))
    header = {"title": request.form.get("title") or "新建试卷", "subject": request.form.get("subject") or "math"}
    paper = papers.create_paper(current_user, header, [{"title": "一、试题", "items": [{"question_id": i} for i in ids]}])
    db.session.commit()
    flash(f"已手工组卷：{len(ids)} 道题", "success")
    return redirect(url_for("questions.paper_edit", paper_id=paper.id))


@bp.route("/papers/<int:paper_id>/edit", methods=["GET", "POST"])
@login_required
def paper_edit(paper_id: int):
    """Manual editing: titles, sections (each question's section number) and scores."""
    paper = load_paper(paper_id, edit=True)
    if request.method == "POST":
        sections: list[dict] = []
        titles = request.form.getlist("section_title")
        for n, title in enumerate(titles):
            sections.append({"title": title, "items": []})
        for qid, section_no, score in zip(request.form.getlist("item_question"), request.form.getlist("item_section"),
                                          request.form.getlist("item_score"), strict=False):
            if request.form.get(f"remove_{qid}"):
                continue
            index = max(0, min(len(sections) - 1, int(section_no or 1) - 1))
            sections[index]["items"].append({"question_id": int(qid), "score": score})
        sections = [s for s in sections if s["items"]]
        header = {k: request.form.get(k) for k in HEADER_FIELDS if k in request.form}
        papers.update_paper(current_user, paper, header, sections)
        db.session.commit()
        flash("试卷已保存", "success")
        return redirect(url_for("questions.paper_detail", paper_id=paper.id))
    return render_template("questions/paper_edit.html", paper=paper, locked=papers.is_locked(paper))


@bp.route("/papers/assemble", methods=["GET", "POST"])
@login_required
def paper_assemble():
    require(permissions.can_create_paper(current_user), action="paper.assemble")
    subject = request.values.get("subject", "math")
    problems, form = [], request.form
    if request.method == "POST":
        sections = []
        for qtype, count, score, kp in zip(form.getlist("rule_type"), form.getlist("rule_count"),
                                           form.getlist("rule_score"), form.getlist("rule_kp"), strict=False):
            if qtype and count:
                sections.append({"type": qtype, "count": count, "score": score,
                                 "knowledge_points": [int(kp)] if kp.isdigit() else []})
        mix = None
        if form.get("use_mix"):
            mix = {band: form.get(f"mix_{band}") or 0 for band in ("easy", "medium", "hard")}
        data = {"subject": subject, "stage": form.get("stage") or None, "grade": form.get("grade") or None,
                "sections": sections, "difficulty_mix": mix,
                "cover_knowledge_points": [int(k) for k in form.getlist("cover") if k.isdigit()],
                "exclude_recent_papers": form.get("exclude_recent_papers") or 0,
                "seed": form.get("seed") or random.SystemRandom().randrange(1, 2**31)}
        try:
            rules = assembly.parse_rules(data)
            paper = assembly.assemble_paper(current_user, {k: form.get(k) for k in HEADER_FIELDS if k in form}, rules)
        except RulesInfeasible as exc:
            db.session.rollback()
            problems = exc.problems
        except ValidationFailed as exc:
            db.session.rollback()
            problems = exc.fields.get("rules") or [exc.message]
        else:
            db.session.commit()
            flash(f"已按规则组卷（随机种子 {rules.seed}）", "success")
            return redirect(url_for("questions.paper_detail", paper_id=paper.id))
    return render_template("questions/assemble.html", subject=subject, kps=knowledge.flat_tree(subject),
                           problems=problems, form=form)


@bp.get("/papers/<int:paper_id>")
@login_required
def paper_detail(paper_id: int):
    paper = load_paper(paper_id)
    return render_template("questions/paper_detail.html", paper=paper, locked=papers.is_locked(paper),
                           variants=VARIANTS, kp_names=_kp_names(paper))


def _kp_names(paper) -> dict[int, str]:
    names = {}
    for item in paper.items:
        names[item.id] = "、".join(item.version.meta.get("knowledge_points", []))
    return names


@bp.post("/papers/<int:paper_id>/copy")
@login_required
def paper_copy(paper_id: int):
    paper = load_paper(paper_id)
    copy = papers.copy_paper(current_user, paper)
    db.session.commit()
    flash("已复制试卷，可以修改副本", "success")
    return redirect(url_for("questions.paper_edit", paper_id=copy.id))


@bp.post("/papers/<int:paper_id>/delete")
@login_required
def paper_delete(paper_id: int):
    paper = load_paper(paper_id, edit=True)
    papers.delete_paper(current_user, paper)
    db.session.commit()
    flash("试卷已删除", "info")
    return redirect(url_for("questions.paper_list"))


@bp.get("/papers/<int:paper_id>/print/<variant>")
@login_required
def paper_print(paper_id: int, variant: str):
    paper = load_paper(paper_id)
    if variant not in VARIANTS:
        return redirect(url_for("questions.paper_print", paper_id=paper.id, variant="paper"))
    return render_template("questions/print.html", paper=paper, variant=variant, variants=VARIANTS, get_type=get_type)
