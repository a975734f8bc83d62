"""家校 services: invitation codes and links, class notices with 回执, messages and the school's audit.

Services take an explicit ``actor``, check the business rules, write the rows and the audit entry and
``flush()``; the view commits once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from eduplatform.accounts.models import Role, User
from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.notices import notify
from eduplatform.families.models import (
    ClassNotice,
    InviteCode,
    Message,
    MessageThread,
    NoticeReceipt,
    ParentLink,
)
from eduplatform.schools.models import SchoolClass, StudentProfile, StudentStatus

REALM = "families"
#: 易混字符 (0/O, 1/I/L) left out: the code is typed from paper
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
CODE_DAYS = 30
RELATIONS = ("父亲", "母亲", "祖父母", "外祖父母", "其他监护人")
MAX_BODY = 2000


# --- invitation codes -----------------------------------------------------------------------------

def normalise_code(code: str | None) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def format_code(code: str) -> str:
    return "-".join(code[i:i + 5] for i in range(0, len(code), 5))


def issue_codes(actor, students: list[StudentProfile], *, days: int = CODE_DAYS) -> list[tuple[StudentProfile, str]]:
    """A new one-time code per student (earlier live codes stay valid: several parents per child);
    the plain codes are returned once, for the slip, and never stored."""
    now = utcnow()
    issued = []
    for student in students:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        db.session.add(InviteCode(school_id=student.school_id, student_id=student.id, code_hash=hash_code(code),
                                  created_by_id=actor.id, created_at=now, expires_at=now + timedelta(days=days)))
        issued.append((student, format_code(code)))
    db.session.flush()
    if issued:
        first = issued[0][0]
        where = first.school_class.name if first.school_class else first.name
        record(REALM, "codes.issued", f"生成家长邀请码：{where} {len(issued)} 名学生（{days} 天内有效）",
               actor=actor, obj=first.school_class or first,
               data={"students": [s.id for s, _ in issued], "days": days})
    return issued


def _live_code(code: str) -> InviteCode:
    invite = db.session.scalar(sa.select(InviteCode).where(InviteCode.code_hash == hash_code(code)))
    if not normalise_code(code) or invite is None:
        raise ValidationFailed("邀请码不正确，请核对账户条上的邀请码", code="wrong_code", fields={"code": ["邀请码不正确"]})
    if invite.revoked_at is not None:
        raise ValidationFailed("该邀请码已作废，请联系班主任重新领取", code="revoked_code", fields={"code": ["邀请码已作废"]})
    if invite.used_at is not None:
        raise ValidationFailed("该邀请码已被使用，每个邀请码只能使用一次", code="used_code", fields={"code": ["邀请码已被使用"]})
    if invite.expires_at < utcnow():
        raise ValidationFailed("该邀请码已过期，请联系班主任重新领取", code="expired_code", fields={"code": ["邀请码已过期"]})
    student = invite.student
    if student is None or student.status != StudentStatus.ENROLLED:
        raise ValidationFailed("该学生已不在读，邀请码不能使用", code="student_left", fields={"code": ["学生已不在读"]})
    return invite


def check_code(code: str) -> InviteCode:
    """The live invitation code, or a Chinese refusal (wrong, used, expired, revoked)."""
    return _live_code(code)


def redeem_code(parent: User, code: str, *, relation: str = "家长") -> ParentLink:
    """Link ``parent`` to the code's student and use the code up."""
    if not parent.has_role(Role.PARENT):
        raise ValidationFailed("请使用家长账户关联学生（教师、学生账户不能关联）", code="not_parent")
    invite = _live_code(code)
    student = invite.student
    existing = db.session.scalar(sa.select(ParentLink).where(
        ParentLink.parent_id == parent.id, ParentLink.student_id == student.id, ParentLink.revoked_at.is_(None)))
    if existing is not None:
        raise Conflict(f"您的账户已关联{student.name}", code="already_linked")
    relation = (relation or "家长").strip()[:16] or "家长"
    # used once even when two requests race: only the update that finds it unused wins
    won = db.session.execute(sa.update(InviteCode).where(InviteCode.id == invite.id, InviteCode.used_at.is_(None))
                             .values(used_at=utcnow(), used_by_id=parent.id)
                             .execution_options(synchronize_session=False)).rowcount == 1
    if not won:
        raise ValidationFailed("该邀请码已被使用，每个邀请码只能使用一次", code="used_code", fields={"code": ["邀请码已被使用"]})
    db.session.refresh(invite)
    link = ParentLink(parent_id=parent.id, student_id=student.id, school_id=student.school_id, relation=relation,
                      code_id=invite.id)
    db.session.add(link)
    db.session.flush()
    record(REALM, "link.created", f"{parent.display_name}（{relation}）凭邀请码关联学生 {student.name}",
           actor=parent, obj=link, data={"student": student.id, "code": invite.id})
    return link


def register_parent(*, code: str, username: str, display_name: str, password: str, phone: str | None,
                    relation: str) -> tuple[User, ParentLink]:
    """A new 家长 account made with an invitation code (checked first, so a wrong code makes no account)."""
    from eduplatform.accounts.services import create_user

    _live_code(code)
    user, _ = create_user(None, username=username, display_name=display_name, roles={Role.PARENT}, org=None,
                          password=password, phone=phone, must_change_password=False)
    return user, redeem_code(user, code, relation=relation)


def revoke_link(actor, link: ParentLink) -> None:
    if link.revoked_at is not None:
        raise Conflict("该关联已解除")
    link.revoked_at = utcnow()
    link.revoked_by_id = actor.id
    db.session.flush()
    record(REALM, "link.revoked", f"解除家长 {link.parent.display_name} 与学生 {link.student.name} 的关联",
           actor=actor, obj=link, data={"student": link.student_id, "parent": link.parent_id})


def links_of_class(school_class: SchoolClass) -> dict[int, list[ParentLink]]:
    """student id → active links, for the class (one query)."""
    rows = db.session.scalars(sa.select(ParentLink).join(StudentProfile, StudentProfile.id == ParentLink.student_id)
                              .where(StudentProfile.class_id == school_class.id, ParentLink.revoked_at.is_(None))
                              .options(selectinload(ParentLink.parent)).order_by(ParentLink.id)).all()
    out: dict[int, list[ParentLink]] = {}
    for link in rows:
        out.setdefault(link.student_id, []).append(link)
    return out


def children_of(parent: User) -> list[StudentProfile]:
    from eduplatform.families.permissions import linked_student_ids

    ids = linked_student_ids(parent)
    if not ids:
        return []
    return list(db.session.scalars(sa.select(StudentProfile).where(StudentProfile.id.in_(ids))
                                   .options(selectinload(StudentProfile.school_class))
                                   .order_by(StudentProfile.name)))


def _class_parents(class_id: int, student_ids=None) -> list[User]:
    query = (sa.select(User).join(ParentLink, ParentLink.parent_id == User.id)
             .join(StudentProfile, StudentProfile.id == ParentLink.student_id)
             .where(StudentProfile.class_id == class_id, StudentProfile.status == StudentStatus.ENROLLED,
                    ParentLink.revoked_at.is_(None)))
    if student_ids is not None:
        query = query.where(ParentLink.student_id.in_(student_ids))
    return list(db.session.scalars(query.distinct()))


# --- class notices and 回执 ---------------------------------------------------------------------------

def post_notice(actor, school_class: SchoolClass, *, title: str, body: str, needs_receipt: bool) -> ClassNotice:
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("请填写通知标题", fields={"title": ["请填写通知标题"]})
    notice = ClassNotice(school_id=school_class.school_id, class_id=school_class.id, author_id=actor.id,
                         title=title[:200], body=(body or "").strip()[:5000], needs_receipt=needs_receipt)
    db.session.add(notice)
    db.session.flush()
    parents = _class_parents(school_class.id)
    notify(REALM, "notice", f"{school_class.name}班主任通知：{notice.title}", users=parents, obj=notice,
           body=notice.body[:200])
    record(REALM, "notice.posted", f"{school_class.name} 班主任通知：{notice.title}"
           + ("（需回执）" if needs_receipt else ""), actor=actor, obj=notice,
           data={"class": school_class.id, "needs_receipt": needs_receipt, "parents": len(parents)})
    return notice


def notices_for_class(class_id: int, *, limit: int = 30, authors: bool = False) -> list[ClassNotice]:
    query = sa.select(ClassNotice).where(ClassNotice.class_id == class_id)
    if authors:
        query = query.options(selectinload(ClassNotice.author))
    return list(db.session.scalars(query
                                   .order_by(ClassNotice.created_at.desc(), ClassNotice.id.desc()).limit(limit)))


def receipts_for(student: StudentProfile, notices) -> dict[int, NoticeReceipt]:
    ids = [n.id for n in notices]
    if not ids:
        return {}
    return {r.notice_id: r for r in db.session.scalars(sa.select(NoticeReceipt).where(
        NoticeReceipt.notice_id.in_(ids), NoticeReceipt.student_id == student.id)
        .options(selectinload(NoticeReceipt.parent)))}


def acknowledge(actor, notice: ClassNotice, student: StudentProfile) -> NoticeReceipt:
    """回执: once per notice and child; a second one (by either parent) is refused with the first's time."""
    from eduplatform.core.text.timeutil import to_local

    if not notice.needs_receipt:
        raise Conflict("该通知不需要回执", code="no_receipt")
    done = db.session.scalar(sa.select(NoticeReceipt).where(NoticeReceipt.notice_id == notice.id,
                                                            NoticeReceipt.student_id == student.id))
    if done is not None:
        raise Conflict(f"已于 {to_local(done.acknowledged_at):%Y-%m-%d %H:%M} 回执，无需重复确认", code="already_acknowledged")
    receipt = NoticeReceipt(notice_id=notice.id, student_id=student.id, parent_id=actor.id)
    db.session.add(receipt)
    db.session.flush()
    record(REALM, "notice.acknowledged", f"{actor.display_name} 回执班级通知：{notice.title}（{student.name}）",
           actor=actor, obj=notice, data={"student": student.id, "receipt": receipt.id})
    return receipt


def receipt_status(notice: ClassNotice) -> dict:
    """The class's students: who acknowledged (with time and parent) and who has not."""
    students = list(db.session.scalars(sa.select(StudentProfile).where(
        StudentProfile.class_id == notice.class_id, StudentProfile.status == StudentStatus.ENROLLED)
        .order_by(StudentProfile.student_no)))
    receipts = {r.student_id: r for r in db.session.scalars(sa.select(NoticeReceipt).where(
        NoticeReceipt.notice_id == notice.id).options(selectinload(NoticeReceipt.parent)))}
    linked = set(db.session.scalars(sa.select(ParentLink.student_id).where(
        ParentLink.student_id.in_([s.id for s in students]), ParentLink.revoked_at.is_(None))))
    done = [(s, receipts[s.id]) for s in students if s.id in receipts]
    missing = [s for s in students if s.id not in receipts]
    return {"students": len(students), "done": done, "missing": missing, "linked": linked}


def remind(actor, notice: ClassNotice) -> int:
    """Remind the parents of the children without a 回执; how many parents were told."""
    if not notice.needs_receipt:
        raise Conflict("该通知不需要回执", code="no_receipt")
    missing = [s.id for s in receipt_status(notice)["missing"]]
    parents = _class_parents(notice.class_id, missing) if missing else []
    notify(REALM, "reminder", f"请回执：{notice.title}", users=parents, obj=notice)
    notice.reminded_at = utcnow()
    db.session.flush()
    record(REALM, "notice.reminded", f"提醒未回执的家长：{notice.title}（{len(parents)} 位家长）", actor=actor,
           obj=notice, data={"students": missing, "parents": len(parents)})
    return len(parents)


# --- messages ---------------------------------------------------------------------------------------

def head_teacher_user(student: StudentProfile) -> User | None:
    school_class = student.school_class
    head = school_class.head_teacher if school_class else None
    return head.user if head is not None else None


def thread_of(parent: User, student: StudentProfile) -> MessageThread | None:
    return db.session.scalar(sa.select(MessageThread).where(MessageThread.parent_id == parent.id,
                                                            MessageThread.student_id == student.id))


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationFailed("请填写留言内容", fields={"body": ["请填写留言内容"]})
    if len(body) > MAX_BODY:
        raise ValidationFailed(f"留言不能超过 {MAX_BODY} 字", fields={"body": [f"不能超过 {MAX_BODY} 字"]})
    return body


def write_to_head_teacher(parent: User, student: StudentProfile, body: str) -> Message:
    """A parent's message about their child (the thread is made with the first one)."""
    body = _clean_body(body)
    thread = thread_of(parent, student)
    if thread is None:
        if head_teacher_user(student) is None:
            raise Conflict("该班级尚未设置班主任账户，暂不能留言", code="no_head_teacher")
        thread = MessageThread(school_id=student.school_id, class_id=student.class_id, student_id=student.id,
                               parent_id=parent.id)
        db.session.add(thread)
        db.session.flush()
    return _add_message(parent, thread, body)


def reply(actor, thread: MessageThread, body: str) -> Message:
    return _add_message(actor, thread, _clean_body(body))


def _add_message(actor, thread: MessageThread, body: str) -> Message:
    message = Message(thread_id=thread.id, sender_id=actor.id, body=body)
    db.session.add(message)
    thread.last_message_at = utcnow()
    db.session.flush()
    from_parent = actor.id == thread.parent_id
    other = head_teacher_user(thread.student) if from_parent else thread.parent
    if other is not None:
        notify(REALM, "message", f"{actor.display_name}：{body[:40]}", users=[other], obj=thread)
    record(REALM, "message.sent", f"{'家长' if from_parent else '班主任'} {actor.display_name} 留言（{thread.student.name}）",
           actor=actor, obj=thread, data={"message": message.id, "length": len(body)})
    return message


def threads_of_class(class_id: int) -> list[MessageThread]:
    return list(db.session.scalars(sa.select(MessageThread).join(StudentProfile,
                                                                 StudentProfile.id == MessageThread.student_id)
                                   .where(StudentProfile.class_id == class_id)
                                   .options(selectinload(MessageThread.parent), selectinload(MessageThread.student))
                                   .order_by(MessageThread.last_message_at.desc())))


def school_threads_query(school_id: int):
    return (sa.select(MessageThread).where(MessageThread.school_id == school_id)
            .options(selectinload(MessageThread.parent), selectinload(MessageThread.student))
            .order_by(MessageThread.last_message_at.desc()))


def thread_messages(thread: MessageThread) -> list[Message]:
    return list(db.session.scalars(sa.select(Message).where(Message.thread_id == thread.id)
                                   .options(selectinload(Message.sender)).order_by(Message.id)))


def audit_read(actor, thread: MessageThread) -> None:
    """The school reads a thread for audit: that read is itself an audit entry."""
    record(REALM, "thread.audit_read", f"学校审阅家校留言：{thread.parent.display_name} — 班主任（{thread.student.name}）",
           actor=actor, obj=thread, data={"messages": len(thread.messages)})
    db.session.flush()


def get_or_404(model, ident: int, missing: str):
    row = db.session.get(model, ident)
    if row is None:
        raise NotFound(missing)
    return row
