pytest_plugins = [
    "tests.fixtures.app",
    "tests.fixtures.factories",
    "tests.fixtures.auth",
    "tests.fixtures.storage",
]
