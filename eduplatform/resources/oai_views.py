"""``/oai``: the OAI-PMH data provider (``oai.py``), GET and POST (application/x-www-form-urlencoded).

Public like the portal's 公开资源: harvesters sign in nowhere; it shows only what ``/portal/resources``
shows, plus the deleted headers of what was public once. No session, no CSRF (nothing changes).
"""

from __future__ import annotations

from flask import Response, request

from eduplatform.core.extensions import csrf
from eduplatform.resources import bp, oai


@bp.route("/oai", methods=["GET", "POST"])
@csrf.exempt
def oai_pmh():
    source = request.form if request.method == "POST" else request.args
    args = {key: source.getlist(key) for key in source}
    if request.method == "POST" and request.args:  # arguments in both places: not one request
        args = {key: args.get(key, []) + request.args.getlist(key) for key in {*args, *request.args}}
    return Response(oai.respond(args), mimetype="text/xml", headers={"Cache-Control": "no-store"})
