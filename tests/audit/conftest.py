import pytest


@pytest.fixture(autouse=True)
def _seal_after_every_commit(app):
    """The audit tests watch each commit's sealing: no once-a-second throttle here."""
    saved = app.config["AUDIT_SEAL_INTERVAL_SECONDS"]
    app.config["AUDIT_SEAL_INTERVAL_SECONDS"] = 0
    yield
    app.config["AUDIT_SEAL_INTERVAL_SECONDS"] = saved
