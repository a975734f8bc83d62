"""Flask extension objects, created once and bound in ``create_app``."""

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy as _SQLAlchemy
from flask_wtf import CSRFProtect

from eduplatform.core.db import Base
from eduplatform.core.paging import page_number


class SQLAlchemy(_SQLAlchemy):
    def paginate(self, select, *, page=None, **kwargs):
        """Flask-SQLAlchemy's, with the page bounded: it reads any ?page= as an int, and an offset
        past 64 bits fails in the driver (500) instead of showing an empty page."""
        return super().paginate(select, page=page_number(page), **kwargs)


db = SQLAlchemy(model_class=Base)
# render_as_batch: ALTER TABLE on SQLite must rebuild the table, or it fails half-applied.
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
