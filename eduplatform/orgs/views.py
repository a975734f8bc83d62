"""HTML pages for the org tree."""

from flask import render_template
from flask_login import current_user, login_required

from eduplatform.core.permissions import require
from eduplatform.orgs import bp
from eduplatform.orgs.permissions import can_view_org_tree
from eduplatform.orgs.services import visible_tree


@bp.get("/orgs")
@login_required
def org_tree():
    require(can_view_org_tree(current_user), action="org.tree")
    return render_template("orgs/tree.html", roots=visible_tree(current_user))
