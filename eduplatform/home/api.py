"""The OpenAPI document of the whole REST API."""

from flask import current_app

from eduplatform.core.api import build_openapi, make_api_blueprint

bp = make_api_blueprint("home_api", __name__)


@bp.get("/openapi.json")
def openapi():
    """This OpenAPI 3 document.
    ---
    get:
      security: []
    """
    return build_openapi(current_app)
