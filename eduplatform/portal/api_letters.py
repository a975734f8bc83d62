"""12345 热线 API: the hotline hands over work orders and reads their status (no user login).

Authenticated by token and / or HMAC signature as configured (``services/letters_hotline.py``).
Registered by ``portal.init_app`` on its own blueprint.
"""

from __future__ import annotations

from flask import request

from eduplatform.core.api import load_json, make_api_blueprint
from eduplatform.core.errors import NotFound
from eduplatform.core.extensions import db
from eduplatform.portal.letters_schemas import HotlineOrderSchema, HotlineStatusSchema
from eduplatform.portal.services import letters_hotline as hotline

bp = make_api_blueprint("portal_hotline_api", __name__)


def _authenticated() -> None:
    hotline.check_inbound(request.headers, request.method, request.path, request.get_data(cache=True))


@bp.post("/hotline/orders")
def receive_order():
    """A 12345 work order handed over; the same ``order_no`` again answers the same case (200).
    ---
    post:
      security: []
      requestBody:
        content:
          application/json:
            schema: HotlineOrderSchema
      responses:
        201:
          content:
            application/json:
              schema: HotlineStatusSchema
        200:
          description: 该工单编号已接收过，返回同一件
        401:
          description: 令牌或签名不正确
        422:
          description: 缺少或不合规的字段（中文说明）
    """
    _authenticated()
    data = load_json(HotlineOrderSchema())
    letter, created = hotline.receive_order(data)
    db.session.commit()
    if created:
        hotline.deliver_pending()
    return HotlineStatusSchema().dump(hotline.status_of(letter)), 201 if created else 200


@bp.get("/hotline/orders/<order_no>")
def order_status(order_no: str):
    """The order's status (已接收 / 已受理 / 已答复 / 已办结) with the reply once given.
    ---
    get:
      security: []
      responses:
        200:
          content:
            application/json:
              schema: HotlineStatusSchema
        401:
          description: 令牌或签名不正确
        404:
          description: 没有这个工单
    """
    _authenticated()
    letter = hotline.find_order(order_no[:64])
    if letter is None:
        raise NotFound("没有这个工单", code="no_order")
    return HotlineStatusSchema().dump(hotline.status_of(letter))
