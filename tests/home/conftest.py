"""The seeded demo platform of the security suites, for the workbench of each demo account."""

from tests.security.conftest import demo, demo_app  # noqa: F401  (fixtures)
