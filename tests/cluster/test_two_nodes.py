"""Two app nodes, one database, one Redis, one nginx: what one node did, the other sees.

A session begun on A continues on B; lock-out failures on A count on B; an address throttled by
failures spread over both nodes is throttled on both, as is one past a public form's rate limit; a
resource uploaded through A is found and downloaded (handed to nginx by X-Accel-Redirect) through
B; request counts add up across a node's workers; A is killed and B — and nginx, which sends A's
share to B — keeps serving. The last test kills A, so it runs last.
"""

from __future__ import annotations

import hashlib
import io
import re
import time

import redis
import requests

from tests.cluster.conftest import PASSWORD
from tests.resources.conftest import COURSEWARE, make_pptx


def form_login(http: requests.Session, url: str, username: str, password: str = PASSWORD, **kwargs):
    page = http.get(f"{url}/login", timeout=30, **kwargs)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"',
                      page.text)
    token = token.group(1) or token.group(2)
    return http.post(f"{url}/login", data={"username": username, "password": password, "csrf_token": token},
                     allow_redirects=False, timeout=30, **kwargs)


def api_login(url: str, username: str, password: str, ip: str | None = None) -> requests.Response:
    headers = {"X-Forwarded-For": ip} if ip else {}
    return requests.post(f"{url}/api/v1/auth/token", json={"username": username, "password": password},
                         headers=headers, timeout=30)


def test_a_session_begun_on_a_continues_on_b(nodes):
    a, b = nodes
    http = requests.Session()
    assert form_login(http, a.url, "tch1").status_code == 302
    cookie = http.cookies.get("edu_session")
    assert cookie
    home_b = http.get(f"{b.url}/", timeout=30, allow_redirects=False)
    assert home_b.status_code == 200 and "教师tch1" in home_b.text
    # ... and ends on both when it ends on one (the session is the database's, not a node's)
    token = re.search(r'name="csrf-token" content="([^"]+)"', home_b.text).group(1)
    assert http.post(f"{b.url}/logout", data={"csrf_token": token}, timeout=30,
                     allow_redirects=False).status_code in (302, 303)
    stale = requests.get(f"{a.url}/", cookies={"edu_session": cookie}, timeout=30, allow_redirects=False)
    assert stale.status_code == 302 and "教师tch1" not in stale.text  # the anonymous visitor's redirect


def test_lockout_failures_on_a_count_on_b(nodes, shared):
    a, b = nodes
    ips = iter(f"198.51.100.{n}" for n in range(1, 100))  # from many addresses: no address throttle
    for node in (a, a, b, a):  # four failures, spread over the nodes: not yet locked
        assert api_login(node.url, "tch2", "wrong", next(ips)).status_code == 401
    assert api_login(b.url, "tch2", PASSWORD, next(ips)).status_code == 201  # the right password works ...
    for node in (a, b, a, b):  # (and the good login forgot the four)
        api_login(node.url, "tch2", "wrong", next(ips))
    counter = redis.Redis.from_url(shared.redis_url)
    user_id = shared.rows("SELECT id FROM users WHERE username = 'tch2'")[0][0]
    assert int(counter.get(f"edu:login:account:{user_id}")) == 4
    assert api_login(b.url, "tch2", "wrong", next(ips)).status_code == 401  # the fifth, on B: locked
    assert counter.get(f"edu:login:account:{user_id}") is None
    for node in (a, b):  # locked on both: the right password no longer opens it
        assert api_login(node.url, "tch2", PASSWORD, next(ips)).status_code == 401
    locks = shared.rows("SELECT failures FROM login_locks WHERE lower(kind) = 'account' AND user_id = :u", u=user_id)
    assert [row[0] for row in locks] == [5]


def test_the_address_throttle_is_shared(nodes, shared):
    a, b = nodes
    ip = "203.0.113.77"
    for n in range(8):  # eight failures across accounts and both nodes (the address limit is 8)
        assert api_login((a, b)[n % 2].url, f"guess{n % 3}", "x", ip).status_code == 401
    for node in (a, b):  # t3's right password from that address: refused on either node
        assert api_login(node.url, "tch3", PASSWORD, ip).status_code == 401
    assert api_login(a.url, "tch3", PASSWORD, "203.0.113.78").status_code == 201  # another address
    rows = shared.rows("SELECT failures FROM login_locks WHERE lower(kind) = 'address' AND ip = :ip", ip=ip)
    assert [row[0] for row in rows] == [8]


def test_a_public_forms_rate_limit_is_shared(nodes, shared):
    """The 写信 form's captcha: 60 per address in 10 minutes, whichever node is asked."""
    a, b = nodes
    ip = {"X-Forwarded-For": "192.0.2.61"}
    statuses = [requests.get(f"{(a, b)[n % 2].url}/portal/letters/write", headers=ip, timeout=30).status_code
                for n in range(60)]
    assert statuses == [200] * 60
    for node in (a, b):
        assert requests.get(f"{node.url}/portal/letters/write", headers=ip, timeout=30).status_code == 429
    other = requests.get(f"{a.url}/portal/letters/write", headers={"X-Forwarded-For": "192.0.2.62"}, timeout=30)
    assert other.status_code == 200
    assert redis.Redis.from_url(shared.redis_url).zcard("edu:rate:captcha.new:192.0.2.61") == 60
    assert shared.rows("SELECT count(*) FROM rate_limit_hits")[0][0] == 0  # none in the database


def _bearer(url: str, username: str) -> dict:
    response = api_login(url, username, PASSWORD)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_uploaded_on_a_found_and_downloaded_through_b_and_nginx(nodes, nginx):
    a, b = nodes
    content = make_pptx("抛物线的顶点与对称轴|双节点检索")
    body = {**COURSEWARE, "title": "抛物线的顶点与对称轴", "keywords": "抛物线，双节点"}
    files = {"file": ("抛物线.pptx", io.BytesIO(content))}
    search_b = _bearer(b.url, "tch4")

    def found_on_b() -> list[int]:
        answer = requests.get(f"{b.url}/api/v1/resources", params={"q": "抛物线"}, headers=search_b, timeout=30)
        assert answer.status_code == 200
        return [item["resource"]["id"] for item in answer.json()["items"]]

    for _ in range(6):  # B's workers open their searchers and cache this generation's answer
        assert found_on_b() == []
    created = requests.post(f"{a.url}/api/v1/resources", headers=_bearer(a.url, "tch4"), data=body, files=files,
                            timeout=60)
    assert created.status_code == 201, created.text
    resource_id = created.json()["id"]
    # B's searches notice the generation A's process wrote (the index directory is the same): each
    # reads the latest generation first, so their cached empty answer is not given again
    for _ in range(6):
        assert found_on_b() == [resource_id]
    # Through nginx (either node): the app checks and counts, nginx sends the bytes.
    headers = _bearer(nginx.url, "tch4")
    download = requests.get(f"{nginx.url}/api/v1/resources/{resource_id}/download", headers=headers, timeout=30)
    assert download.status_code == 200 and download.content == content
    assert "X-Accel-Redirect" not in download.headers
    assert download.headers["ETag"] == f'"{hashlib.sha256(content).hexdigest()}"'
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert re.fullmatch(r"[0-9a-f]{32}", download.headers["X-Request-ID"])  # nginx's $request_id
    part = requests.get(f"{nginx.url}/api/v1/resources/{resource_id}/download",
                        headers={**headers, "Range": "bytes=100-199"}, timeout=30)
    assert part.status_code == 206 and part.content == content[100:200]
    # the file store is not reachable from outside
    assert requests.get(f"{nginx.url}/_protected/", timeout=30).status_code == 404
    other = requests.get(f"{nginx.url}/api/v1/resources/{resource_id}/download", headers=_bearer(nginx.url, "tch5"),
                         timeout=30)
    assert other.status_code in (403, 404) and other.content != content
    assert requests.get(f"{nginx.url}/static/css/app.css", timeout=30).status_code in (200, 404)
    assert requests.get(f"{nginx.url}/metrics", timeout=30).status_code == 404


def _healthz_count(url: str) -> tuple[float, float]:
    text = requests.get(f"{url}/metrics", timeout=30).text
    done = re.search(r'^edu_http_requests_total\{endpoint="home.healthz",method="GET",status="200"\} (\S+)$',
                     text, re.MULTILINE)
    timed = re.search(r'^edu_http_request_duration_seconds_count\{endpoint="home.healthz"\} (\S+)$', text, re.MULTILINE)
    return float(done.group(1)) if done else 0.0, float(timed.group(1)) if timed else 0.0


def test_metrics_add_up_across_the_workers_of_a_node(nodes, tmp_path):
    import shutil
    from concurrent.futures import ThreadPoolExecutor

    from prometheus_client import CollectorRegistry, multiprocess

    node = nodes[1]
    before, timed_before = _healthz_count(node.url)
    assert before >= 9  # the start-up checks were counted too

    def hit(_):
        return requests.get(f"{node.url}/healthz", timeout=30).status_code  # a new connection each

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(hit, range(60)))
    assert statuses == [200] * 60
    after, timed_after = _healthz_count(node.url)
    assert after - before == 60 and timed_after - timed_before == 60
    # the 60 were answered by both workers, each counting in its own file
    per_worker = {}
    for path in node.metrics_dir.glob("counter_*.db"):
        alone = tmp_path / path.stem
        alone.mkdir()
        shutil.copy(path, alone / path.name)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(alone))
        per_worker[path.name] = registry.get_sample_value(
            "edu_http_requests_total", {"endpoint": "home.healthz", "method": "GET", "status": "200"}) or 0
    assert len([n for n in per_worker.values() if n > 0]) == 2, per_worker
    assert sum(per_worker.values()) == after
    # loopback only: through nginx (or with a forwarded address) it is not there
    assert requests.get(f"{node.url}/metrics", headers={"X-Forwarded-For": "203.0.113.5"},
                        timeout=30).status_code == 404


def test_the_request_id_is_in_the_nodes_log_and_the_answer(nodes):
    a, _ = nodes
    answer = requests.get(f"{a.url}/healthz", headers={"X-Request-ID": "cluster-rid-0001"}, timeout=30)
    assert answer.headers["X-Request-ID"] == "cluster-rid-0001"
    made = requests.get(f"{a.url}/healthz", timeout=30).headers["X-Request-ID"]
    deadline = time.monotonic() + 10
    while True:  # the access log is written as the answer leaves
        log = a.log.read_text(errors="replace")
        if "rid=cluster-rid-0001" in log and f"rid={made}" in log:
            break
        assert time.monotonic() < deadline, log[-2000:]
        time.sleep(0.1)
    assert re.search(r'"GET /healthz HTTP/1.1" 200 .* rid=cluster-rid-0001', log)


def test_node_a_killed_b_keeps_serving(nodes, nginx, shared):
    a, b = nodes
    http = requests.Session()
    assert form_login(http, a.url, "tch6").status_code == 302
    a.kill()
    try:
        requests.get(f"{a.url}/healthz", timeout=5)
        raise AssertionError("node A still answers")
    except requests.ConnectionError:
        pass
    home = http.get(f"{b.url}/", timeout=30, allow_redirects=False)
    assert home.status_code == 200 and "教师tch6" in home.text  # the session begun on A lives on
    assert requests.get(f"{b.url}/healthz", timeout=30).status_code == 200
    # through nginx: every request answered, A's share retried on B
    statuses = [requests.get(f"{nginx.url}/healthz", timeout=30).status_code for _ in range(10)]
    assert statuses == [200] * 10
    assert api_login(nginx.url, "tch5", PASSWORD).status_code == 201
    assert b.errors_logged() == []
