import pytest

pytest_plugins = [
    "tests.fixtures.app",
    "tests.fixtures.factories",
    "tests.fixtures.auth",
    "tests.fixtures.storage",
    "tests.fixtures.redis",
]

#: One pbkdf2 round: it still verifies at login, at a hundredth of scrypt's cost per account made.
CHEAP_PASSWORD_HASH = "pbkdf2:sha256:1"


@pytest.fixture(autouse=True)
def _cheap_password_hashes(request, monkeypatch):
    """scrypt (right for production) would dominate a suite that makes thousands of accounts; tests
    about hashing itself are marked ``real_password_hash`` and get the configured method."""
    if request.node.get_closest_marker("real_password_hash"):
        return
    from werkzeug.security import generate_password_hash

    from eduplatform.accounts import services

    monkeypatch.setattr(services, "hash_password",
                        lambda password: generate_password_hash(password, method=CHEAP_PASSWORD_HASH))
