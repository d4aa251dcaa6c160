"""`newswatch serve`: Datasette on a database made by a real crawl of the fixture site
with real edits, read-only; the change list and the diff page driven in headless Chromium."""
from __future__ import annotations

import asyncio
import hashlib
import html
import json
import os
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from db.schema import open_db
from newswatch.demosite import DemoServer, edit_articles, generate_site
from tests.conftest import REPO, Cli, start_on_free_port, write_sources

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
ARTIFACTS = REPO / "test-artifacts"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def get(url: str, timeout: float = 10) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def answers(url: str) -> bool:
    """Whether `url` answers 200 now."""
    try:
        return get(url)[0] == 200
    except OSError:
        return False


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Crawl the fixture site, edit two articles, re-check, then `newswatch serve` the database."""
    tmp = tmp_path_factory.mktemp("serve")
    info = generate_site(tmp / "site", 8, seed=7)
    with DemoServer(tmp / "site") as site:
        cli = Cli(db=tmp / "newswatch.db", sources=write_sources(tmp / "sources.toml", site.base_url),
                  cwd=tmp)
        cli("crawl")
        target = info.articles[0].path
        appended, = edit_articles(info.root, [target], kind="append")
        removed, = edit_articles(info.root, [target], kind="remove")
        edit_articles(info.root, [info.articles[1].path], kind="headline")
        cli("recheck", "--all")
    edits = {urllib.parse.urlsplit(e["url"]).path: e for e in cli.json_lines("changes", "--since", "all", "--json")}
    env = dict(os.environ, PYTHONPATH=str(REPO), NEWSWATCH_DB="", NEWSWATCH_SOURCES="")

    def start(port: int) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "newswatch", "--db", str(cli.db), "--sources",
                                 str(cli.sources), "serve", "--port", str(port)],
                                cwd=tmp, env=env, stdout=(tmp / "serve.log").open("w"),
                                stderr=subprocess.STDOUT)

    server, port = start_on_free_port(start, lambda port: answers(f"http://127.0.0.1:{port}/-/versions.json"),
                                      log=lambda: (tmp / "serve.log").read_text())
    base = f"http://127.0.0.1:{port}"
    try:
        yield {"base": base, "cli": cli, "edit": edits[target], "appended": appended, "removed": removed,
               "headline": edits[info.articles[1].path]}
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium through Selenium, with Debian's chromium and chromedriver (no download)."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as exc:
        problem = f"selenium is not installed ({exc}); pip install -e '.[test]'"
    else:
        missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
        problem = f"{', '.join(missing)} missing (make system-deps installs chromium and chromium-driver)" \
            if missing else None
    if problem:
        if IN_CI:
            pytest.fail(problem)  # CI must run the browser test, never skip it
        pytest.skip(problem)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = Path(os.environ.get("TMPDIR", "/tmp")) / f"newswatch-chromium-{os.getpid()}"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}", "--window-size=1280,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()
        subprocess.run(["rm", "-rf", str(profile)], check=False)


def style(driver, element, prop: str) -> str:
    return driver.execute_script("return getComputedStyle(arguments[0]).getPropertyValue(arguments[1])",
                                 element, prop)


def rgb(text: str) -> tuple[int, ...]:
    return tuple(int(float(x)) for x in text[text.index("(") + 1:text.index(")")].split(",")[:3])


def test_change_list_shows_the_edited_article_and_links_its_diff(served, browser):
    from selenium.webdriver.common.by import By

    edit = served["edit"]
    browser.get(served["base"] + "/newswatch/changes")
    assert "changes" in browser.title
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Changes")  # the metadata's title
    rows = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    assert len(rows) == 2  # two articles were edited
    row = next(r for r in rows if edit["url"] in r.text)
    assert edit["title"] in row.text
    link = row.find_element(By.CSS_SELECTOR, "a.nw-diff-link")
    assert link.text == "v2 diff"
    link.click()
    assert browser.current_url.endswith(f"/-/newswatch/diff/{edit['article_id']}?a=1&b=2")
    assert browser.find_element(By.ID, "nw-headline").text == edit["title"]


def test_home_page_shows_the_latest_edit_its_sources_and_a_search_box(served, browser):
    from selenium.webdriver.common.by import By

    edit = served["edit"]
    browser.get(served["base"] + "/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "What changed"
    rows = browser.find_elements(By.CSS_SELECTOR, "#nw-recent tbody tr")
    assert len(rows) == 2  # two articles were edited, one row each, newest first
    assert any(edit["title"] in r.text for r in rows)
    assert "demo" in browser.find_element(By.ID, "nw-sources").text
    box = browser.find_element(By.CSS_SELECTOR, "form.nw-search input[type=search]")
    box.send_keys(edit["title"].split()[-1])
    box.submit()
    assert "/versions" in browser.current_url and "_search=" in browser.current_url
    assert edit["title"] in browser.find_element(By.TAG_NAME, "table").text


def test_diff_page_marks_added_and_removed_text_in_colour(served, browser):
    from selenium.webdriver.common.by import By

    edit = served["edit"]
    browser.set_window_size(1280, 1000)
    browser.get(f"{served['base']}/-/newswatch/diff/{edit['article_id']}?a=1&b=2")
    side = browser.find_element(By.ID, "nw-side-by-side")
    added = side.find_elements(By.CSS_SELECTOR, ".nw-new ins.added")
    deleted = side.find_elements(By.CSS_SELECTOR, ".nw-old del.deleted")
    assert served["appended"].after.startswith(added[-1].text.strip())  # the appended "Update: …"
    assert any(d.text.strip() and d.text.strip() in served["removed"].before for d in deleted)
    r, g, b = rgb(style(browser, added[-1], "background-color"))
    assert g > 200 and g > r + 20 and g > b + 20, (r, g, b)  # green
    r, g, b = rgb(style(browser, deleted[0], "background-color"))
    assert r > 200 and r > g + 20 and r > b + 20, (r, g, b)  # red
    assert "line-through" in style(browser, deleted[0], "text-decoration-line")
    assert "line-through" not in style(browser, added[-1], "text-decoration-line")
    legend = {e.get_attribute("class"): rgb(style(browser, e, "background-color"))
              for e in browser.find_elements(By.CSS_SELECTOR, ".nw-legend > *")}
    (ar, ag, ab), (dr, dg, db), (rr, rg, rb), (mr, mg, mb) = (legend[k] for k in
                                                              ("added", "deleted", "rewritten", "moved"))
    assert ag > ar and dr > dg and min(rr, rg) > rb + 60 and mb > mr + 20  # green, red, yellow, blue
    inline = browser.find_element(By.ID, "nw-inline")
    assert inline.find_elements(By.CSS_SELECTOR, "ins.added") and inline.find_elements(By.CSS_SELECTOR, "del.deleted")
    old, new = side.find_element(By.CSS_SELECTOR, ".nw-row.changed .nw-old"), \
        side.find_element(By.CSS_SELECTOR, ".nw-row.changed .nw-new")
    assert new.location["x"] > old.location["x"] + 200  # side by side on a wide screen
    unchanged = side.find_elements(By.CSS_SELECTOR, ".nw-row:not(.changed):not(.nw-head)")
    assert unchanged and not any(r.is_displayed() for r in unchanged)  # collapsed until asked for
    browser.find_element(By.ID, "nw-show-all").click()
    assert all(r.is_displayed() for r in unchanged)
    browser.find_element(By.ID, "nw-show-all").click()
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "diff-page.png"))
    # A phone (390 CSS pixels, mobile viewport): the columns stack and nothing scrolls sideways.
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    try:
        browser.refresh()
        side = browser.find_element(By.ID, "nw-side-by-side")
        old, new = side.find_element(By.CSS_SELECTOR, ".nw-row.changed .nw-old"), \
            side.find_element(By.CSS_SELECTOR, ".nw-row.changed .nw-new")
        assert new.location["y"] > old.location["y"] and abs(new.location["x"] - old.location["x"]) < 5
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
        assert browser.save_screenshot(str(ARTIFACTS / "diff-page-phone.png"))
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert (ARTIFACTS / "diff-page.png").stat().st_size > 10_000


def test_timeline_links_every_version_and_bad_versions_are_refused(served):
    edit, base = served["edit"], served["base"]
    status, page = get(f"{base}/-/newswatch/article/{edit['article_id']}")
    assert status == 200 and edit["title"] in html.unescape(page) and "first seen" in page
    assert f'/-/newswatch/diff/{edit["article_id"]}?a=1&amp;b=2' in page
    assert get(f"{base}/-/newswatch/diff/{edit['article_id']}?a=1&b=9")[0] == 400
    assert get(f"{base}/-/newswatch/diff/{edit['article_id']}?a=x")[0] == 400
    assert get(f"{base}/-/newswatch/diff/99999")[0] == 404
    status, page = get(f"{base}/-/newswatch/diff/{served['headline']['article_id']}")  # default: last two
    assert status == 200 and "<del>" in page and served["headline"]["previous_title"].split()[0] in html.unescape(page)


def test_metadata_search_and_canned_queries(served):
    base = served["base"]
    metadata = json.loads(get(base + "/-/metadata.json")[1])["databases"]["newswatch"]
    with_fts = open_db(served["cli"].db, readonly=True)
    names = [t for t in with_fts.table_names() if not t.startswith("versions_fts_")] + with_fts.view_names()
    for name in names:
        entry = metadata["tables"].get(name, {})
        assert entry.get("title") and entry.get("description"), f"no title/description for {name}"
    word = served["edit"]["title"].split()[-1]
    status, page = get(f"{base}/newswatch/versions.json?_search={urllib.parse.quote(word)}&_shape=array")
    assert status == 200 and any(r["title"] == served["edit"]["title"] for r in json.loads(page))
    expected = {"recent_changes": 2, "recent_headline_changes": 1, "recent_corrections": None,
                "top_edited": 2, "gone_articles": 0}
    for query, count in expected.items():
        status, page = get(f"{base}/newswatch/{query}.json?_shape=array")
        assert status == 200, (query, page[:300])
        if count is not None:
            assert len(json.loads(page)) == count, query
    status, page = get(f"{base}/newswatch/source_activity.json?source=demo&_shape=array")
    [day] = json.loads(page)
    assert status == 200 and day["new_articles"] == 8 and day["edits"] == 2
    status, page = get(f"{base}/newswatch/recent_changes")
    assert status == 200 and page.count('class="nw-diff-link"') == 2


def test_writes_through_datasette_fail(served):
    base, db_file = served["base"], served["cli"].db
    before = sha256(db_file)
    for sql in ("delete from articles", "update versions set title = 'x'",
                "insert into notifications (version_id) values (1)", "pragma query_only = 0"):
        status, page = get(f"{base}/newswatch.json?sql={urllib.parse.quote(sql)}")
        assert status == 400 and json.loads(page)["ok"] is False, sql
    request = urllib.request.Request(f"{base}/newswatch/recent_changes", data=b"x=1", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code >= 400  # Datasette 0.65 answers 500 ("only POST to a canned query")
    assert sha256(db_file) == before
    assert open_db(db_file, readonly=True).execute("select count(*) from articles").fetchone()[0] == 8


def test_even_datasette_write_connection_is_read_only(served):
    """The plugin sets PRAGMA query_only on every connection of `serve`'s Datasette, the write
    connection too, so no plugin or canned query can write."""
    from newswatch.serve import make_datasette

    ds = make_datasette(served["cli"].db)

    async def attempt():
        await ds.invoke_startup()
        db = ds.get_database()
        assert not (await db.execute("select count(*) from articles")).first()[0] == 0
        await db.execute_write("delete from articles")

    with pytest.raises(sqlite3.OperationalError, match="readonly|read-only|query_only"):
        asyncio.run(attempt())


def test_plugin_loads_from_its_directory_without_the_entry_point(served):
    """A checkout that was never `pip install`ed has no entry point: `serve` passes the plugin's
    directory to Datasette instead (here Datasette is told to skip entry points)."""
    code = (
        "import asyncio, sys\n"
        "sys._called_from_test = True  # Datasette then loads no plugin entry points\n"
        "from newswatch.serve import make_datasette, plugin_installed\n"
        "assert not plugin_installed()\n"
        "ds = make_datasette(sys.argv[1])\n"
        "async def main():\n"
        "    await ds.invoke_startup()\n"
        "    page = await ds.client.get('/-/newswatch/diff/' + sys.argv[2])\n"
        "    print(page.status_code, 'nw-side-by-side' in page.text)\n"
        "asyncio.run(main())\n")
    out = subprocess.run([sys.executable, "-c", code, str(served["cli"].db), str(served["edit"]["article_id"])],
                         cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["200", "True"], out.stderr[-2000:]


def test_side_by_side_marks_all_four_kinds_of_sentence_edit():
    from db.changes import compare
    from newswatch.render import diff_inline_html, diff_side_by_side_html

    old = {"title": "T", "body": "First one stays here. Moving sentence number one.\nSecond stays put. "
                                 "Third stays too.\nThe toll was 50 people today.\nThis paragraph goes away."}
    new = {"title": "T", "body": "First one stays here.\nSecond stays put. Third stays too.\nThe toll was 55 "
                                 "people today. Moving sentence number one.\nA brand new closing sentence."}
    record = compare(old, new)
    assert {o.op for o in record.ops} == {"same", "moved", "rewritten", "deleted", "added"}
    side = diff_side_by_side_html(record, old["body"])
    assert '<ins class="added">A brand new closing sentence.</ins>' in side
    assert '<del class="deleted">This paragraph goes away.</del>' in side
    assert '<span class="rewritten">The toll was <del>50</del> people today.</span>' in side  # old column
    assert '<span class="rewritten">The toll was <ins>55</ins> people today.</span>' in side  # new column
    assert 'class="moved" title="moved from sentence 2">Moving sentence number one.</span>' in side
    assert '<span class="moved-note">(moved: was sentence 2)</span>' in side
    [gone] = [row for row in side.split('<div class="nw-row')[1:] if "deleted" in row]
    assert '<div class="nw-new"></div>' in gone  # the deleted paragraph is a row of its own
    assert diff_inline_html(record, old["body"]).count("<p>") == 5  # 4 paragraphs + the deleted one
