"""The two ways to install (pip + pyproject.toml, conda + environment.yml) must agree."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_names_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    from_pyproject = {_name(r) for r in project["dependencies"]}
    from_pyproject |= {_name(r) for r in project["optional-dependencies"]["dev"]}

    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    from_conda = set()
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            from_conda |= {_name(r) for r in entry["pip"] if not r.startswith("-e")}
        else:
            from_conda.add(_name(entry))
    from_conda -= {"python", "pip"}
    assert from_conda == from_pyproject, (
        f"only in environment.yml: {sorted(from_conda - from_pyproject)}; "
        f"only in pyproject.toml: {sorted(from_pyproject - from_conda)}"
    )


def test_constraints_pin_every_direct_dependency_and_the_cpu_torch():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line:
            name, version = line.split("==", 1)
            pins[_name(name)] = version.strip()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    assert wanted <= set(pins), f"not pinned in constraints.txt: {sorted(wanted - set(pins))}"
    assert pins["torch"] == "2.13.0"


def test_importing_the_package_does_not_import_torch_or_sympy():
    import subprocess
    import sys

    code = "import sys, softmax_teach; print('torch' in sys.modules, 'sympy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
