"""Numbers past what the database holds are refused as input, never a 500 from the driver."""

from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter

TOO_BIG = 2**63  # one past PostgreSQL's BIGINT / SQLite's INTEGER


def int_routes(app):
    """(rule, url) for every rule with an int converter, each int argument set to TOO_BIG."""
    for rule in app.url_map.iter_rules():
        ints = {name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)}
        if ints:
            yield rule, fill(rule, {name: str(TOO_BIG) if name in ints else "1" for name in rule.arguments})


def fill(rule, values: dict) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: values[m.group(1)], rule.rule)


def test_every_int_route_answers_404_for_an_id_past_64_bits(app, client, people, api):
    headers = api(people.sysadmin)
    routes = list(int_routes(app))
    assert len(routes) > 200  # the whole application (230 rules today), not a sample
    failures = []
    for rule, url in routes:
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, headers=headers)
            if response.status_code != 404:
                failures.append(f"{method} {url} ({rule.endpoint}) → {response.status_code}")
    assert not failures, "\n".join(failures)
