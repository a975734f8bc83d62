"""Crawl the demo platform as each demo account: every page a user can reach by following the
links shown to them answers without a server error, no link leads to a missing page, and no link
shown leads to a refusal (403) — a button the user may not use is not shown (or is shown disabled).
No page shows a raw code where a label or a name belongs (``tests/security/visible_codes.py``).

A breadth-first GET crawl through the test client from the home page, following same-origin
``<a href>`` links. Downloads of big files and the logout are not followed; disabled links
(``aria-disabled="true"`` or class ``disabled``) are not followed either.
"""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from tests.security.conftest import login
from tests.security.visible_codes import raw_codes

pytestmark = pytest.mark.nodb  # runs on its own SQLite database (tests/security/conftest.py)

#: The README's demo accounts.
DEMO_ROLES = ["sysadmin", "secadmin", "auditor", "leader", "city_staff", "dh_staff", "school_admin",
              "teacher", "student", "citizen", "parent"]
MAX_PAGES = 300
#: Distinct query strings followed per path, and distinct URLs per endpoint: enough for pagination,
#: a filter or two and a few objects of each kind, without spending the page budget on every
#: student of a roster or every combination of facets.
MAX_QUERIES_PER_PATH = 3
MAX_PER_ENDPOINT = 6
#: Paths not followed: leaving the session, and files served whole (their pages are crawled).
SKIP_SUFFIXES = ("/file", ".zip", ".bpmn")
SKIP_PREFIXES = ("/logout", "/static/", "/courses/lessons/", "/courses/submissions/")
SKIP_PARTS = ("/scorm/", "/versions/", "/attachments/", "/thumbnail")


class LinkParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag != "a":
            return
        attrs = dict(attrs)
        href = attrs.get("href")
        classes = (attrs.get("class") or "").split()
        if not href or attrs.get("aria-disabled") == "true" or "disabled" in classes or "download" in attrs:
            return
        self.links.append(href)


def followable(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "localhost"):
        return False
    path = parts.path
    if path.startswith(SKIP_PREFIXES) and not path.startswith("/courses/lessons/") or path.endswith(SKIP_SUFFIXES):
        return False
    if any(part in path for part in SKIP_PARTS):
        return False
    # A lesson page is a page; the lesson's file is a download.
    return not (path.startswith("/courses/lessons/") and path.count("/") > 3)


def endpoint_of(urls, path: str) -> str:
    try:
        return urls.match(path, method="GET")[0]
    except (NotFound, MethodNotAllowed, RequestRedirect):
        return path  # the request itself will tell what is wrong with it


def crawl(client, on_page=None) -> tuple[int, list[str]]:
    """→ (pages fetched, problems as 'STATUS url ← linked from page'); ``on_page(url, html)`` sees
    each HTML page."""
    urls = client.application.url_map.bind("localhost")
    queue: deque[tuple[str, str]] = deque([("/", "(start)")])
    seen: set[str] = {"/"}
    queries: dict[str, int] = {}
    per_endpoint: dict[str, int] = {}
    problems: list[str] = []
    fetched = 0
    while queue and fetched < MAX_PAGES:
        url, referrer = queue.popleft()
        response = client.get(url)
        fetched += 1
        status = response.status_code
        page = response.get_data(as_text=True) if status == 200 and response.mimetype == "text/html" else None
        response.close()  # a streamed download (CSV export) ends here, inside its own request context
        if status >= 500 or status in (403, 404):
            problems.append(f"{status} {url} ← {referrer}")
            continue
        if page is not None and on_page is not None:
            on_page(url, page)
        if status in (301, 302, 303, 307, 308):
            targets = [response.headers["Location"]]
        elif page is not None:
            parser = LinkParser()
            parser.feed(page)
            targets = parser.links
        else:
            continue
        for href in targets:
            target = urldefrag(urljoin("http://localhost" + url, href)).url
            parts = urlsplit(target)
            if not followable(target):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local in seen:
                continue
            if parts.query:
                if queries.get(parts.path, 0) >= MAX_QUERIES_PER_PATH:
                    continue
                queries[parts.path] = queries.get(parts.path, 0) + 1
            endpoint = endpoint_of(urls, parts.path)
            if per_endpoint.get(endpoint, 0) >= MAX_PER_ENDPOINT:
                continue
            per_endpoint[endpoint] = per_endpoint.get(endpoint, 0) + 1
            seen.add(local)
            queue.append((local, url))
    return fetched, problems


@pytest.mark.parametrize("username", DEMO_ROLES)
def test_crawl_as_demo_account(demo, username, record_property):
    codes: dict[str, str] = {}

    def look_for_codes(url, page):
        for finding in raw_codes(page):
            codes.setdefault(finding, url)

    fetched, problems = crawl(login(demo, username), look_for_codes)
    problems += [f"{finding} on {url}" for finding, url in codes.items()]
    record_property("pages", fetched)
    print(f"crawl {username}: {fetched} pages, {len(problems)} problems")
    assert not problems, f"{username} ({fetched} pages crawled):\n" + "\n".join(problems)


#: Demo titles of resources and courses that are NOT 向社会公开 (the seed's platform-wide, district
#: and draft resources; the school's course): an anonymous visitor never sees them anywhere.
NOT_PUBLIC_TITLES = ("二次函数的图像与性质", "勾股定理", "背影", "一元一次方程的应用（草稿）", "有理数的乘方",
                     "七年级数学：一元一次方程")
#: What the seed approved for 向社会公开: the anonymous crawl reaches their pages.
PUBLIC_TITLES = ("圆的认识 示意图",)


def test_crawl_anonymously(demo):
    """An anonymous visitor starts at / (the public site): every link works, the 公开资源 and 公开课程
    are reached, and nothing that is not public shows on any page."""
    pages: dict[str, str] = {}
    fetched, problems = crawl(login(demo, None), lambda url, page: pages.setdefault(url, page))
    print(f"crawl anonymous: {fetched} pages, {len(problems)} problems")
    assert not problems, "anonymous:\n" + "\n".join(problems)
    assert any(url.startswith("/portal/resources/") for url in pages), sorted(pages)
    assert any(url.startswith("/portal/courses/") for url in pages), sorted(pages)
    assert any(url.startswith("/portal/lessons/") for url in pages), sorted(pages)
    text = "\n".join(pages.values())
    for title in PUBLIC_TITLES:
        assert title in text
    leaked = [(title, url) for url, page in pages.items() for title in NOT_PUBLIC_TITLES if title in page]
    assert not leaked, leaked
