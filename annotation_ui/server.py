"""The Label Studio server of a workspace: install (once, pinned, own venv), start, stop, status.

Label Studio pins Django, pyarrow, openai... versions that must not meet the user's
environment, so it lives in its own virtual environment under a user cache folder
(`EMOCURATE_LS_HOME` overrides it), installed with uv when available (seconds with a
warm cache) or pip. The server binds 127.0.0.1 only, keeps its data in
`<workspace>/label-studio/`, serves clips from `<workspace>/clips/`, and is told not to
call home. Its admin account and API token come from the workspace's secrets file.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from emocurate.annotation_ui import credentials
from emocurate.annotation_ui.client import LabelStudio, LabelStudioError
from emocurate.errors import EmocurateError, UsageError
from emocurate.workspace import Workspace, atomic_write_bytes

LABEL_STUDIO_VERSION = "1.23.2"
_READY = ".emocurate-installed"
DATA_DIR = "label-studio"
STATE_FILE = "server.json"
LOG_FILE = "label-studio.log"
DEFAULT_URL = "http://127.0.0.1:8080"


class ServerError(EmocurateError):
    """The Label Studio server could not be installed or started."""

    kind = "server"


# -- install -------------------------------------------------------------------
def ls_home() -> Path:
    """Where the pinned Label Studio venv lives (EMOCURATE_LS_HOME overrides)."""
    if os.environ.get("EMOCURATE_LS_HOME"):
        return Path(os.environ["EMOCURATE_LS_HOME"]).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "emocurate" / f"label-studio-{LABEL_STUDIO_VERSION}"


def is_installed(home: Path | None = None) -> bool:
    home = home or ls_home()
    return (home / _READY).exists() and (home / "bin" / "python").exists()


def _uv() -> str | None:
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def install(home: Path | None = None, log=print) -> Path:
    """Install label-studio==LABEL_STUDIO_VERSION into its own venv once; returns the venv.

    A marker file is written last, so an interrupted install is redone from scratch;
    a lock file makes concurrent callers wait for one install.
    """
    home = home or ls_home()
    if is_installed(home):
        return home
    home.parent.mkdir(parents=True, exist_ok=True)
    with open(home.parent / f".{home.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_installed(home):
            return home
        if home.exists():
            shutil.rmtree(home)
        log(f"installing label-studio=={LABEL_STUDIO_VERSION} into {home} (once; a few minutes)")
        python = getattr(sys, "_base_executable", None) or sys.executable
        uv = _uv()
        package = f"label-studio=={LABEL_STUDIO_VERSION}"
        if uv:
            steps = [
                [uv, "venv", "--quiet", "--python", python, str(home)],
                [
                    uv,
                    "pip",
                    "install",
                    "--quiet",
                    "--python",
                    str(home / "bin" / "python"),
                    package,
                ],
            ]
        else:
            steps = [
                [python, "-m", "venv", str(home)],
                [str(home / "bin" / "python"), "-m", "pip", "install", "--quiet", package],
            ]
        for cmd in steps:
            proc = subprocess.run(cmd, capture_output=True, text=True, env=_clean_env())
            if proc.returncode != 0:
                last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
                raise ServerError(
                    f"installing {package} failed ({last}); check network access to PyPI "
                    f"and re-run (or set EMOCURATE_LS_HOME to a writable folder)"
                )
        (home / _READY).write_text(package + "\n")
    return home


def _clean_env() -> dict[str, str]:
    """The environment without our venv, so the server venv never sees the user's packages."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
    }
    return env


# -- state ---------------------------------------------------------------------
@dataclass
class ServerState:
    pid: int
    port: int
    url: str
    data_dir: str
    started_at: float


def server_url(workspace: Workspace) -> str:
    return str(workspace.section("label_studio").get("url", DEFAULT_URL)).rstrip("/")


def data_dir(workspace: Workspace) -> Path:
    return workspace.path(DATA_DIR)


def _state_path(workspace: Workspace) -> Path:
    return data_dir(workspace) / STATE_FILE


def read_state(workspace: Workspace) -> ServerState | None:
    path = _state_path(workspace)
    try:
        return ServerState(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _pid_is_ours(pid: int) -> bool:
    """True when `pid` is alive and is a Label Studio process (not a recycled pid)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    return b"label-studio" in cmdline or b"label_studio" in cmdline


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def server_env(workspace: Workspace, creds: credentials.Credentials) -> dict[str, str]:
    """Environment of the server process: loopback data dir, preset admin, no calls home."""
    env = _clean_env()
    env.update(
        LABEL_STUDIO_BASE_DATA_DIR=str(data_dir(workspace)),
        DJANGO_DB="sqlite",
        LABEL_STUDIO_USERNAME=creds.admin_email,
        LABEL_STUDIO_PASSWORD=creds.admin_password,
        LABEL_STUDIO_USER_TOKEN=creds.token,
        LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
        LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
        LOCAL_FILES_SERVING_ENABLED="true",
        LOCAL_FILES_DOCUMENT_ROOT=str(workspace.root),
        LATEST_VERSION_CHECK="false",
        COLLECT_ANALYTICS="false",
        SENTRY_DSN="",
        FRONTEND_SENTRY_DSN="",
    )
    return env


# -- lifecycle -----------------------------------------------------------------
def serve(workspace: Workspace, timeout: float = 300.0, log=print) -> ServerState:
    """Start the workspace's server (installing it first if needed) and wait until healthy."""
    url = server_url(workspace)
    parsed = urlparse(url)
    if parsed.hostname not in ("127.0.0.1", "localhost"):
        raise UsageError(
            f"[label_studio] url = {url!r}: `annotate serve` runs a server on 127.0.0.1 only; "
            "use http://127.0.0.1:PORT (or run your own server and skip serve)"
        )
    port = parsed.port or 80
    creds = credentials.load_or_create(workspace)
    state = read_state(workspace)
    if state and _pid_is_ours(state.pid):
        with LabelStudio(state.url, creds.token) as client:
            if client.healthy():
                return state
        _wait_healthy(workspace, state, creds, timeout)
        return state
    if not _port_free(port):
        raise UsageError(
            f"port {port} on 127.0.0.1 is busy: stop what uses it, or set another port in "
            f'emocurate.toml ([label_studio] url = "http://127.0.0.1:{port + 1}")'
        )
    home = install(log=log)
    folder = data_dir(workspace)
    folder.mkdir(parents=True, exist_ok=True)
    workspace.path("clips").mkdir(exist_ok=True)
    logs = workspace.path("logs")
    logs.mkdir(exist_ok=True)
    cmd = [
        str(home / "bin" / "python"), "-m", "label_studio.server", "start",
        "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    with open(logs / LOG_FILE, "ab") as out:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=folder,
            env=server_env(workspace, creds),
            start_new_session=True,  # its own process group: `stop` ends it and its children
        )
    state = ServerState(proc.pid, port, url, str(folder), time.time())
    atomic_write_bytes(_state_path(workspace), json.dumps(state.__dict__).encode())
    _wait_healthy(workspace, state, creds, timeout, proc)
    return state


def _wait_healthy(
    workspace: Workspace,
    state: ServerState,
    creds: credentials.Credentials,
    timeout: float,
    proc: subprocess.Popen | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    with LabelStudio(state.url, creds.token) as client:
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                _state_path(workspace).unlink(missing_ok=True)
                raise ServerError(
                    f"Label Studio exited during start-up ({_last_log_line(workspace, creds)}); "
                    f"see {workspace.path('logs', LOG_FILE)}"
                )
            if client.healthy():
                try:
                    client.whoami()
                    return
                except LabelStudioError:
                    pass  # the admin is created just after /health answers
            time.sleep(1.0)
    raise ServerError(
        f"Label Studio did not become healthy at {state.url} within {timeout:.0f} s; "
        f"see {workspace.path('logs', LOG_FILE)} (a first start runs migrations: ~1-2 min)"
    )


def _last_log_line(workspace: Workspace, creds: credentials.Credentials) -> str:
    try:
        lines = workspace.path("logs", LOG_FILE).read_text(errors="replace").strip().splitlines()
    except OSError:
        return "no log"
    return creds.redact(lines[-1][:200]) if lines else "no log"


def stop(workspace: Workspace, timeout: float = 30.0) -> bool:
    """Stop the server this workspace started; False when none was running."""
    state = read_state(workspace)
    if state is None:
        return False
    running = _pid_is_ours(state.pid)
    if running:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(state.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _pid_is_ours(state.pid) and time.monotonic() < deadline:
            _reap(state.pid)
            time.sleep(0.2)
        if _pid_is_ours(state.pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(state.pid, signal.SIGKILL)
            time.sleep(0.5)
        _reap(state.pid)
    _state_path(workspace).unlink(missing_ok=True)
    return running


def _reap(pid: int) -> None:
    """Collect the exit status when the server is our own child (avoids a zombie)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def status(workspace: Workspace) -> dict[str, object]:
    """What is known about the server: running, healthy, URL, pid, install location."""
    state = read_state(workspace)
    url = state.url if state else server_url(workspace)
    running = bool(state and _pid_is_ours(state.pid))
    with LabelStudio(url, None) as client:
        healthy = client.healthy()
    return {
        "url": url,
        "running": running,
        "healthy": healthy,
        "pid": state.pid if running and state else None,
        "installed": is_installed(),
        "install_dir": str(ls_home()),
        "data_dir": str(data_dir(workspace)),
    }


def client(workspace: Workspace) -> LabelStudio:
    """An admin client for the workspace's server (URL from state or emocurate.toml)."""
    creds = credentials.load(workspace)
    state = read_state(workspace)
    return LabelStudio(state.url if state else server_url(workspace), creds.token)
