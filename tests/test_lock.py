"""requirements.lock pins every dependency pyproject.toml names, within its bounds, and
pyproject's floors leave out the versions with known vulnerabilities."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    names = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        names += extra
    return [Requirement(name) for name in names]


def _pins() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text("utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep, f"requirements.lock: {line!r} is not pinned with =="
        pins[canonicalize_name(name)] = Version(version.split(";")[0].strip())
    return pins


def test_every_dependency_is_pinned_within_its_bounds() -> None:
    pins = _pins()
    for requirement in _requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is in pyproject.toml but not in requirements.lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {name}=={pins[name]}, outside {requirement.specifier}:"
            " run scripts/lock"
        )


def test_the_install_script_installs_within_the_lock() -> None:
    assert "-c requirements.lock" in (ROOT / "scripts" / "install").read_text("utf-8")


FIXED = {  # the first version without a known vulnerability warroom is exposed to
    "orjson": "3.9.15",  # deep nesting crashes the parser (reachable on /v2/enqueue)
    "starlette": "0.40",  # multipart form fields without a size limit
    "python-multipart": "0.0.18",  # boundary parsing spends CPU without bound
    "jinja2": "3.1.6",  # sandbox escape through the attr filter
    "h11": "0.16",  # chunked-encoding leniency (request smuggling)
}


def test_floors_leave_out_vulnerable_versions() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    runtime = {canonicalize_name(r.name): r for r in map(Requirement, project["dependencies"])}
    for name, fixed in FIXED.items():
        requirement = runtime.get(canonicalize_name(name))
        assert requirement is not None, f"{name} needs a floor in pyproject.toml"
        below = Version(fixed) if fixed.count(".") == 2 else Version(fixed + ".0")
        older = Version(f"{below.major}.{below.minor}.{max(below.micro - 1, 0)}")
        if older == below:
            older = Version(f"{below.major}.{below.minor - 1}.99")
        assert not requirement.specifier.contains(older), f"{name} allows {older}"
        assert requirement.specifier.contains(below), f"{name} refuses {below}"


def test_httpx_is_a_runtime_dependency_exactly_when_warroom_imports_it() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    listed = any(Requirement(d).name == "httpx" for d in project["dependencies"])
    imported = any(
        "import httpx" in path.read_text("utf-8") or "from httpx" in path.read_text("utf-8")
        for path in (ROOT / "src").rglob("*.py")
    )
    assert listed == imported
