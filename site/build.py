"""Build the course website (``make site``) from the notebooks' stored outputs, offline.

Usage: python site/build.py [--out _build]

1. Stage the sources in ``<out>/source``: the pages, Jupyter Book configuration, style sheet
   (``_static``) and Sphinx extension (``_ext``) of ``site/``,
   the fifteen lessons ``notebooks/NN_*.ipynb`` (which must be exactly the ones ``site/_toc.yml``
   lists, in order) and the files their relative links point to. The staged lessons are copies:
   outputs that are live widgets (nothing to show without a kernel) become a note, and the
   widget state is dropped so no page loads a widget manager. The notebooks themselves are not
   changed, and nothing is executed.
2. Fill in the repository URL that every launch button is built from (``REPOSITORY_URL``, else
   ``site/_config.yml``, else the ``origin`` remote when it is on GitHub) and the links built from
   it; with the placeholder left in, warn and say so on the landing page.
3. Run Jupyter Book 1 (Sphinx) with warnings as errors, into ``<out>/html``.
4. Copy MathJax 3 (``site/node_modules/mathjax``, installed by ``npm ci``) into its ``_static``, and
   write the static Explorer into ``explorer/`` (``softmax-teach export-explorer``), which the
   Explorer page embeds.
5. Check the built site (:func:`check_site`): every lesson page is there, every internal link and
   resource resolves, and no page loads anything from outside the site.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "site"
PLACEHOLDER_REPOSITORY = "https://github.com/OWNER/REPOSITORY"
PLACEHOLDER_JUPYTERHUB = "https://jupyterhub.example.org"
LESSON = re.compile(r"\d\d_[a-z0-9_]+\.ipynb")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# Files of the MathJax 3 package that a page can load: the TeX-to-HTML bundle, and what it loads on
# demand (TeX extensions, the CHTML fonts, the accessibility menu and speech rules).
MATHJAX_PARTS = ["tex-chtml.js", "input/tex", "output/chtml", "a11y", "ui", "sre", "adaptors"]


class SiteError(Exception):
    """A problem that stops the build, with a message that says what to change."""


def lesson_paths() -> list[Path]:
    return sorted(p for p in (ROOT / "notebooks").glob("*.ipynb") if LESSON.fullmatch(p.name))


def toc_files(toc: dict) -> list[str]:
    files = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            files.append(chapter["file"])
    return files


def check_toc(toc: dict) -> list[str]:
    """The lessons in the table of contents: every lesson notebook, in the deck's (file name) order."""
    listed = [f for f in toc_files(toc) if f.startswith("notebooks/")]
    expected = [f"notebooks/{p.stem}" for p in lesson_paths()]
    if listed != expected:
        raise SiteError(
            "site/_toc.yml must list every lesson in order.\n"
            f"  listed:   {listed}\n  expected: {expected}\n"
            f"  missing:  {sorted(set(expected) - set(listed))}; extra: {sorted(set(listed) - set(expected))}"
        )
    return listed


def _relative_targets(source: str) -> set[str]:
    """Relative paths that markdown or HTML links in a cell point to (no scheme, no bare anchor)."""
    found = set(re.findall(r"\]\(([^)\s]+)\)", source))
    found |= set(re.findall(r"""(?:href|src)=["']([^"']+)["']""", source))
    paths = set()
    for target in found:
        parts = urlsplit(target)
        if parts.scheme or parts.netloc or not parts.path:
            continue
        paths.add(unquote(parts.path))
    return paths


def _widget_note(explorer: bool) -> str:
    note = (
        "*A live widget appears here when the notebook runs: open this lesson with a launch button at "
        "the top of the page (Binder, Colab or JupyterHub).*"
    )
    if explorer:
        note += " *On this site, the same controls are on the [Explorer](../explorer.md) page.*"
    return note


def _text(source) -> str:
    return source if isinstance(source, str) else "".join(source)


def stage_lesson(path: Path, destination: Path, explorer: bool, dashboard: str) -> None:
    """A copy of the lesson for the site: live-widget outputs become a note, the widget state is gone
    (no page loads a widget manager), and links to the dashboard notebook (served by Voila, not a
    page of the site) lead to ``dashboard`` instead."""
    notebook = json.loads(path.read_text())
    staged = copy.deepcopy(notebook)
    staged.get("metadata", {}).pop("widgets", None)

    def relink(text: str) -> str:
        text = re.sub(r"\]\(dashboard\.ipynb\)", f"]({dashboard})", text)
        # Jupyter names a heading's anchor by its text ("#Subtract-the-max-to-prevent-overflow");
        # MyST and Sphinx by its lower-case slug: the same anchor once lower-cased, for headings
        # without punctuation, which is how the lessons write the headings they link to.
        return re.sub(r"(\]\([\w./-]*)#([\w-]+)\)", lambda m: f"{m.group(1)}#{m.group(2).lower()})", text)

    for cell in staged["cells"]:
        if cell.get("cell_type") == "markdown":
            cell["source"] = relink(_text(cell["source"]))
        if cell.get("cell_type") != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                output = {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {"text/markdown": _widget_note(explorer)},
                }
            elif "text/markdown" in data:
                data["text/markdown"] = relink(_text(data["text/markdown"]))
            outputs.append(output)
        cell["outputs"] = outputs
    destination.write_text(json.dumps(staged, indent=1, ensure_ascii=False))
    shutil.copystat(path, destination)  # Sphinx rebuilds only the pages whose sources changed


def stage(source: Path) -> tuple[dict, list[str]]:
    """Copy the site's pages and configuration into ``source``; return the configuration and the pages."""
    toc = yaml.safe_load((SITE / "_toc.yml").read_text())
    check_toc(toc)
    pages = [f for f in toc_files(toc) if not f.startswith("notebooks/")]
    if source.exists():
        shutil.rmtree(source)
    (source / "notebooks").mkdir(parents=True)
    for name in ["_config.yml", "_toc.yml"] + [f"{page}.md" for page in pages]:
        if not (SITE / name).is_file():
            raise SiteError(f"site/_toc.yml lists {name}, which is not in site/")
        shutil.copy2(SITE / name, source / name)
    shutil.copytree(SITE / "_ext", source / "_ext", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(SITE / "_static", source / "_static")
    return yaml.safe_load((source / "_config.yml").read_text()), pages


def stage_lessons(source: Path, explorer: bool, dashboard: str) -> None:
    """Copy the lessons (see :func:`stage_lesson`) and the files their relative links point to."""
    for path in lesson_paths():
        stage_lesson(path, source / path.relative_to(ROOT), explorer, dashboard)
        cells = json.loads(path.read_text())["cells"]
        targets = {t for c in cells if c["cell_type"] == "markdown" for t in _relative_targets(_text(c["source"]))}
        for target in sorted(targets):
            resolved = (path.parent / target).resolve()
            if resolved.suffix == ".ipynb" and resolved.parent == path.parent:
                continue  # another lesson, a page of the site (Sphinx checks that it is), or the dashboard
            if not resolved.is_relative_to(ROOT) or not resolved.is_file():
                raise SiteError(f"{path.relative_to(ROOT)} links to {target}, which is not a file of the repository")
            staged = source / resolved.relative_to(ROOT)
            staged.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(resolved, staged)


def _github(url: str) -> tuple[str, str] | None:
    match = re.fullmatch(r"(?:https://github\.com/|git@github\.com:)([\w.-]+)/([\w.-]+?)(?:\.git)?/?", url.strip())
    return (match[1], match[2]) if match else None


def repository_url(config: dict) -> str:
    """``REPOSITORY_URL``, else the configured URL unless it is the placeholder, else ``origin`` on GitHub."""
    if os.environ.get("REPOSITORY_URL"):
        url = os.environ["REPOSITORY_URL"].rstrip("/")
        if not _github(url):
            raise SiteError(f"REPOSITORY_URL={url} is not https://github.com/OWNER/NAME (Binder and Colab need GitHub)")
        return url
    configured = config["repository"]["url"].rstrip("/")
    if configured != PLACEHOLDER_REPOSITORY:
        return configured
    try:
        remote = subprocess.run(
            ["git", "-C", str(ROOT), "remote", "get-url", "origin"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return configured
    found = _github(remote)
    return f"https://github.com/{found[0]}/{found[1]}" if found else configured


def configure(source: Path, config: dict) -> tuple[list[str], str]:
    """Write the repository URL and the links built from it into the staged configuration and pages;
    return the warnings and the Binder link of the dashboard."""
    url = repository_url(config)
    config["repository"]["url"] = url
    if os.environ.get("JUPYTERHUB_URL"):
        config["launch_buttons"]["jupyterhub_url"] = os.environ["JUPYTERHUB_URL"].rstrip("/")
    owner, name = _github(url)
    branch = config["repository"]["branch"]
    binder = f"{config['launch_buttons']['binderhub_url'].rstrip('/')}/v2/gh/{owner}/{name}/{branch}"
    dashboard = f"{binder}?urlpath=voila/render/notebooks/dashboard.ipynb"
    config.setdefault("parse", {})["myst_substitutions"] = {
        "repository_link": f"[{url}]({url})",
        "binder_dashboard_link": f"[the dashboard on Binder]({dashboard})",
        "binder_lab_link": f"[the lessons in JupyterLab on Binder]({binder}?urlpath=lab/tree/notebooks)",
    }
    (source / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    warnings = []
    if url == PLACEHOLDER_REPOSITORY:
        warnings.append(
            f"the repository URL is the placeholder {PLACEHOLDER_REPOSITORY}: the launch buttons and Binder links lead "
            "nowhere. Set repository.url in site/_config.yml or run make site REPOSITORY_URL=https://github.com/OWNER/NAME."
        )
    if config["launch_buttons"]["jupyterhub_url"] == PLACEHOLDER_JUPYTERHUB:
        warnings.append(
            f"the JupyterHub button leads to the placeholder {PLACEHOLDER_JUPYTERHUB}: set "
            "launch_buttons.jupyterhub_url in site/_config.yml or run make site JUPYTERHUB_URL=https://your.hub."
        )
    placeholders = []
    if url == PLACEHOLDER_REPOSITORY:
        placeholders.append(f"the launch buttons and Binder links lead to the placeholder {PLACEHOLDER_REPOSITORY}")
    if config["launch_buttons"]["jupyterhub_url"] == PLACEHOLDER_JUPYTERHUB:
        placeholders.append(f"the JupyterHub button leads to {PLACEHOLDER_JUPYTERHUB}")
    if placeholders:
        index = source / "index.md"
        text = index.read_text()
        title_end = text.index("\n", text.index("# ")) + 1
        notice = (
            "\n:::{warning}\nThis copy of the site does not know its own addresses yet: "
            + ", and ".join(placeholders)
            + ". The {ref}`teachers' page <site-addresses>` says how to set them.\n:::\n"
        )
        index.write_text(text[:title_end] + notice + text[title_end:])
        shutil.copystat(SITE / "index.md", index)
    return warnings, dashboard


# ---------------------------------------------------------------------------------------------
# The lessons' first code cell: install the kit where it is missing (Colab)

INSTALL_CELL_ID = "install-softmax-teach"


def install_cell_source(url: str, branch: str) -> str:
    """The first code cell of every lesson: nothing where the kit is installed (JupyterLab, Binder,
    nbval); elsewhere (Colab) the kit from the repository, with only the requirements missing there
    (its requirements have no exact versions, so Colab keeps its own PyTorch, numpy and Jupyter)."""
    return (
        "# In Colab (or anywhere the kit is missing) this installs it from the course's repository,\n"
        "# keeping the PyTorch and the other packages already there. Elsewhere it does nothing.\n"
        "try:\n"
        "    import softmax_teach\n"
        "except ImportError:\n"
        f'    %pip install --quiet "softmax-teach @ git+{url}@{branch}"'
    )


def configured_install_cell() -> str:
    config = yaml.safe_load((SITE / "_config.yml").read_text())
    return install_cell_source(config["repository"]["url"].rstrip("/"), config["repository"]["branch"])


def install_cells(paths: list[Path] | None = None) -> list[Path]:
    """Make the first code cell of each lesson the install cell (insert it, or rewrite an earlier
    version of it); return the notebooks changed. Running it again changes nothing."""
    import nbformat

    source = configured_install_cell()
    changed = []
    for path in paths if paths is not None else lesson_paths():
        notebook = nbformat.read(path, as_version=4)
        index, first = next((i, c) for i, c in enumerate(notebook.cells) if c.cell_type == "code")
        if first.get("id") == INSTALL_CELL_ID or first.source.startswith("# In Colab (or anywhere the kit is missing)"):
            if first.source == source:
                continue
            first.source = source
        else:
            cell = nbformat.v4.new_code_cell(source)
            cell["id"] = INSTALL_CELL_ID
            notebook.cells.insert(index, cell)
        nbformat.write(notebook, path)
        changed.append(path)
    return changed


# ---------------------------------------------------------------------------------------------
# The lesson tables of the landing and teachers' pages, from the lessons as they are

READING_WORDS_PER_MINUTE = 100
MINUTES_PER_CODE_CELL = 1.5
MINUTES_PER_EXERCISE = 5
RUN_TIMES = SITE / "run_times.json"


def lesson_facts(path: Path) -> dict:
    """Title, words, code cells and exercises of a lesson, and the session it needs (45 or 90 min)."""
    cells = json.loads(path.read_text())["cells"]
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    code = sum(1 for c in cells if c["cell_type"] == "code")
    exercises = markdown.count("<summary>Worked solution")
    first = next(line for c in cells if c["cell_type"] == "markdown" for line in "".join(c["source"]).splitlines())
    words = len(re.findall(r"\w+", markdown))
    minutes = words / READING_WORDS_PER_MINUTE + code * MINUTES_PER_CODE_CELL + exercises * MINUTES_PER_EXERCISE
    minutes = 5 * -(-minutes // 5)  # up to the next 5 minutes
    return {
        "name": path.stem,
        "title": first.lstrip("# ").strip(),
        "words": words,
        "code": code,
        "exercises": exercises,
        "minutes": int(minutes),
        "session": 45 if minutes <= 45 else 90 if minutes <= 90 else None,
    }


def _run_times() -> dict:
    return json.loads(RUN_TIMES.read_text()) if RUN_TIMES.is_file() else {"seconds": {}}


def lesson_table(facts: list[dict]) -> str:
    times = _run_times()
    rows = ["| # | lesson | session | runs in |", "|---|---|---|---|"]
    for fact in facts:
        seconds = times["seconds"].get(fact["name"])
        runs = f"{seconds:.0f} s" if seconds is not None else "not measured"
        rows.append(
            f"| {fact['name'][:2]} | [{fact['title']}](notebooks/{fact['name']}.ipynb) | "
            f"{fact['session'] or 'more than 90'} min | {runs} |"
        )
    note = times.get("note", "")
    return "\n".join(rows) + (f"\n\n*Runs in* is {note}" if note else "") + "\n"


def session_table(facts: list[dict]) -> str:
    rows = ["| # | lesson | words | code cells | exercises | estimate | session |", "|---|---|---|---|---|---|---|"]
    for fact in facts:
        rows.append(
            f"| {fact['name'][:2]} | [{fact['title']}](notebooks/{fact['name']}.ipynb) | {fact['words']} | "
            f"{fact['code']} | {fact['exercises']} | {fact['minutes']} min | "
            f"{fact['session'] or 'more than 90'} min |"
        )
    pairs = [
        f"{a['name'][:2]} and {b['name'][:2]}"
        for a, b in zip(facts, facts[1:])
        if a["session"] == 45 and b["session"] == 45 and a["minutes"] + b["minutes"] <= 90
    ]
    text = "\n".join(rows) + "\n"
    if pairs:
        text += (
            "\nTwo lessons that follow each other and fit one 90-minute session together: " + ", ".join(pairs) + ".\n"
        )
    return text


def fill_tables(source: Path) -> None:
    facts = [lesson_facts(path) for path in lesson_paths()]
    for page, marker, table in (
        ("index", "<!-- lesson-table -->", lesson_table),
        ("teachers", "<!-- session-table -->", session_table),
    ):
        staged = source / f"{page}.md"
        text = staged.read_text()
        if marker not in text:
            raise SiteError(f"site/{page}.md has no {marker} line for its table")
        staged.write_text(text.replace(marker, table(facts)))
        shutil.copystat(SITE / f"{page}.md", staged)


def measure_run_times() -> None:
    """Run every lesson once in a fresh kernel (from a temporary folder; the notebooks are not written)
    and write to site/run_times.json the CPU time its kernel used (user + system, start-up included),
    which, unlike the wall-clock time also recorded, barely depends on what else the machine runs."""
    import tempfile

    import nbformat
    import psutil
    from nbclient import NotebookClient

    seconds, wall, loads = {}, {}, []
    with tempfile.TemporaryDirectory() as folder:
        for path in lesson_paths():
            notebook = nbformat.read(path, as_version=4)
            client = NotebookClient(
                notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": folder}}
            )
            start = time.perf_counter()
            with client.setup_kernel():
                kernel = psutil.Process(client.km.provisioner.process.pid)
                for index, cell in enumerate(notebook.cells):
                    client.execute_cell(cell, index)
                used = kernel.cpu_times()
                seconds[path.stem] = round(used.user + used.system + used.children_user + used.children_system, 1)
            wall[path.stem] = round(time.perf_counter() - start, 1)
            loads.append(os.getloadavg()[0])
            print(f"{path.name}: {seconds[path.stem]} s CPU, {wall[path.stem]} s wall (load {loads[-1]:.1f})")
    note = (
        "the CPU time the lesson's kernel used to start and run every cell, measured with "
        f"`python site/build.py --measure-run-times` on {os.cpu_count()} cores (torch may use both, so on an idle "
        "machine the wall-clock time is about this or less; the machine was busy then, load average "
        f"{min(loads):.0f} to {max(loads):.0f}, and its wall-clock times are in `site/run_times.json`)."
    )
    RUN_TIMES.write_text(json.dumps({"note": note, "seconds": seconds, "wall_seconds": wall}, indent=1) + "\n")


def copy_mathjax(html: Path) -> None:
    """MathJax into the built site's _static (``mathjax_path`` in _config.yml points there). Not into
    the staged _static: Jupyter Book would add every .js file found there to every page."""
    package = SITE / "node_modules" / "mathjax"
    if not (package / "es5" / "tex-chtml.js").is_file():
        raise SiteError("MathJax is not installed: run `cd site && npm ci` (make site does)")
    version = json.loads((package / "package.json").read_text())["version"]
    locked = json.loads((SITE / "package-lock.json").read_text())["packages"]["node_modules/mathjax"]["version"]
    if version != locked:
        raise SiteError(f"site/node_modules has MathJax {version}, the lockfile {locked}: run `cd site && npm ci`")
    destination = html / "_static" / "mathjax"
    if destination.exists():
        shutil.rmtree(destination)
    for part in MATHJAX_PARTS:
        origin = package / "es5" / part
        if origin.is_dir():
            shutil.copytree(origin, destination / part, copy_function=shutil.copy2)
        else:
            (destination / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, destination / part)
    shutil.copy2(package / "LICENSE", destination / "LICENSE")


def export_explorer(html: Path) -> None:
    """The static Explorer into ``<html>/explorer`` (``softmax-teach export-explorer``), for the Explorer page."""
    destination = html / "explorer"
    if destination.exists():
        shutil.rmtree(destination)
    command = [sys.executable, "-m", "softmax_teach.cli", "export-explorer", str(destination)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0 or not (destination / "index.html").is_file():
        raise SiteError(f"softmax-teach export-explorer failed:\n{result.stdout}{result.stderr}")


def run_jupyter_book(source: Path, out: Path) -> None:
    # Jupyter Book's command line, from this interpreter (its jupyter-book script may not be beside it).
    jupyter_book = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()"]
    command = [*jupyter_book, "build", str(source), "--path-output", str(out / "book"), "--builder", "html"]
    # --all: a fresh Sphinx environment each time (an incremental build after a change of the table of
    # contents can warn about pages of the previous build).
    command += ["--all", "--warningiserror", "--nitpick", "--keep-going", "--quiet"]
    result = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    if result.returncode != 0:
        print(result.stdout, file=sys.stderr)
        raise SiteError("Jupyter Book reported warnings or errors (above)")
    html = out / "html"
    if html.exists():
        shutil.rmtree(html)
    shutil.copytree(out / "book" / "_build" / "html", html)


# ---------------------------------------------------------------------------------------------
# Checks of the built site


class _Links(HTMLParser):
    """Every URL a page links to, and those it loads (scripts, styles, images, fonts, frames), and its ids."""

    LOADS = {
        ("script", "src"),
        ("img", "src"),
        ("iframe", "src"),
        ("source", "src"),
        ("video", "src"),
        ("audio", "src"),
        ("embed", "src"),
        ("object", "data"),
        ("input", "src"),
        ("track", "src"),
    }
    LOADING_RELS = {
        "stylesheet",
        "preload",
        "modulepreload",
        "prefetch",
        "icon",
        "shortcut",
        "apple-touch-icon",
        "manifest",
        "mask-icon",
    }

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.loads: list[str] = []
        self.ids: set[str] = set()
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if tag == "a" and "name" in attributes:
            self.ids.add(attributes["name"])
        for element, attribute in self.LOADS:
            if tag == element and attributes.get(attribute):
                self.loads.append(attributes[attribute])
        if tag in ("img", "source") and attributes.get("srcset"):
            self.loads += [item.split()[0] for item in attributes["srcset"].split(",") if item.strip()]
        if tag == "link" and attributes.get("href"):
            rels = set((attributes.get("rel") or "").lower().split())
            (self.loads if rels & self.LOADING_RELS else self.links).append(attributes["href"])
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if attributes.get("style"):
            self.styles.append(attributes["style"])
        self._in_style = tag == "style"

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False


CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


def _is_external(url: str) -> bool:
    parts = urlsplit(url.strip())
    return bool(parts.netloc) or parts.scheme not in ("", "data", "blob")


def _resolve(page: Path, url: str, html: Path) -> tuple[Path, str] | None:
    """The file and fragment a relative URL of ``page`` points to; None for data:, mailto: and the like."""
    parts = urlsplit(url.strip())
    if parts.scheme or parts.netloc:
        return None
    if not parts.path:
        return page, parts.fragment
    target = (
        (html / unquote(parts.path).lstrip("/")) if parts.path.startswith("/") else page.parent / unquote(parts.path)
    )
    if target.is_dir():
        target = target / "index.html"
    return target, parts.fragment


def check_site(html: Path) -> list[str]:
    """What is wrong with a built site: missing lesson pages, broken internal links and resources, and
    anything a page, or a style sheet, would load from outside the site. Empty when all is well."""
    problems = []
    for lesson in lesson_paths():
        if not (html / "notebooks" / f"{lesson.stem}.html").is_file():
            problems.append(f"no page for the lesson {lesson.name}")
    for extra in (
        "index.html",
        "teachers.html",
        "explorer.html",
        "explorer/index.html",
        "search.html",
        "searchindex.js",
    ):
        if not (html / extra).is_file():
            problems.append(f"no {extra}")
    parsed: dict[Path, _Links] = {}

    def parse(page: Path) -> _Links:
        if page not in parsed:
            parser = _Links()
            parser.feed(page.read_text(errors="replace"))
            parsed[page] = parser
        return parsed[page]

    pages = [page for page in sorted(html.rglob("*.html")) if "_static" not in page.relative_to(html).parts]
    for page in pages:
        name = page.relative_to(html)
        links = parse(page)
        for url in links.loads:
            if _is_external(url):
                problems.append(f"{name} loads {url} from outside the site")
        for style in links.styles:
            for match in CSS_URL.finditer(style):
                if _is_external(match[1] or match[2]):
                    problems.append(f"{name} styles with {match[1] or match[2]} from outside the site")
        for url in links.loads + links.links:
            resolved = _resolve(page, url, html)
            if resolved is None:
                continue
            target, fragment = resolved
            if not target.is_file():
                problems.append(f"{name} links to {url}, which is not in the site")
            elif fragment and target.suffix == ".html" and fragment not in parse(target).ids:
                problems.append(f"{name} links to {url}, but that page has no #{fragment}")
    for sheet in sorted(html.rglob("*.css")):
        for match in CSS_URL.finditer(sheet.read_text(errors="replace")):
            url = match[1] or match[2]
            if _is_external(url):
                problems.append(f"{sheet.relative_to(html)} loads {url} from outside the site")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build", help="build folder (default: _build)")
    parser.add_argument("--measure-run-times", action="store_true", help=f"run every lesson, write {RUN_TIMES.name}")
    parser.add_argument(
        "--install-cells", action="store_true", help="make each lesson's first code cell the kit's install cell"
    )
    arguments = parser.parse_args(argv)
    if arguments.install_cells:
        for path in install_cells():
            print(f"{path.relative_to(ROOT)}: install cell written (re-execute it: make notebooks)")
        return 0
    if arguments.measure_run_times:
        measure_run_times()
        return 0
    out = arguments.out.resolve()
    start = time.perf_counter()
    try:
        source = out / "source"
        config, pages = stage(source)
        warnings, dashboard = configure(source, config)
        explorer = "explorer" in pages
        stage_lessons(source, explorer, "../explorer.md" if explorer else dashboard)
        fill_tables(source)
        run_jupyter_book(source, out)
        copy_mathjax(out / "html")
        if explorer:
            export_explorer(out / "html")
        problems = check_site(out / "html")
        if problems:
            raise SiteError("the built site has problems:\n  " + "\n  ".join(problems))
    except SiteError as error:
        print(f"make site: {error}", file=sys.stderr)
        return 1
    for warning in warnings:
        print(f"make site: warning: {warning}", file=sys.stderr)
    size = sum(f.stat().st_size for f in (out / "html").rglob("*") if f.is_file())
    print(f"make site: {out / 'html'} ({size / 1e6:.1f} MB) in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
