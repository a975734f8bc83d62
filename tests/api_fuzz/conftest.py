"""Print what the schemathesis run did: operations, requests, answers by status class."""


def pytest_terminal_summary(terminalreporter):
    from tests.api_fuzz.test_schemathesis import STATS

    for user, stats in STATS.items():
        figures = ", ".join(f"{key} {value}" for key, value in sorted(stats.items()) if value)
        terminalreporter.write_line(f"schemathesis as {user}: {figures}")
