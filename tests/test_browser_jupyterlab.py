"""Lesson 03 in a real JupyterLab, driven by Chromium: the backward animation's player renders
in the notebook, fits its cell, and its "next" button changes the frame.

The test starts its own JupyterLab on 127.0.0.1 (a free port, a token of its own, settings and
workspaces in a temporary folder) on a copy of the lesson, so nothing the lesson writes lands
in the repository, and stops it at the end. Screenshots are saved (the path is printed).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from browser_support import SHOWN_FRAMES_JS, artifacts_folder, chromium_browser
from conftest import ROOT

LESSONS = sorted((ROOT / "notebooks").glob("03_*.ipynb"))
START_TIMEOUT = 60  # seconds for JupyterLab to answer
RUN_TIMEOUT_MS = 90_000  # for the kernel to start and run the lesson up to the animation
UNNEEDED_EXTENSIONS = [
    "jupyter_lsp",
    "jupyter_server_terminals",
    "jupyterlab_jupytext",
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.server_extensions.course_list",
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.validate_assignment",
    "notebook",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited with code {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer at {url} within {START_TIMEOUT} s:\n{log.read_text()}")


def stop(server: subprocess.Popen, base: str, token: str) -> None:
    """Ask the server to shut down (it stops its kernels), then make sure it has."""
    try:
        request = urllib.request.Request(
            f"{base}/api/shutdown", method="POST", headers={"Authorization": f"token {token}"}
        )
        urllib.request.urlopen(request, timeout=5).close()
        server.wait(timeout=20)
    except (urllib.error.URLError, OSError, subprocess.TimeoutExpired):
        pass
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # its own process group: the server and kernels
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.fixture
def jupyterlab(tmp_path):
    """(the URL of lesson 03 in a fresh JupyterLab, the token); the server stops afterwards."""
    pytest.importorskip("jupyterlab")
    pytest.importorskip("ipykernel")
    if not LESSONS:
        pytest.skip("lesson 03 (notebooks/03_*.ipynb) not found")
    work = tmp_path / "lab"
    work.mkdir()
    lesson = shutil.copy(LESSONS[0], work)
    port, token = free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        AUTOGRAD_SCALAR_QUICK="1",
    )
    # No "would you like news?" question over the notebook (and no fetching it).
    notification = tmp_path / "settings" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    log = tmp_path / "jupyterlab.log"
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
        f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
        f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.expose_app_in_browser=True", "--ServerApp.allow_root=True",  # CI runs as root
    ]  # fmt: skip
    # Server extensions the lesson does not need, off: JupyterLab starts faster.
    command += [f"--ServerApp.jpserver_extensions={name}=False" for name in UNNEEDED_EXTENSIONS]
    with log.open("w") as output:
        server = subprocess.Popen(
            command, env=env, cwd=work, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/api/status?token={token}", server, log)
        yield f"{base}/lab/tree/{Path(lesson).name}?token={token}"
    finally:
        stop(server, base, token)


@pytest.fixture
def browser():
    yield from chromium_browser()


def test_lesson_03_player_renders_and_steps(browser, jupyterlab, tmp_path):
    folder = artifacts_folder(tmp_path, "jupyterlab")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(jupyterlab)
    # Run only once the kernel is up: asked earlier, JupyterLab opens a kernel-choice dialog.
    page.wait_for_function(
        "window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel?.status"
        " === 'idle'",
        timeout=START_TIMEOUT * 1000,
    )
    # Not awaited: the command's promise settles only when every cell has run.
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    # The player's script marks it ready: JupyterLab ran it, so the output is live.
    try:
        player = page.wait_for_selector(
            ".jp-OutputArea-output .backward-animation.ba-ready", timeout=RUN_TIMEOUT_MS
        )
    finally:
        page.screenshot(path=folder / "lesson03_after_run.png")
    player.scroll_into_view_if_needed()
    page.screenshot(path=folder / "lesson03_frame0.png")
    [first] = player.evaluate(SHOWN_FRAMES_JS)
    assert first["frame"] == 0 and first["caption"].startswith("step 0 of 11")
    assert player.query_selector(".ba-controls").is_visible()

    player.query_selector(".ba-next").click()
    [second] = player.evaluate(SHOWN_FRAMES_JS)
    assert second["frame"] == 1 and second["caption"].startswith("step 1 of 11: node 'L'")
    assert len(second["active"]) == 1 and "L" in second["active"][0][1]
    page.screenshot(path=folder / "lesson03_frame1.png")
    player.screenshot(path=folder / "lesson03_player.png")

    # The player fits its cell: nothing sticks out of the output area or scrolls sideways.
    area = player.evaluate(
        """(p) => { const out = p.closest('.jp-OutputArea-output');
                    const a = out.getBoundingClientRect(), b = p.getBoundingClientRect();
                    return {outLeft: a.left, outRight: a.right, left: b.left, right: b.right,
                            scroll: out.scrollWidth, client: out.clientWidth}; }"""
    )
    assert area["outLeft"] <= area["left"] and area["right"] <= area["outRight"] + 0.5
    assert area["scroll"] <= area["client"]
    svg_right = player.eval_on_selector(
        ".ba-frame:not([hidden]) svg", "(svg) => svg.getBoundingClientRect().right"
    )
    assert svg_right <= area["outRight"] + 0.5
