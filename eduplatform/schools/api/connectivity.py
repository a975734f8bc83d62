"""/api/v1/schools/<code>/network and …/receiving-points: 校校通 internet access and the
remote-education receiving points."""

from __future__ import annotations

from flask_login import current_user, login_required

from eduplatform.core.api import load_json
from eduplatform.core.extensions import db
from eduplatform.schools import connectivity, permissions
from eduplatform.schools.api import bp
from eduplatform.schools.api.common import school_for
from eduplatform.schools.schemas import (
    NetworkInputSchema,
    NetworkSchema,
    ReceivingPointInputSchema,
    ReceivingPointSchema,
)


@bp.get("/schools/<code>/network")
@login_required
def get_network(code: str):
    """The school's internet access and campus network (null when not reported).
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: NetworkSchema
    """
    school = school_for(code, permissions.can_view_school, "school.connectivity")
    network = connectivity.network_for(school)
    return NetworkSchema().dump(network) if network else {}


@bp.put("/schools/<code>/network")
@login_required
def put_network(code: str):
    """Report the school's network access.
    ---
    put:
      requestBody:
        content:
          application/json:
            schema: NetworkInputSchema
      responses:
        200:
          content:
            application/json:
              schema: NetworkSchema
    """
    school = school_for(code, permissions.can_manage_school, "school.network.update")
    network = connectivity.save_network(current_user, school, load_json(NetworkInputSchema()))
    db.session.commit()
    return NetworkSchema().dump(network)


@bp.get("/schools/<code>/receiving-points")
@login_required
def list_receiving_points(code: str):
    """Remote-education receiving points (卫星教学收视点, 光盘播放点, 计算机教室).
    ---
    get:
      responses:
        200:
          description: "{items: [ReceivingPoint]}"
    """
    school = school_for(code, permissions.can_view_school, "school.connectivity")
    return {"items": ReceivingPointSchema(many=True).dump(connectivity.receiving_points(school))}


@bp.post("/schools/<code>/receiving-points")
@login_required
def create_receiving_point(code: str):
    """Register a receiving point.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ReceivingPointInputSchema
      responses:
        201:
          content:
            application/json:
              schema: ReceivingPointSchema
    """
    school = school_for(code, permissions.can_manage_school, "school.receiving_point.create")
    point = connectivity.create_receiving_point(current_user, school, load_json(ReceivingPointInputSchema()))
    db.session.commit()
    return ReceivingPointSchema().dump(point), 201


@bp.patch("/schools/<code>/receiving-points/<int:point_id>")
@login_required
def update_receiving_point(code: str, point_id: int):
    """Change a receiving point (e.g. its state).
    ---
    patch:
      requestBody:
        content:
          application/json:
            schema: ReceivingPointInputSchema
      responses:
        200:
          content:
            application/json:
              schema: ReceivingPointSchema
    """
    school = school_for(code, permissions.can_manage_school, "school.receiving_point.update")
    point = connectivity.find_receiving_point(school, point_id)
    connectivity.update_receiving_point(current_user, point, load_json(ReceivingPointInputSchema(), partial=True))
    db.session.commit()
    return ReceivingPointSchema().dump(point)
