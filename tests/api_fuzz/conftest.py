def pytest_terminal_summary(terminalreporter):
    from tests.api_fuzz.test_schemathesis import PER_OP, STATS
    for k, v in PER_OP.most_common(25):
        terminalreporter.write_line(f'{v:6d} {k}')

    for user, stats in STATS.items():
        figures = ", ".join(f"{key} {value}" for key, value in sorted(stats.items()))
        terminalreporter.write_line(f"schemathesis as {user}: {figures}")
