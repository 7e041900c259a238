"""No Docker engine runs here, so the image's CMD and HEALTHCHECK are run as plain processes."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def dockerfile_instruction(name: str) -> list[str]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    match = re.search(rf"^{name}\s+(?:--\S+\s+)*(?:CMD\s+)?(\[.*\])\s*$", text, flags=re.MULTILINE)
    assert match, f"Dockerfile has no exec-form {name}"
    return json.loads(match.group(1))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_dockerfile_uses_slim_python_and_a_non_root_user() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim", text, flags=re.MULTILINE)
    assert re.search(r"^USER (?!root)\w+", text, flags=re.MULTILINE)
    assert "PEISONG_DATABASE_URL" in text


def test_image_command_serves_and_its_healthcheck_passes(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PORT": str(port), "PEISONG_DATA_DIR": str(tmp_path),
           "PEISONG_DATABASE_URL": f"sqlite:///{tmp_path}/peisong.db"}
    env.pop("PEISONG_SECRET_KEY", None)
    server = subprocess.Popen(dockerfile_instruction("CMD"), env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        healthcheck = dockerfile_instruction("HEALTHCHECK")
        healthcheck[0] = sys.executable if healthcheck[0] == "python" else healthcheck[0]
        deadline = time.monotonic() + 60
        while True:
            result = subprocess.run(healthcheck, env=env, capture_output=True, timeout=30)
            if result.returncode == 0:
                break
            if server.poll() is not None or time.monotonic() > deadline:
                output = server.stdout.read().decode() if server.poll() is not None else ""  # type: ignore[union-attr]
                pytest.fail(f"server never became healthy: {result.stderr.decode()[-500:]} {output[-2000:]}")
            time.sleep(0.5)
        assert (tmp_path / "peisong.db").exists(), "the store is the one PEISONG_DATABASE_URL names"
    finally:
        server.terminate()
        server.wait(timeout=20)
