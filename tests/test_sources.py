"""The sources file: validated at load time, one-line errors naming file, line, key and fix."""
from __future__ import annotations

import pytest

from crawler.sources import DEFAULT_TIERS, SourceConfigError, load_config, parse_duration

GOOD = """
[settings]
recheck_every = "10m"
tiers = [{younger_than = "2h", every = "10m"}, {younger_than = "2d", every = "2h"}]

[[source]]
name = "example"
feeds = ["https://example.org/feed.xml"]
sitemaps = ["https://example.org/sitemap.xml"]
start_urls = ["https://example.org/news/"]
article_pattern = '/\\d{4}/\\d{2}/'
discover_every = "30m"
drop_selectors = [".promo", "#newsletter"]
"""


def test_good_file_loads(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(GOOD)
    config = load_config(path)
    [source] = config.sources
    assert source.discover_every == 1800 and config.recheck_every == 600
    assert source.allowed_domains == ("example.org",)  # defaulted from the source's URLs
    assert [t.every for t in config.tiers] == [600, 7200]
    assert source.is_article_url("https://example.org/2026/11/x.html")
    assert not source.is_article_url("https://evil.example.com/2026/11/x.html")
    assert not source.is_article_url("file:///etc/passwd")


@pytest.mark.parametrize("text,line,needle", [
    ('[[source]]\nname = "a"\nfeeds = ["https://a.org/f"]\ncolour = "red"\n', 4, "key 'colour': unknown key"),
    ('[[source]]\nname = "a"\nfeeds = ["https://a.org/f"]\ndiscover_every = "5x"\n', 4,
     "'5x' is not a duration (use e.g."),
    ('[[source]]\nname = "a"\nfeeds = ["https://a.org/f"]\narticle_pattern = "(unclosed"\n', 4,
     "is not a valid regular expression"),
    ('[[source]]\nfeeds = ["https://a.org/f"]\n', 1, "key 'name': missing or empty"),
    ('[[source]]\nname = "a"\nfeeds = ["ftp://a.org/f"]\n', 3, "is not an http(s) URL"),
    ('[[source]]\nname = "a"\n', 2, "needs at least one of feeds, sitemaps, start_urls"),
    ('[[source]]\nname = "a"\nfeeds = ["https://a.org/f"]\ndrop_selectors = ["div[["]\n', 4,
     "is not a CSS selector"),
    ('[settings]\nrecheck_every = "soon"\n', 2, "'soon' is not a duration"),
])
def test_bad_file_names_file_line_and_key(tmp_path, text, line, needle):
    path = tmp_path / "sources.toml"
    path.write_text(text)
    with pytest.raises(SourceConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path} line {line}: ") and needle in message
    assert "\n" not in message


def test_toml_syntax_error_and_missing_file(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("[[source]\nname = ")
    with pytest.raises(SourceConfigError, match="not valid TOML"):
        load_config(path)
    with pytest.raises(SourceConfigError, match="no such file"):
        load_config(tmp_path / "absent.toml")


def test_bad_sources_file_exits_2_with_its_message(make_cli):
    cli = make_cli('[[source]]\nname = "a"\nfeeds = ["https://a.org/f"]\ndiscover_every = "fortnightly"\n')
    for command in (["crawl"], ["run", "--once"], ["recheck"]):
        result = cli(*command, check=False)
        assert result.returncode == 2, command
        assert "line 4: [[source]] 'a' key 'discover_every': 'fortnightly' is not a duration" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert not cli.db.exists()  # nothing written for a bad config


def test_durations():
    assert parse_duration("1h30m") == 5400 and parse_duration("45s") == 45 and parse_duration(60) == 60
    for bad in ("", "h", "10x", "-5m", 0, True):
        with pytest.raises(ValueError):
            parse_duration(bad)
    assert DEFAULT_TIERS[0].younger_than == 3 * 3600 and DEFAULT_TIERS[0].every == 15 * 60


@pytest.mark.parametrize("text,expected", [
    ('[[source]]\nname = "x"\nfeed = ["https://a.example/f"]\n', "line 3: [[source]] 'x' key 'feed': unknown key; did you mean 'feeds'?"),
    ('[settings]\ngone_afer = 3\n', "key 'gone_afer': unknown key; did you mean 'gone_after'?"),
    ('[[source]]\nname = "x\nfeeds = []\n', "line 2: not valid TOML"),
])
def test_mistakes_name_the_line_and_the_near_miss(tmp_path, text, expected):
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceConfigError) as caught:
        load_config(path)
    assert expected in str(caught.value) and "\n" not in str(caught.value)
