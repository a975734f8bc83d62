"""Import (upload → preview → confirm) and export of questions through the file formats.

A preview parses the file and validates every question with the same rules as the form; it saves
nothing but the preview itself. Confirming a clean preview creates all its questions in the one
transaction of the request: a failure leaves no question behind.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import sqlalchemy as sa

from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import get_visible_or_404
from eduplatform.orgs.models import Stage
from eduplatform.questions import knowledge
from eduplatform.questions.formats import get_format
from eduplatform.questions.formats.base import Problem, map_strings
from eduplatform.questions.models import (
    ImportBatch,
    ImportStatus,
    Question,
    QuestionVersion,
    question_kp_links,
)
from eduplatform.questions.services import clean_question
from eduplatform.questions.types import QUESTION_TYPES
from eduplatform.questions.vocab import GRADES, SUBJECTS, Sharing

MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_IMAGE_BYTES = 5 * 1024 * 1024
#: Pictures a format carried inside the file, inlined by its parser (Moodle @@PLUGINFILE@@, package files).
_INLINE_IMAGE = re.compile(r'src="data:image/(png|jpeg|gif|webp);base64,([A-Za-z0-9+/=\s]+)"')
MAX_IMPORT_QUESTIONS = 20_000
CATEGORY_USES = {"knowledge_point": "知识点", "tag": "标签", "ignore": "忽略"}


def clean_options(values: dict[str, Any]) -> dict[str, Any]:
    errors = {}
    if values.get("subject") not in SUBJECTS:
        errors["subject"] = ["请选择学科"]
    if values.get("stage") and values["stage"] not in {s.value for s in Stage}:
        errors["stage"] = ["学段不正确"]
    if values.get("grade") and values["grade"] not in GRADES:
        errors["grade"] = ["年级不正确"]
    category_as = values.get("category_as") or "knowledge_point"
    if category_as not in CATEGORY_USES:
        errors["category_as"] = ["分类用途不正确"]
    try:
        sharing = Sharing(values.get("sharing") or Sharing.ORG).value
    except ValueError:
        errors["sharing"] = ["共享范围不正确"]
        sharing = None
    if errors:
        raise ValidationFailed("导入设置有误：" + "；".join(m for ms in errors.values() for m in ms), fields=errors)
    return {"subject": values["subject"], "stage": values.get("stage") or None, "grade": values.get("grade") or None,
            "sharing": sharing, "category_as": category_as}


def _values(item: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    tags = list(item.get("tags") or [])
    if options["category_as"] == "tag" and item.get("category"):
        tags.append(item["category"].split("/")[-1])
    return {"type": item["type"], "stem": item["stem"], "data": item["data"], "analysis": item.get("analysis"),
            "score": item.get("score"), "difficulty": item.get("difficulty") or 3, "subject": options["subject"],
            "stage": options["stage"], "grade": options["grade"], "tags": tags,
            "source": _source(item.get("title")), "sharing": options["sharing"]}


def _source(title: str | None) -> str:
    """A file's own question name becomes the 来源, except the placeholder names exports invent."""
    title = (title or "").strip()
    return "" if re.fullmatch(r"Q\d+", title) else title


def preview_import(actor, *, fmt: str, filename: str, raw: bytes, options: dict[str, Any]) -> ImportBatch:
    """Parse and check a file; the batch holds the questions and every problem, nothing else is saved."""
    fmt_obj = get_format(fmt, for_import=True)
    options = clean_options(options)
    if len(raw) > MAX_IMPORT_BYTES:
        raise ValidationFailed(f"导入文件不能超过 {MAX_IMPORT_BYTES // 1024 // 1024} MB", code="too_large")
    if not raw.strip():
        raise ValidationFailed("上传的文件是空的", code="empty_file")
    parsed = fmt_obj.parse(raw)
    problems: list[Problem] = list(parsed.problems)
    items = []
    if len(parsed.items) > MAX_IMPORT_QUESTIONS:
        problems.append(Problem(f"一次最多导入 {MAX_IMPORT_QUESTIONS} 道题，文件中有 {len(parsed.items)} 道"))
    for item in parsed.items[:MAX_IMPORT_QUESTIONS]:
        try:
            cleaned = clean_question(_values(item, options))
        except ValidationFailed as exc:
            detail = exc.message.removeprefix("试题内容有误：")
            problems.append(Problem(detail, item.get("line"), item.get("number")))
            continue
        items.append({**item, "stem": cleaned["stem"], "data": cleaned["data"], "analysis": cleaned["analysis"],
                      "score": cleaned["score"], "difficulty": cleaned["difficulty"], "tags": cleaned["tags"],
                      "notes": list(item.get("notes") or [])})
    if not parsed.items and not problems:
        problems.append(Problem("文件中没有找到试题"))
    problems.sort(key=lambda p: (p.number or 0, p.line or 0))
    media_ids: list[int] = []
    if not problems:  # a preview that cannot be confirmed stores nothing
        try:
            media_ids = store_inline_images(actor, items)
        except ValidationFailed as exc:
            problems.append(Problem(exc.message))
    options = {**options, "media_ids": media_ids}
    batch = ImportBatch(format=fmt_obj.code, filename=filename[:255], created_by_id=actor.id,
                        org_id=actor.scope_root.id, options=options, items=items,
                        problems=[p.as_dict() for p in problems])
    db.session.add(batch)
    db.session.flush()
    record("questions", "import.previewed",
           f"预览导入 {filename}（{fmt_obj.label}）：{len(items)} 题，{len(problems)} 个问题",
           actor=actor, obj=batch)
    return batch


def store_inline_images(actor, items: list[dict[str, Any]]) -> list[int]:
    """Store the pictures the file carried and point the questions at them (same picture, one file).

    They are served by ``questions.media`` to those who may see a question, paper or exam showing
    them (``permissions.can_view_media``).
    """
    import base64
    import hashlib
    import io

    from eduplatform.core.storage.services import store_file

    stored: dict[str, int] = {}

    def replace(match) -> str:
        data = base64.b64decode(re.sub(r"\s", "", match.group(2)))
        if len(data) > MAX_IMAGE_BYTES:
            raise ValidationFailed(f"文件中的图片超过 {MAX_IMAGE_BYTES // 1024 // 1024} MB，无法保存", code="too_large")
        digest = hashlib.sha256(data).hexdigest()
        if digest not in stored:
            ext = "jpg" if match.group(1) == "jpeg" else match.group(1)
            stored[digest] = store_file(io.BytesIO(data), prefix="question-media", filename=f"import-{digest[:12]}.{ext}",
                                        content_type=f"image/{match.group(1)}", actor=actor,
                                        max_size=MAX_IMAGE_BYTES).id
        return f'src="/questions/media/{stored[digest]}"'

    def change(text: str) -> str:
        return _INLINE_IMAGE.sub(replace, text) if "data:image/" in text else text

    for item in items:
        for key in ("stem", "analysis", "data"):
            item[key] = map_strings(item.get(key), change)
    return list(stored.values())


_MEDIA_SRC = re.compile(r'src="/questions/media/(\d+)"')


def inline_media(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The platform's pictures of exported questions inline, so that the file carries them."""
    import base64

    from eduplatform.core.storage.models import StoredFile
    from eduplatform.core.storage.registry import get_storage

    cache: dict[int, str | None] = {}

    def replace(match) -> str:
        file_id = int(match.group(1))
        if file_id not in cache:
            stored = db.session.get(StoredFile, file_id)
            if stored is None or not stored.key.startswith("question-media/") or \
                    stored.content_type not in ("image/png", "image/jpeg", "image/gif", "image/webp"):
                cache[file_id] = None
            else:
                data = b"".join(get_storage().open(stored.key))
                cache[file_id] = f"data:{stored.content_type};base64,{base64.b64encode(data).decode()}"
        return f'src="{cache[file_id]}"' if cache[file_id] else match.group(0)

    def change(text: str) -> str:
        return _MEDIA_SRC.sub(replace, text) if "/questions/media/" in text else text

    return [{**item, **{key: map_strings(item.get(key), change) for key in ("stem", "analysis", "data")}}
            for item in items]


def preview_rows(batch: ImportBatch) -> list[dict[str, Any]]:
    """Per question of the file: kept as it is, kept with changes (which), or refused (why)."""
    rows = [{"number": item.get("number"), "line": item.get("line"), "title": item.get("title") or "",
             "type_label": QUESTION_TYPES[item["type"]].label,
             "status": "changed" if item.get("notes") else "kept", "notes": item.get("notes") or []}
            for item in batch.items]
    rows += [{"number": p.get("number"), "line": p.get("line"), "title": "", "type_label": "",
              "status": "refused", "notes": [p["message"]]} for p in batch.problems]
    return sorted(rows, key=lambda r: (r["number"] or 0, r["line"] or 0))


def preview_summary(batch: ImportBatch) -> dict[str, Any]:
    by_type = Counter(item["type"] for item in batch.items)
    new_kps = []
    if batch.options.get("category_as") == "knowledge_point":
        subject = batch.options["subject"]
        for path in sorted({item["category"] for item in batch.items if item.get("category")}):
            if knowledge.find_by_path(subject, path) is None:
                new_kps.append(path)
    return {"count": len(batch.items),
            "by_type": {QUESTION_TYPES[t].label: n for t, n in by_type.items()},
            "new_knowledge_points": new_kps, "problem_count": len(batch.problems),
            "changed_count": sum(1 for item in batch.items if item.get("notes")),
            "questions": preview_rows(batch),
            "can_confirm": batch.status == ImportStatus.PREVIEW and not batch.problems and bool(batch.items)}


def get_batch(actor, batch_id: int) -> ImportBatch:
    # Another author's import is not named, not even refused: the same 404 as a missing one.
    return get_visible_or_404(ImportBatch, batch_id, actor, can=lambda user, batch: batch.created_by_id == user.id,
                              action="question.import.view", missing="导入记录不存在", hide=True)


def confirm_import(actor, batch: ImportBatch) -> list[int]:
    """Create every question of a clean preview, or none; returns the new questions' ids.

    The preview's items were cleaned by the same rules as the form, so they are inserted as they are,
    in bulk (Core inserts: ten thousand questions in a couple of seconds). Their full-text indexing
    runs after the commit, a large import's in the background (see ``search.registry``).
    """
    if batch.status != ImportStatus.PREVIEW:
        raise Conflict("这次导入已经确认或放弃过了", code="import_closed")
    if batch.problems:
        raise Conflict(f"预览中还有 {len(batch.problems)} 个问题，请修改文件后重新上传", code="import_has_problems")
    if not batch.items:
        raise Conflict("没有可导入的试题", code="import_empty")
    options = batch.options
    kp_cache: dict[str, Any] = {}
    org_id, now = actor.scope_root.id, utcnow()
    rows, kp_of = [], []
    for item in batch.items:
        kp = None
        if options["category_as"] == "knowledge_point" and item.get("category"):
            path = item["category"]
            if path not in kp_cache:
                kp_cache[path] = knowledge.ensure_path(actor, options["subject"], path)
            kp = kp_cache[path]
        kp_of.append(kp)
        tags = list(item.get("tags") or [])
        rows.append({"type": item["type"], "stem": item["stem"], "data": item["data"], "analysis": item["analysis"],
                     "score": item["score"], "difficulty": item["difficulty"], "subject": options["subject"],
                     "stage": options["stage"], "grade": options["grade"], "tags": tags,
                     "tags_text": "|" + "|".join(tags) + "|" if tags else "", "source": _source(item.get("title")),
                     "org_id": org_id, "created_by_id": actor.id, "sharing": Sharing(options["sharing"]),
                     "version": 1, "usage_count": 0, "created_at": now, "updated_at": now})
    ids = [row[0] for row in db.session.execute(
        sa.insert(Question).returning(Question.id, sort_by_parameter_order=True), rows)]
    db.session.execute(sa.insert(QuestionVersion), [
        {"question_id": qid, "number": 1, "type": row["type"], "stem": row["stem"], "data": row["data"],
         "analysis": row["analysis"], "score": row["score"], "difficulty": row["difficulty"], "created_at": now,
         "created_by_id": actor.id,
         "meta": {"subject": row["subject"], "stage": row["stage"], "grade": row["grade"], "tags": row["tags"],
                  "source": row["source"], "knowledge_points": [kp.name] if kp else []}}
        for qid, row, kp in zip(ids, rows, kp_of, strict=True)])
    links = [{"question_id": qid, "knowledge_point_id": kp.id} for qid, kp in zip(ids, kp_of, strict=True) if kp]
    if links:
        db.session.execute(question_kp_links.insert(), links)
    batch.status = ImportStatus.CONFIRMED
    batch.confirmed_at = now
    batch.question_ids = ids
    record("questions", "import.confirmed", f"导入 {batch.filename}：新建 {len(ids)} 道试题（编号 {ids[0]}–{ids[-1]}）",
           actor=actor, obj=batch, data={"count": len(ids), "first": ids[0], "last": ids[-1]})
    db.session.flush()
    from eduplatform.core.search.registry import index_after_commit

    index_after_commit("question", ids)
    return ids


def discard_import(actor, batch: ImportBatch) -> None:
    if batch.status != ImportStatus.PREVIEW:
        raise Conflict("这次导入已经确认或放弃过了", code="import_closed")
    batch.status = ImportStatus.DISCARDED
    batch.items = []
    from eduplatform.core.storage.models import StoredFile
    from eduplatform.core.storage.services import delete_file

    for file_id in batch.options.get("media_ids") or []:  # pictures only this preview used
        stored = db.session.get(StoredFile, file_id)
        if stored is not None:
            delete_file(stored, actor=actor)
    record("questions", "import.discarded", f"放弃导入 {batch.filename}", actor=actor, obj=batch)
    db.session.flush()


def question_item(question: Question, number: int | None = None) -> dict[str, Any]:
    """The canonical dict of a question (for exporting)."""
    category = knowledge.full_name(question.knowledge_points[0]) if question.knowledge_points else ""
    return {"type": question.type, "stem": question.stem, "data": question.data, "analysis": question.analysis,
            "score": question.score, "difficulty": question.difficulty, "tags": list(question.tags),
            "category": category, "title": question.source, "number": number}


def export_questions(actor, questions: list[Question], fmt: str) -> tuple[bytes, str, str]:
    """(file bytes, file name, content type)."""
    fmt_obj = get_format(fmt, for_export=True)
    if not questions:
        raise ValidationFailed("没有可导出的试题", code="export_empty")
    items = [question_item(q, n) for n, q in enumerate(questions, 1)]
    lost = [(q, fmt_obj.losses(item)) for q, item in zip(questions, items, strict=True)] if fmt_obj.losses else []
    lost = [(q, what) for q, what in lost if what]
    if lost:  # an export that silently changed a question would be worse than none
        from eduplatform.core.text.richtext import one_line

        listed = "；".join(f"编号 {q.id}「{one_line(q.stem, 20)}」：{'、'.join(what)}" for q, what in lost[:10])
        more = f" 等 {len(lost)} 道" if len(lost) > 10 else ""
        raise ValidationFailed(f"{fmt_obj.label} 无法完整表达以下试题{more}——{listed}。请改用 Moodle XML 导出，"
                               "或不选这些试题", code="export_would_lose")
    if fmt_obj.embeds_files:
        items = inline_media(items)
    body = fmt_obj.export(items)
    record("questions", "questions.exported", f"导出 {len(items)} 道试题（{fmt_obj.label}）", actor=actor,
           data={"ids": [q.id for q in questions][:1000], "format": fmt_obj.code})
    return body, f"questions-{utcnow():%Y%m%d%H%M}.{fmt_obj.export_extension}", fmt_obj.content_type


#: the most questions one export takes
EXPORT_LIMIT = 5000


def export_selection(actor, filters, ids: list[int] | None) -> list[Question]:
    """What an export takes: the questions named by id (those the actor may see), else the bank's
    list under ``filters`` — the same for the page's links and the API."""
    from eduplatform.questions.services import filter_query

    if ids:
        return visible_by_ids(actor, ids[:EXPORT_LIMIT])
    return list(db.session.scalars(filter_query(actor, filters).limit(EXPORT_LIMIT)))


def visible_by_ids(actor, ids: list[int]) -> list[Question]:
    from eduplatform.questions.permissions import can_view_question

    rows = {q.id: q for q in db.session.scalars(sa.select(Question).where(Question.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows and can_view_question(actor, rows[i])]
