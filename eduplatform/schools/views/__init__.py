"""HTML pages of the school portal; each module registers its routes on ``schools.bp``."""

from eduplatform.schools.views import connectivity, indicators, portal, roster  # noqa: F401
