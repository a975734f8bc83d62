"""依申请公开 API: the staff's requests and steps; the applicant's lookup with code + secret.

Registered by ``portal.init_app`` on its own blueprint (the portal's site API is separate).
"""

from __future__ import annotations

from flask import Response, current_app
from flask_login import current_user, login_required

from eduplatform.core import ratelimit
from eduplatform.core.api import load_args, load_json, make_api_blueprint, paginated
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.core.security import client_ip
from eduplatform.orgs.models import OrgUnit
from eduplatform.portal.disclosure_permissions import can_handle_disclosure, can_handle_request
from eduplatform.portal.disclosure_schemas import (
    ActionSchema,
    ListArgsSchema,
    PublicStatusSchema,
    ReceiptSchema,
    RequestSchema,
    StaffEntrySchema,
    TrackSchema,
)
from eduplatform.portal.services import disclosure as services
from eduplatform.portal.services import disclosure_letter as letters
from eduplatform.portal.services import disclosure_lists as lists

bp = make_api_blueprint("portal_disclosure_api", __name__)


def _load(request_id: int):
    require(can_handle_disclosure(current_user), action="disclosure.read")
    request = services.get_request(request_id)
    require(can_handle_request(current_user, request), action="disclosure.read", obj=request)
    return request


def _dump(request):
    return RequestSchema().dump(lists.staff_view(request, current_user))


@bp.get("/disclosure/requests")
@login_required
def list_requests():
    """The requests made to my bureau, due first.
    ---
    get:
      parameters:
        - {in: query, schema: ListArgsSchema}
      responses:
        200:
          description: "{items: [request], page, per_page, total, pages}"
    """
    require(can_handle_disclosure(current_user), action="disclosure.read")
    args = load_args(ListArgsSchema())
    bureau = lists.staff_bureau(current_user)
    query = lists.requests_query(bureau, state=args["state"], q=args["q"], applicant_type=args["applicant_type"],
                                    overdue_on=services.today_local() if args["overdue"] else None)
    return paginated(query, lambda r: RequestSchema(exclude=("timeline", "pauses", "actions")).dump(
        {**lists.staff_view(r, current_user), "timeline": [], "pauses": [], "actions": []}))


@bp.post("/disclosure/requests")
@login_required
def enter_request():
    """Enter a request that came by letter or in person (its received date is the letter's).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: StaffEntrySchema
      responses:
        201:
          content:
            application/json:
              schema: ReceiptSchema
        422:
          description: 缺少或不合规的字段（中文说明）
    """
    require(can_handle_disclosure(current_user), action="disclosure.enter")
    data = load_json(StaffEntrySchema())
    bureau = lists.staff_bureau(current_user)
    require(data["org_id"] == bureau.id, action="disclosure.enter", message="只能登记向本机关提出的申请")
    request, secret = services.receive_request(data, org=db.session.get(OrgUnit, data["org_id"]),
                                               channel=data["channel"], actor=current_user,
                                               received_on=data["received_on"])
    db.session.commit()
    return ReceiptSchema().dump({"id": request.id, "tracking_code": request.tracking_code, "secret": secret,
                                 "due_on": request.due_on}), 201


@bp.get("/disclosure/requests/<int:request_id>")
@login_required
def get_request(request_id: int):
    """One request with its clock, pauses, timeline and the steps I may take.
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: RequestSchema
    """
    return _dump(_load(request_id))


@bp.post("/disclosure/requests/<int:request_id>/steps/<step>")
@login_required
def take_step(request_id: int, step: str):
    """Take a step: accept, request_correction (notice), correction_received (text, received_on for a
    letter), abandon (reason), consult (third_party), consult_done (outcome), request_extension (days,
    reason), approve_extension / reject_extension (the office head; reason), answer (answer_type and its
    fields). ``version`` is the one the step was shown with.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ActionSchema
      responses:
        200:
          content:
            application/json:
              schema: RequestSchema
        409:
          description: 该步骤现在不能执行（补正只能一次、超过7个工作日、只能延期一次 …）
        422:
          description: 缺少该步骤的字段（中文说明）
    """
    request = _load(request_id)
    data = load_json(ActionSchema())
    services.perform_action(request, step, actor=current_user, data=data)
    db.session.commit()
    letters.deliver_pending_mail()
    return _dump(request)


@bp.get("/disclosure/requests/<int:request_id>/letter")
@login_required
def get_letter(request_id: int):
    """The answer letter (PDF) with its number 公复〔YYYY〕N号 and the remedies.
    ---
    get:
      responses:
        200:
          content:
            application/pdf: {}
        404:
          description: 尚未答复
    """
    request = _load(request_id)
    return _letter_response(request)


def _letter_response(request):
    from eduplatform.core.errors import NotFound

    if not request.letter_number:
        raise NotFound("尚未答复，没有答复书")
    from urllib.parse import quote

    return Response(letters.render_letter_pdf(request), mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(letters.letter_filename(request))}",
        "Cache-Control": "no-store"})


def track_limit():
    return (int(current_app.config.get("DISCLOSURE_TRACK_LIMIT", 20)),
            int(current_app.config.get("DISCLOSURE_TRACK_WINDOW", 600)))


@bp.post("/disclosure/track")
def track():
    """The applicant's lookup: tracking code + secret (no login). A wrong secret and an unknown code
    get the same 404; lookups are limited per client address.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: TrackSchema
      responses:
        200:
          content:
            application/json:
              schema: PublicStatusSchema
        404:
          description: 查询码或查询密码不正确
        429:
          description: 查询过于频繁
    """
    limit, window = track_limit()
    ratelimit.hit("disclosure.track", client_ip(), limit=limit, per_seconds=window, message="查询过于频繁，请稍后再试")
    data = load_json(TrackSchema())
    request = services.find_for_applicant(data["code"], data["secret"])
    return PublicStatusSchema().dump(lists.public_status(request))
