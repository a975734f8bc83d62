"""12345 work orders: in over the JSON API (token + HMAC, idempotent on the order number), status
queries, and the status pushed back to a real HTTP receiver on loopback (signed, in order, retried)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from eduplatform.audit.models import AuditEntry
from eduplatform.core.extensions import db
from eduplatform.portal.models import HotlineCallback, Letter
from eduplatform.portal.services import letters as services
from eduplatform.portal.services import letters_hotline as hotline

TOKEN, SECRET = "hotline-token-2026", "shared-secret-of-12345"
PATH = "/api/v1/hotline/orders"


def _signature(timestamp: str, method: str, path: str, body: bytes, secret: str = SECRET) -> str:
    """As the hotline's side computes it (written from the interface's description, not our code)."""
    message = timestamp.encode() + b"\n" + method.encode() + b"\n" + path.encode() + b"\n" + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@pytest.fixture
def configured(app, monkeypatch):
    for key, value in {"HOTLINE_API_TOKEN": TOKEN, "HOTLINE_SHARED_SECRET": SECRET, "HOTLINE_RETRY_PAUSE": 0.01,
                       "HOTLINE_CALLBACK_TIMEOUT": 2}.items():
        monkeypatch.setitem(app.config, key, value)
    return app


class Receiver:
    """The hotline's callback endpoint: a real HTTP server in a thread; answers with the statuses
    queued in ``replies`` (then 200), keeps each request and whether its signature was right."""

    def __init__(self, port: int = 0):
        self.received, self.replies = [], []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                stamp = self.headers.get("X-Hotline-Timestamp", "")
                good = hmac.compare_digest(self.headers.get("X-Hotline-Signature", ""),
                                           _signature(stamp, "POST", self.path, body))
                outer.received.append({"path": self.path, "body": json.loads(body), "signed": good})
                status = outer.replies.pop(0) if outer.replies else (200 if good else 401)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/callback/edu"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self):
        return [(r["body"]["order_no"], r["body"]["event"]) for r in self.received]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(configured, monkeypatch):
    found = Receiver()
    monkeypatch.setitem(configured.config, "HOTLINE_CALLBACK_URL", found.url)
    yield found
    found.close()


def _order(order_no="12345-20261203-0001", **changes):
    deadline = services.calendar().add_working_days(services.today_local(), 7)
    return {"order_no": order_no, "kind": "投诉", "title": "学校违规补课",
            "content": "来电反映某中学周末组织补课并收费。", "citizen": {"name": "赵先生", "phone": "13700002222"},
            "deadline": deadline.isoformat(), **changes}


def _post(client, payload, *, token=TOKEN, secret=SECRET, stamp=None, path=PATH):
    body = json.dumps(payload, ensure_ascii=False).encode()
    stamp = stamp or str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Hotline-Timestamp": stamp,
               "X-Hotline-Signature": _signature(stamp, "POST", path, body, secret)}
    if token:
        headers["X-Hotline-Token"] = token
    return client.post(path, data=body, headers=headers)


def _get(client, order_no, *, secret=SECRET):
    path = f"{PATH}/{order_no}"
    stamp = str(int(time.time()))
    return client.get(path, headers={"X-Hotline-Token": TOKEN, "X-Hotline-Timestamp": stamp,
                                     "X-Hotline-Signature": _signature(stamp, "GET", path, b"", secret)})


def _letters() -> int:
    return db.session.scalar(sa.select(sa.func.count(Letter.id)))


def test_an_order_becomes_a_hotline_case_once_whatever_how_often_it_is_handed_over(client, tree, mailbox, configured):
    first = _post(client, _order())
    assert first.status_code == 201, first.get_data(as_text=True)
    assert first.json["status"] == "received" and first.json["status_label"] == "已接收"
    letter = db.session.scalar(sa.select(Letter).where(Letter.hotline_order_no == "12345-20261203-0001"))
    assert letter.channel == "hotline" and letter.kind == "complaint" and letter.name == "赵先生"
    assert letter.due_on.isoformat() == _order()["deadline"] and letter.org == tree.city
    again = _post(client, _order(content="再次推送"))
    assert again.status_code == 200 and again.json["tracking_code"] == first.json["tracking_code"]
    assert _letters() == 1 and letter.content == "来电反映某中学周末组织补课并收费。"


@pytest.mark.parametrize(("changes", "code", "message"), [
    ({"secret": "someone-elses-secret"}, "bad_signature", "签名不正确"),
    ({"token": "wrong-token"}, "bad_token", "接口令牌不正确"),
    ({"token": None}, "bad_token", "接口令牌不正确"),
    ({"stamp": str(int(time.time()) - 3600)}, "bad_signature", "签名时间戳缺失或已过期"),
])
def test_a_request_without_the_token_or_a_good_signature_is_refused(client, tree, mailbox, configured, changes, code,
                                                                     message):
    response = _post(client, _order(), **changes)
    assert response.status_code == 401
    assert response.json == {"error": {"code": code, "message": message}}
    assert _letters() == 0
    refused = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.kind == "hotline.refused")
                                .order_by(AuditEntry.id.desc()))
    assert refused is not None and message in refused.summary


def test_a_body_changed_after_signing_is_refused(client, tree, mailbox, configured):
    body = json.dumps(_order(), ensure_ascii=False).encode()
    stamp = str(int(time.time()))
    response = client.post(PATH, data=body.replace("补课".encode(), "补习".encode()), headers={
        "Content-Type": "application/json", "X-Hotline-Token": TOKEN, "X-Hotline-Timestamp": stamp,
        "X-Hotline-Signature": _signature(stamp, "POST", PATH, body)})
    assert response.status_code == 401 and response.json["error"]["code"] == "bad_signature"


def test_the_interface_is_closed_until_configured(client, tree, mailbox):
    response = _post(client, _order())
    assert response.status_code == 401 and response.json["error"]["code"] == "not_configured"


def test_bad_orders_are_refused_in_chinese(client, tree, mailbox, configured):
    response = _post(client, _order(deadline="2020-01-01"))
    assert response.status_code == 422 and "办结时限不能早于今天" in response.json["error"]["message"]
    response = _post(client, {"order_no": "X-1"})
    assert response.status_code == 422 and response.json["error"]["message"].startswith("提交的数据有误")
    assert _letters() == 0


def test_the_hotline_reads_the_status_and_the_reply(client, tree, mailbox, configured):
    _post(client, _order())
    letter = db.session.scalar(sa.select(Letter).where(Letter.hotline_order_no == "12345-20261203-0001"))
    services.route(letter, actor=mailbox.office_staff, department_id=tree.city_dept.id)
    assert _get(client, "12345-20261203-0001").json["status"] == "accepted"
    services.reply(letter, actor=mailbox.city_staff, text="已责令学校停止补课并退费。")
    db.session.flush()
    status = _get(client, "12345-20261203-0001").json
    assert status["status"] == "replied" and status["reply"] == "已责令学校停止补课并退费。"
    assert status["department"] == "基础教育处"
    missing = _get(client, "NO-SUCH-ORDER")
    assert missing.status_code == 404 and missing.json["error"]["message"] == "没有这个工单"
    assert _get(client, "12345-20261203-0001", secret="wrong").status_code == 401


def test_status_changes_are_pushed_signed_and_in_order(client, tree, mailbox, receiver):
    assert _post(client, _order()).status_code == 201
    letter = db.session.scalar(sa.select(Letter).where(Letter.hotline_order_no == "12345-20261203-0001"))
    services.route(letter, actor=mailbox.office_staff, department_id=tree.city_dept.id)
    services.send_back(letter, actor=mailbox.city_staff, reason="不属本处")  # no push: still accepted
    services.route(letter, actor=mailbox.office_staff, department_id=mailbox.finance.id)
    services.reply(letter, actor=mailbox.finance_staff, text="已核查处理。")
    services.close(letter, actor=mailbox.office_staff, note="回访满意")
    db.session.commit()
    hotline.deliver_pending()
    order = "12345-20261203-0001"
    assert receiver.events() == [(order, "received"), (order, "accepted"), (order, "replied"), (order, "closed")]
    assert all(r["signed"] and r["path"] == "/callback/edu" for r in receiver.received)
    replied = receiver.received[2]["body"]
    assert replied["reply"] == "已核查处理。" and replied["department"] == "财务处" and replied["event_label"] == "已答复"
    pushed = db.session.scalars(sa.select(HotlineCallback).where(HotlineCallback.letter_id == letter.id)).all()
    assert all(c.delivered_at is not None and c.attempts == 1 for c in pushed)


def test_a_refused_push_is_retried_until_the_hotline_takes_it(client, tree, mailbox, receiver):
    receiver.replies = [500, 503]
    assert _post(client, _order()).status_code == 201
    callback = db.session.scalar(sa.select(HotlineCallback))
    assert callback.delivered_at is not None and callback.attempts == 3
    assert [r["body"]["event"] for r in receiver.received] == ["received"] * 3


def test_an_unreachable_hotline_is_tried_again_later_and_a_later_push_waits(client, tree, mailbox, receiver):
    url = receiver.url
    receiver.close()  # nobody listens now
    _post(client, _order())
    letter = db.session.scalar(sa.select(Letter))
    services.route(letter, actor=mailbox.office_staff, department_id=tree.city_dept.id)
    db.session.commit()
    hotline.deliver_pending()
    waiting = db.session.scalars(sa.select(HotlineCallback).order_by(HotlineCallback.id)).all()
    assert [c.delivered_at for c in waiting] == [None, None]
    # three tries at once, then a pause; the later push does not overtake it (never tried)
    assert waiting[0].attempts == 3 and waiting[1].attempts == 0
    assert waiting[0].next_attempt_at > waiting[0].created_at and not waiting[0].failed
    assert waiting[0].last_error
    assert hotline.deliver_pending() == 0  # the pause is not over: nothing is tried
    assert waiting[0].attempts == 3
    again = Receiver(port=urlsplit(url).port)  # the hotline is back on its address
    try:
        for c in waiting:
            c.next_attempt_at = c.next_attempt_at - timedelta(hours=2)
        db.session.commit()
        assert hotline.deliver_pending() == 2
        assert [e for _, e in again.events()] == ["received", "accepted"]
        assert [c.attempts for c in waiting] == [4, 1]
    finally:
        again.close()


def test_a_push_is_given_up_after_the_last_attempt(client, tree, mailbox, receiver, monkeypatch):
    monkeypatch.setitem(client.application.config, "HOTLINE_MAX_ATTEMPTS", 2)
    receiver.replies = [500, 500, 500]
    _post(client, _order())
    callback = db.session.scalar(sa.select(HotlineCallback))
    assert callback.failed and callback.attempts == 2 and callback.last_error == "HTTP 500"
    assert db.session.scalar(sa.select(AuditEntry.id).where(AuditEntry.kind == "hotline.push_failed")) is not None
