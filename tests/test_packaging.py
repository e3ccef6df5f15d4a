"""The ways to install (pip + pyproject.toml, conda + environment.yml, Binder's binder/) must agree,
and the package's own requirements must fit environments that already have their versions."""

import re
import shlex
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _requirements(*extras: str) -> list[str]:
    """The core requirements plus those of the extras, without the extras' references to the project."""
    found = list(PROJECT["dependencies"])
    for extra in extras:
        found += [r for r in PROJECT["optional-dependencies"][extra] if _name(r) != "softmax-teach"]
    return found


def test_dev_includes_the_dashboard_and_jupyterlab_so_make_test_has_everything():
    assert "softmax-teach[dashboard,lab]" in PROJECT["optional-dependencies"]["dev"]


def test_no_requirement_is_pinned_exactly_and_torch_has_a_lower_bound_only():
    everything = _requirements(*PROJECT["optional-dependencies"])
    assert not [r for r in everything if "==" in r or "~=" in r], "exact versions belong in constraints.txt"
    [torch] = [r for r in PROJECT["dependencies"] if _name(r) == "torch"]
    assert re.fullmatch(r"torch>=\d+(\.\d+)*", torch.replace(" ", "")), torch


def test_environment_yml_names_the_same_dependencies_as_pyproject():
    from_pyproject = {_name(r) for r in _requirements("dashboard", "lab", "dev")}
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    from_conda = set()
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            from_conda |= {_name(r) for r in entry["pip"] if not r.startswith("-")}
            assert "-c constraints.txt" in entry["pip"], "pip in environment.yml installs at the pinned versions"
        else:
            from_conda.add(_name(entry))
    from_conda -= {"python", "pip"}
    assert from_conda == from_pyproject, (
        f"only in environment.yml: {sorted(from_conda - from_pyproject)}; "
        f"only in pyproject.toml: {sorted(from_pyproject - from_conda)}"
    )


def test_binder_installs_the_kit_with_the_dashboard_and_jupyterlab_at_the_pinned_versions():
    """binder/requirements.txt starts Binder's server (JupyterLab, Voila); postBuild installs the
    kit with its [dashboard,lab] extras, so Binder has every lesson's and the dashboard's dependency."""
    requirements = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    lines = [line.strip() for line in requirements if line.strip() and not line.startswith("#")]
    assert "-c ../constraints.txt" in lines
    wanted = {_name(r) for r in _requirements("dashboard", "lab")}
    named = {_name(line) for line in lines if not line.startswith("-")}
    assert named <= wanted, f"binder/requirements.txt names what the kit does not: {sorted(named - wanted)}"

    installs = [
        shlex.split(line)
        for line in (ROOT / "binder" / "postBuild").read_text().splitlines()
        if re.match(r"\s*python -m pip install ", line)
    ]
    kit = [words for words in installs if any(re.fullmatch(r"\.(\[.*\])?", word) for word in words)]
    assert len(kit) == 1, installs
    [words] = kit
    [target] = [word for word in words if re.fullmatch(r"\.(\[.*\])?", word)]
    assert set(target.strip(".[]").split(",")) == {"dashboard", "lab"}, target
    assert words[words.index("-c") + 1] == "constraints.txt"


def test_constraints_pin_every_dependency_of_every_extra_and_the_cpu_torch():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line:
            name, version = line.split("==", 1)
            pins[_name(name)] = version.strip()
    wanted = {_name(r) for r in _requirements(*PROJECT["optional-dependencies"])}
    assert wanted <= set(pins), f"not pinned in constraints.txt: {sorted(wanted - set(pins))}"
    assert pins["torch"] == "2.13.0"
    assert pins["jupyter-book"].startswith("1."), "Jupyter Book 2 downloads its theme at build time"


def test_importing_the_package_does_not_import_torch_or_sympy():
    import subprocess
    import sys

    code = "import sys, softmax_teach; print('torch' in sys.modules, 'sympy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
