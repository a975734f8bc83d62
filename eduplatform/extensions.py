"""Flask extension objects, created once and bound in ``create_app``."""

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from eduplatform.core.db import Base

db = SQLAlchemy(model_class=Base)
# render_as_batch: ALTER TABLE on SQLite must rebuild the table, or it fails half-applied.
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
