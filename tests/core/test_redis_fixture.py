"""The throw-away Redis server of the suite: reachable, and each test's database starts empty."""

import pytest

redis = pytest.importorskip("redis")


def test_each_test_gets_an_empty_database_of_a_real_server(redis_url):
    client = redis.Redis.from_url(redis_url)
    assert client.dbsize() == 0
    client.set("edu:probe", "1")
    assert client.get("edu:probe") == b"1"
    assert client.info("server")["redis_version"]
