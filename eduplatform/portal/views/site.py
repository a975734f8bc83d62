"""The public site: no login needed."""

from flask import render_template

from eduplatform.portal import bp


@bp.get("/")
def home():
    return render_template("portal/home.html")
