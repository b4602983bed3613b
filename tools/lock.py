"""Regenerate every pin from one lock: `python tools/lock.py` (needs uv, PyPI and download.pytorch.org).

1. `uv lock` resolves pyproject.toml once for Python 3.11-3.13 on Linux, macOS and Windows into uv.lock,
   with torch from PyPI's CPU-only sibling, PyTorch's CPU index, on Linux ([tool.uv.sources]).
   Community Cloud reads uv.lock before any other dependency file, so it installs exactly this.
2. The pip files are exports of that lock, never edited by hand:
   requirements.txt (the page and the library), requirements-dev.txt (tests and lint, `-r` the first)
   and requirements-docs.txt (the docs site).

pip cannot take one package from a second index, so in requirements.txt the Linux CPU torch becomes
one direct-URL line per wheel in the lock (Python and machine from the wheel's tags, with its hash)
for every Python in DIRECT_URL_PYTHONS. Elsewhere, and on Linux with Python 3.11, pip gets torch of the
same version from PyPI: this project's CI machines run Python 3.11 with a local CPU wheel of torch
and no route to download.pytorch.org, where a direct URL would make pip fail.

Option: --upgrade moves every pin to the newest version allowed; without it uv keeps the pins it can.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIRECT_URL_PYTHONS = ("3.12", "3.13")  # Community Cloud's default and newest
EXPORT = ["uv", "export", "--frozen", "--no-emit-project", "--no-hashes", "--no-annotate", "--no-header"]
OUTPUTS = {  # file -> (the uv export options, its header)
    "requirements.txt": (
        ["--no-dev"],
        "What the page and the library need, every package pinned, for Python 3.11-3.13 on Linux, macOS\n"
        "and Windows: an export of uv.lock. On Linux with Python 3.12 and 3.13 torch is PyTorch's CPU\n"
        "build (about 190 MB) by direct URL; elsewhere PyPI's torch of the same version.",
    ),
    "requirements-dev.txt": (
        ["--only-group", "dev"],
        "Tests, lint and the browser test (Chromium itself comes from Debian).",
    ),
    "requirements-docs.txt": (["--only-group", "docs"], "The docs site: mkdocs build --strict (see mkdocs.yml)."),
}
WHEEL_TAGS = re.compile(
    r"-cp3(\d+)-cp3\1-(manylinux[^/]*?|linux)_(x86_64|aarch64)\.whl$"
)  # cp313t (free-threaded) left out


def run(command: list[str]) -> str:
    print("$", " ".join(command), file=sys.stderr)
    return subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout


def cpu_wheels(lock: dict, version: str) -> list[tuple[str, str, str]]:
    """(python, machine, url#sha256=...) of each Linux CPU wheel of torch `version` in the lock that gets
    a direct URL."""
    wheels = []
    for package in lock["package"]:
        if package["name"] != "torch" or package["version"] != version:
            continue
        for wheel in package.get("wheels", []):
            tags = WHEEL_TAGS.search(wheel.get("url", ""))
            if tags is not None and f"3.{tags.group(1)}" in DIRECT_URL_PYTHONS:
                url = f"{wheel['url']}#{wheel['hash'].replace(':', '=')}"
                wheels.append((f"3.{tags.group(1)}", tags.group(3), url))
    return sorted(wheels)


def pip_friendly(exported: str, lock: dict) -> str:
    """The export with `torch==V+cpu ; sys_platform == 'linux'` made installable by plain pip: a direct
    URL where the lock has the wheel, PyPI's torch V for every other Linux Python and machine."""
    out = []
    for line in exported.splitlines():
        cpu = re.fullmatch(r"torch==(\S+\+cpu) ; (.+)", line)
        if cpu is None:
            out.append(line)
            continue
        wheels = cpu_wheels(lock, cpu.group(1))
        for python, machine, url in wheels:
            where = f"platform_machine == '{machine}' and python_version == '{python}'"
            out.append(f"torch @ {url} ; {cpu.group(2)} and {where}")
        # PEP 508 has no `not`: "none of the above" is a conjunction of negations
        others = "".join(f" and (platform_machine != '{m}' or python_version != '{p}')" for p, m, _ in wheels)
        out.append(f"torch=={cpu.group(1).split('+')[0]} ; {cpu.group(2)}{others}")
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upgrade", action="store_true", help="move every pin to the newest version allowed")
    args = parser.parse_args()
    run(["uv", "lock"] + (["--upgrade"] if args.upgrade else []))
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    for name, (options, header) in OUTPUTS.items():
        exported = run([*EXPORT, *options])
        if name == "requirements.txt":
            exported = pip_friendly(exported, lock)
        if name == "requirements-dev.txt":
            exported = "-r requirements.txt\n" + exported
        comment = "".join(f"# {line}\n" for line in [*header.splitlines(), "Written by `python tools/lock.py`."])
        (ROOT / name).write_text(comment + exported)
        print(f"wrote {name}: {sum(1 for line in exported.splitlines() if '==' in line or ' @ ' in line)} pins")
    return 0


if __name__ == "__main__":
    sys.exit(main())
