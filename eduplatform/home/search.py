"""The one search box (top bar of every signed-in page): every searchable kind the user may search,
grouped, each within its own domain's permissions, with a link to that domain's full search."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user, login_required

from eduplatform.core.search.groups import MAX_QUERY, search_all, search_groups
from eduplatform.home import bp

#: hits shown per group (the domain's own page has the rest)
PER_GROUP = 5


@bp.get("/search")
@login_required
def unified_search():
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    groups = search_all(current_user, q, PER_GROUP)
    return render_template("home/search.html", q=q, groups=groups, kinds=search_groups(current_user),
                           total=sum(result.total for _, result in groups))
