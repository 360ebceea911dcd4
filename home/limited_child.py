"""Runs one of the site's own scripts in a child process under ceilings: an isolated
interpreter (``python -I``), a clean environment, an address-space and CPU-time limit
and no core dump. The script receives its limits as JSON in an environment variable
and answers with JSON on stdout (home.pdf_safety, library.extraction).

Those scripts import nothing from Django or the project, so they import this module
inside the function that starts the child, never at their top.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from typing import Any


def _apply_limits(timeout_seconds: float, memory_bytes: int):
    def apply() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        cpu = int(timeout_seconds) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def run_script(
    script: str, *args: str, limits: Any, limits_variable: str, **feed: Any
) -> subprocess.CompletedProcess:
    """Run ``script`` with ``args`` under ``limits`` (a dataclass with
    ``timeout_seconds`` and ``memory_bytes``, handed over in ``limits_variable``);
    ``feed`` is ``stdin=`` or ``input=``. Raises subprocess.TimeoutExpired when the
    wall-clock limit passes."""
    command = [sys.executable, "-I", os.path.abspath(script), *args]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LANG": "C.UTF-8",
        limits_variable: json.dumps(asdict(limits)),
    }
    return subprocess.run(  # noqa: S603 - fixed interpreter and our own script
        command,
        **feed,
        capture_output=True,
        timeout=limits.timeout_seconds,
        env=env,
        preexec_fn=_apply_limits(limits.timeout_seconds, limits.memory_bytes),
        check=False,
    )


def answer(done: subprocess.CompletedProcess) -> dict | None:
    """The child's JSON answer, or None when it was stopped (by a limit) or failed
    before it could answer."""
    try:
        return json.loads(done.stdout.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
