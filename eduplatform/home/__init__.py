"""The home page, health check and API index."""

from flask import Blueprint

bp = Blueprint("home", __name__)
