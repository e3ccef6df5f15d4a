"""The course website (``make site``, ``site/build.py``).

The checks that ``make site`` runs on a built site (:func:`check_site`) are tested here on small
hand-made sites, so each kind of problem is seen to fail. The built site itself (``_build/html``,
made by ``make site``, which ``.ci/run`` runs before ``make test``) is then checked: no problem,
every lesson page with its three launch buttons built from the one repository URL, the landing
page's table. Without a built site these tests are skipped locally and fail in CI.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BUILT = ROOT / "_build" / "html"


def load_build():
    spec = importlib.util.spec_from_file_location("site_build", ROOT / "site" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = load_build()
LESSONS = [p.stem for p in build.lesson_paths()]


def test_there_are_fifteen_lessons_and_the_dashboard_is_not_one():
    assert len(LESSONS) == 15
    assert LESSONS[0] == "01_introduction" and LESSONS[-1] == "15_resources"
    assert "dashboard" not in LESSONS


# ---------------------------------------------------------------------------------------------
# The table of contents


def test_the_table_of_contents_lists_every_lesson_in_the_decks_order():
    toc = yaml.safe_load((ROOT / "site" / "_toc.yml").read_text())
    assert build.check_toc(toc) == [f"notebooks/{name}" for name in LESSONS]
    assert build.toc_files(toc)[0] == "index"
    assert "teachers" in build.toc_files(toc)


@pytest.mark.parametrize("change", ["missing", "swapped", "dashboard"])
def test_a_table_of_contents_that_misses_or_misorders_a_lesson_is_refused(change):
    toc = yaml.safe_load((ROOT / "site" / "_toc.yml").read_text())
    chapters = next(part["chapters"] for part in toc["parts"] if part["caption"] == "Lessons")
    if change == "missing":
        del chapters[4]
    elif change == "swapped":
        chapters[2], chapters[3] = chapters[3], chapters[2]
    else:
        chapters.append({"file": "notebooks/dashboard"})
    with pytest.raises(build.SiteError, match="must list every lesson in order"):
        build.check_toc(toc)


# ---------------------------------------------------------------------------------------------
# check_site on hand-made sites

PAGE = """<!DOCTYPE html><html><head><title>{title}</title>{head}</head>
<body><main id="main"><h1 id="top">{title}</h1>{body}</main></body></html>"""


def _site(tmp_path, head="", body="", css=""):
    """A minimal site with every page check_site expects; ``index.html`` gets ``head`` and ``body``."""
    html = tmp_path / "html"
    (html / "notebooks").mkdir(parents=True)
    (html / "_static").mkdir()
    for name in LESSONS:
        (html / "notebooks" / f"{name}.html").write_text(PAGE.format(title=name, head="", body=""))
    for name in ("teachers", "explorer", "search"):
        (html / f"{name}.html").write_text(PAGE.format(title=name, head="", body=""))
    (html / "searchindex.js").write_text("Search.setIndex({})")
    (html / "explorer").mkdir()
    (html / "explorer" / "index.html").write_text(PAGE.format(title="Explorer", head="", body=""))
    (html / "_static" / "site.css").write_text(css or "body { color: black; }")
    (html / "_static" / "site.js").write_text("")
    (html / "index.html").write_text(PAGE.format(title="index", head=head, body=body))
    return html


def test_a_site_with_only_local_resources_and_working_links_has_no_problem(tmp_path):
    html = _site(
        tmp_path,
        head='<link rel="stylesheet" href="_static/site.css"><script src="_static/site.js"></script>'
        '<link rel="canonical" href="https://example.org/course/">',
        body='<a href="notebooks/01_introduction.html#top">01</a> <a href="#main">skip</a> '
        '<a href="https://arxiv.org/abs/1706.03762">a paper</a> <img src="data:image/png;base64,AAAA" alt="">'
        '<a href="mailto:someone@example.org">mail</a>',
    )
    assert build.check_site(html) == []


@pytest.mark.parametrize(
    ("head", "body", "css", "expected"),
    [
        ('<script src="https://cdn.example.org/mathjax.js"></script>', "", "", "loads https://cdn.example.org"),
        ('<script src="//cdn.example.org/x.js"></script>', "", "", "loads //cdn.example.org"),
        ('<link rel="stylesheet" href="https://fonts.example.org/a.css">', "", "", "loads https://fonts.example.org"),
        ('<link rel="preload" href="https://fonts.example.org/f.woff2">', "", "", "loads https://fonts.example.org"),
        ('<link rel="icon" href="https://example.org/favicon.ico">', "", "", "loads https://example.org"),
        ("", '<img src="https://example.org/figure.png" alt="x">', "", "loads https://example.org/figure.png"),
        ("", '<iframe src="https://example.org/explorer/"></iframe>', "", "loads https://example.org/explorer"),
        ("", '<div style="background: url(https://example.org/bg.png)"></div>', "", "styles with https://example"),
        ("<style>@import 'https://fonts.example.org/x.css';</style>", "", "", "styles with https://fonts.example"),
        ("", "", "@font-face { src: url('https://fonts.example.org/f.woff2'); }", "site.css loads https://fonts"),
        ("", '<a href="notebooks/16_missing.html">16</a>', "", "links to notebooks/16_missing.html, which is not"),
        ("", '<a href="teachers.html#nowhere">t</a>', "", "but that page has no #nowhere"),
        ("", '<img src="_images/figure.png" alt="x">', "", "links to _images/figure.png, which is not"),
        ("", '<a href="#nowhere">here</a>', "", "but that page has no #nowhere"),
    ],
)
def test_check_site_reports_what_would_break_a_site_offline(tmp_path, head, body, css, expected):
    problems = build.check_site(_site(tmp_path, head=head, body=body, css=css))
    assert any(expected in problem for problem in problems), problems


def test_check_site_reports_a_missing_lesson_page(tmp_path):
    html = _site(tmp_path)
    (html / "notebooks" / "07_cross_entropy.html").unlink()
    assert build.check_site(html) == ["no page for the lesson 07_cross_entropy.ipynb"]


# ---------------------------------------------------------------------------------------------
# The repository URL behind the launch buttons


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/someone/softmax-teach", ("someone", "softmax-teach")),
        ("https://github.com/someone/softmax-teach.git", ("someone", "softmax-teach")),
        ("git@github.com:some-one/softmax.teach.git", ("some-one", "softmax.teach")),
        ("https://gitlab.com/someone/softmax-teach", None),
        ("https://github.com/someone", None),
    ],
)
def test_github_owner_and_name_are_read_from_a_repository_url(url, expected):
    assert build._github(url) == expected


def test_repository_url_from_the_environment_wins_and_must_be_on_github(monkeypatch):
    config = {"repository": {"url": build.PLACEHOLDER_REPOSITORY}}
    monkeypatch.setenv("REPOSITORY_URL", "https://github.com/someone/softmax-teach/")
    assert build.repository_url(config) == "https://github.com/someone/softmax-teach"
    monkeypatch.setenv("REPOSITORY_URL", "https://example.org/softmax-teach")
    with pytest.raises(build.SiteError, match="is not https://github.com/OWNER/NAME"):
        build.repository_url(config)


# ---------------------------------------------------------------------------------------------
# The built site


@pytest.fixture(scope="module")
def built():
    if not (BUILT / "index.html").is_file():
        message = "no built site in _build/html: run make site first"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (.ci/run runs it before make test)", pytrace=False)
        pytest.skip(message)
    return BUILT


@pytest.fixture(scope="module")
def built_config(built):
    return yaml.safe_load((built.parent / "source" / "_config.yml").read_text())


def test_the_built_site_has_every_page_and_no_broken_or_external_resource(built):
    assert build.check_site(built) == []


def test_every_lesson_page_has_binder_colab_and_jupyterhub_buttons_from_the_one_repository_url(built, built_config):
    owner, name = build._github(built_config["repository"]["url"])
    branch = built_config["repository"]["branch"]
    hub = built_config["launch_buttons"]["jupyterhub_url"]
    for lesson in LESSONS:
        page = (built / "notebooks" / f"{lesson}.html").read_text()
        links = set(re.findall(r'href="([^"]+)"', page))
        path = f"notebooks/{lesson}.ipynb"
        assert f"https://mybinder.org/v2/gh/{owner}/{name}/{branch}?urlpath=lab/tree/{path}" in links, lesson
        assert f"https://colab.research.google.com/github/{owner}/{name}/blob/{branch}/{path}" in links, lesson
        [pull] = [link for link in links if link.startswith(f"{hub}/hub/user-redirect/git-pull?")]
        query = parse_qs(urlsplit(pull.replace("&amp;", "&")).query)
        assert query["repo"] == [f"https://github.com/{owner}/{name}"] and query["branch"] == [branch], pull
        assert query["urlpath"] == [f"lab/tree/{name}/{path}"], pull


def test_the_teachers_page_links_the_dashboard_on_binder(built, built_config):
    owner, name = build._github(built_config["repository"]["url"])
    branch = built_config["repository"]["branch"]
    page = (built / "teachers.html").read_text()
    assert f"https://mybinder.org/v2/gh/{owner}/{name}/{branch}?urlpath=voila/render/notebooks/dashboard.ipynb" in page


def test_the_landing_page_lists_the_lessons_in_order_with_their_session_and_run_time(built):
    page = (built / "index.html").read_text()
    table = page[page.index("<table") : page.index("</table>")]
    linked = re.findall(r'href="notebooks/(\d\d_[a-z0-9_]+)\.html"', table)
    assert linked == LESSONS
    times = json.loads((ROOT / "site" / "run_times.json").read_text())["seconds"]
    assert set(times) == set(LESSONS)
    for lesson in LESSONS:
        assert f"{times[lesson]:.0f} s" in table


def test_the_navigation_lists_the_lessons_in_the_decks_order(built):
    page = (built / "teachers.html").read_text()
    navigation = page[page.index('aria-label="Main"') :]
    linked = re.findall(r'href="notebooks/(\d\d_[a-z0-9_]+)\.html"', navigation)
    assert linked[: len(LESSONS)] == LESSONS


def test_the_session_estimates_follow_the_rule_on_the_teachers_page():
    facts = build.lesson_facts(ROOT / "notebooks" / "01_introduction.ipynb")
    cells = json.loads((ROOT / "notebooks" / "01_introduction.ipynb").read_text())["cells"]
    assert facts["code"] == sum(c["cell_type"] == "code" for c in cells)
    minutes = facts["words"] / 100 + facts["code"] * 1.5 + facts["exercises"] * 5
    assert facts["minutes"] - 5 < minutes <= facts["minutes"]
    assert facts["session"] == (45 if facts["minutes"] <= 45 else 90)
    assert facts["exercises"] >= 1
