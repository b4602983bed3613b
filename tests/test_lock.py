"""tools/lock.py: the export of uv.lock that plain pip can install (torch's CPU build by direct URL)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("lock", ROOT / "tools" / "lock.py")
lock_tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lock_tool)

CPU = "https://download.pytorch.org/whl/cpu/torch-2.13.0%2Bcpu"
LOCK = {
    "package": [
        {"name": "numpy", "version": "2.4.6", "wheels": []},
        {
            "name": "torch",
            "version": "2.13.0+cpu",
            "wheels": [
                {"url": f"{CPU}-cp311-cp311-manylinux_2_28_x86_64.whl", "hash": "sha256:11"},
                {"url": f"{CPU}-cp312-cp312-manylinux_2_28_x86_64.whl", "hash": "sha256:12"},
                {"url": f"{CPU}-cp313-cp313-manylinux_2_28_aarch64.whl", "hash": "sha256:13"},
                {"url": f"{CPU}-cp313-cp313t-manylinux_2_28_aarch64.whl", "hash": "sha256:14"},
                {"url": f"{CPU}-cp312-cp312-win_amd64.whl", "hash": "sha256:99"},
            ],
        },
        {"name": "torch", "version": "2.13.0", "wheels": [{"url": "https://files/torch-2.13.0-cp312-none-macosx.whl"}]},
    ]
}


def test_linux_cpu_torch_becomes_direct_urls_and_everything_else_is_kept():
    exported = "numpy==2.4.6\ntorch==2.13.0+cpu ; sys_platform == 'linux'\ntorch==2.13.0 ; sys_platform != 'linux'\n"
    assert lock_tool.pip_friendly(exported, LOCK).splitlines() == [
        "numpy==2.4.6",
        f"torch @ {CPU}-cp312-cp312-manylinux_2_28_x86_64.whl#sha256=12 ; sys_platform == 'linux' and "
        "platform_machine == 'x86_64' and python_version == '3.12'",
        f"torch @ {CPU}-cp313-cp313-manylinux_2_28_aarch64.whl#sha256=13 ; sys_platform == 'linux' and "
        "platform_machine == 'aarch64' and python_version == '3.13'",
        "torch==2.13.0 ; sys_platform == 'linux' and (platform_machine != 'x86_64' or python_version != '3.12') "
        "and (platform_machine != 'aarch64' or python_version != '3.13')",
        "torch==2.13.0 ; sys_platform != 'linux'",
    ]


def test_every_linux_python_gets_exactly_one_torch_line():
    from packaging.requirements import Requirement

    exported = "torch==2.13.0+cpu ; sys_platform == 'linux'\ntorch==2.13.0 ; sys_platform != 'linux'\n"
    lines = lock_tool.pip_friendly(exported, LOCK).splitlines()
    for python in ("3.11", "3.12", "3.13"):
        for platform, machine in (("linux", "x86_64"), ("linux", "aarch64"), ("win32", "AMD64"), ("darwin", "arm64")):
            environment = {"sys_platform": platform, "platform_machine": machine, "python_version": python}
            chosen = [line for line in lines if Requirement(line).marker.evaluate(environment)]
            assert len(chosen) == 1, (python, platform, machine, chosen)
