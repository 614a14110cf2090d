"""The conda environment files agree with pyproject.toml, the one list of the project's packages.

Conda cannot be installed where the tests run, so the env files are never solved here. These checks are
what keeps them honest: the rules' environment names pyproject.toml's runtime packages under conda's
names, with pins inside pyproject's bounds; the development environment is Python plus this checkout
installed from pyproject.toml; and every rule's `conda:` points at a file that exists.
"""

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
ENVS = ROOT / "workflow" / "envs"

# conda-forge names that differ from the PyPI distribution names.
CONDA_TO_PYPI = {"pytorch": "torch", "matplotlib-base": "matplotlib"}
# Extras in pyproject.toml that conda lists as plain packages: snakemake[reports] brings pygments.
EXTRA_PACKAGES = {("snakemake", "reports"): ["pygments"]}


def parse_conda_spec(entry: str) -> tuple[str, list[Version]]:
    """A conda dependency line -> (PyPI name, versions to probe against pyproject's bounds).

    Only the forms these files use: a bare name (no probes), `name=X.Y` (conda: any X.Y.* build, probed
    at X.Y and X.Y.999) and `name==X.Y.Z` (that version). Anything else fails loudly rather than being
    half-understood.
    """
    match = re.fullmatch(r"([A-Za-z0-9_.\-]+)(?:(==?)(\d+(?:\.\d+)*))?", entry.strip())
    if match is None:
        raise ValueError(f"conda spec not understood: {entry!r} (use `name`, `name=X.Y` or `name==X.Y.Z`)")
    conda_name, operator, version = match.groups()
    name = canonicalize_name(CONDA_TO_PYPI.get(conda_name, conda_name))
    if operator is None:
        return name, []
    if operator == "==":
        return name, [Version(version)]
    return name, [Version(version), Version(version + ".999")]


def pyproject_bounds(requirements: list[str]) -> dict[str, SpecifierSet]:
    """pyproject requirement strings -> {name: specifier}, extras expanded into the packages they bring."""
    bounds = {}
    for text in requirements:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        bounds[name] = requirement.specifier
        for extra in requirement.extras:
            for package in EXTRA_PACKAGES[(name, extra)]:
                bounds.setdefault(canonicalize_name(package), SpecifierSet())
    return bounds


def mismatches(conda_entries: list[str], bounds: dict[str, SpecifierSet]) -> list[str]:
    """Every disagreement between conda entries and pyproject bounds, as readable lines (empty: they agree)."""
    problems = []
    pins = dict(parse_conda_spec(entry) for entry in conda_entries)
    for name in sorted(bounds.keys() - pins.keys()):
        problems.append(f"{name}: in pyproject.toml, missing from the conda file")
    for name in sorted(pins.keys() - bounds.keys()):
        problems.append(f"{name}: in the conda file, not in pyproject.toml")
    for name in sorted(pins.keys() & bounds.keys()):
        outside = [str(version) for version in pins[name] if not bounds[name].contains(version, prereleases=True)]
        if outside:
            problems.append(f"{name}: conda pin allows {', '.join(outside)}, outside pyproject's {bounds[name]}")
    return problems


def load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def conda_strings(env: dict) -> list[str]:
    """The conda package lines of an env file (the nested `pip:` section is not conda's)."""
    return [entry for entry in env["dependencies"] if isinstance(entry, str)]


@pytest.fixture(scope="module")
def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.fixture(scope="module")
def runtime_bounds(project) -> dict[str, SpecifierSet]:
    bounds = pyproject_bounds(project["dependencies"])
    bounds["python"] = SpecifierSet(project["requires-python"])
    return bounds


def test_rule_env_matches_pyproject_dependencies(runtime_bounds):
    entries = conda_strings(load_yaml(ENVS / "seqgan.yaml"))
    assert mismatches(entries, runtime_bounds) == []


def test_every_rule_env_package_is_pinned():
    assert [entry for entry in conda_strings(load_yaml(ENVS / "seqgan.yaml")) if not parse_conda_spec(entry)[1]] == []


def test_dev_env_is_python_and_this_checkout_installed_from_pyproject(project, runtime_bounds):
    """environment.yml lists no package of its own: pip installs the checkout with its extras."""
    entries = load_yaml(ROOT / "environment.yml")["dependencies"]
    python, pip, pip_section = entries  # exactly these three
    assert pip == "pip"
    assert pip_section == {"pip": ["-e .[test,workflow]"]}
    assert {"test", "workflow"} <= set(project["optional-dependencies"])
    # Its Python is the rules' Python, inside pyproject's requires-python.
    assert python == conda_strings(load_yaml(ENVS / "seqgan.yaml"))[0]
    assert mismatches([python], {"python": runtime_bounds["python"]}) == []


def test_every_rule_runs_in_an_existing_env():
    rule_files = sorted((ROOT / "workflow" / "rules").glob("*.smk"))
    envs = []
    for rule_file in rule_files:
        # The directive's value is the quoted path on the line after `conda:` (snakefmt layout).
        for found in re.finditer(r'^\s+conda:\s*\n\s+"([^"]+)"', rule_file.read_text(), re.MULTILINE):
            envs.append((rule_file.name, (rule_file.parent / found.group(1)).resolve()))
    assert envs, "no conda: directives found"
    for rule_file, env in envs:
        assert env.is_file() and env.parent == ENVS, f"{rule_file}: conda env {env} missing or not under {ENVS}"


# The checker itself, on small made-up inputs, so the checks above cannot pass vacuously.


def test_checker_flags_a_pin_outside_the_bounds():
    assert mismatches(["pytorch=3.0"], {"torch": SpecifierSet(">=2.2,<3")}) == [
        "torch: conda pin allows 3.0, 3.0.999, outside pyproject's <3,>=2.2"
    ]
    # A minor pin straddling a patch-level bound is caught by its high probe.
    assert mismatches(["numpy=2.4"], {"numpy": SpecifierSet("<2.4.5")}) == [
        "numpy: conda pin allows 2.4.999, outside pyproject's <2.4.5"
    ]
    assert mismatches(["pytorch=2.13"], {"torch": SpecifierSet(">=2.2,<3")}) == []


def test_checker_flags_a_package_missing_from_either_side():
    bounds = pyproject_bounds(["numpy", "snakemake[reports]>=9,<10"])
    assert mismatches(["numpy=2.4", "snakemake=9.27", "scipy=1.17"], bounds) == [
        "pygments: in pyproject.toml, missing from the conda file",
        "scipy: in the conda file, not in pyproject.toml",
    ]


@pytest.mark.parametrize("entry", ["pytorch>=2.2,<3", "numpy 2.4.*", "conda-forge::snakemake=9.27", "numpy=2.x"])
def test_parser_rejects_specs_it_does_not_understand(entry):
    with pytest.raises(ValueError, match="conda spec not understood"):
        parse_conda_spec(entry)
