"""
Start and stop a local Ralph LRS (filesystem backend, fresh data directory) for development,
the demo and the real-service tests.

Ralph runs from its own virtualenv (``.venv-ralph``, from ``requirements/ralph.txt``) through
:mod:`openedx_xapi_router.devtools.ralph_server`. This module runs in OUR virtualenv and uses only
the standard library.

Shell use (``make ralph-start`` / ``make ralph-stop``)::

    python -m openedx_xapi_router.devtools.ralph_control start --work-dir var/ralph
    python -m openedx_xapi_router.devtools.ralph_control stop --work-dir var/ralph
"""
import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = PACKAGE_DIR.parent
DEFAULT_RALPH_PYTHON = REPO_ROOT / ".venv-ralph" / "bin" / "python"
DEFAULT_USERNAME = "xapi-router-dev"
SCOPES = ("statements/write", "statements/read")


class RalphUnavailable(RuntimeError):
    """Ralph could not be started: its virtualenv is missing, or it did not come up."""


@dataclass(frozen=True)
class RalphInstance:
    """
    A running Ralph LRS.

    Attributes:
        base_url: ``http://127.0.0.1:<port>``.
        statements_url: the xAPI statements resource, ``<base_url>/xAPI/statements``.
        username, password: HTTP Basic credentials with statements write and read scopes.
        pid: the server's process id.
        data_dir: the filesystem backend's directory (fresh at each start).
    """

    base_url: str
    username: str
    password: str
    pid: int
    data_dir: str

    @property
    def statements_url(self):
        return f"{self.base_url}/xAPI/statements"

    @property
    def auth(self):
        return (self.username, self.password)

    def __repr__(self):
        return f"RalphInstance(base_url={self.base_url!r}, username={self.username!r}, pid={self.pid})"


def ralph_python():
    """The Python of Ralph's virtualenv: ``$XAPI_ROUTER_RALPH_PYTHON`` or ``.venv-ralph/bin/python``."""
    return Path(os.environ.get("XAPI_ROUTER_RALPH_PYTHON", DEFAULT_RALPH_PYTHON))


def ralph_available():
    """Why Ralph cannot run here, or None when its virtualenv is in place."""
    python = ralph_python()
    if not python.exists():
        return f"Ralph's virtualenv is missing ({python} not found): run `make requirements`"
    if not (python.parent / "ralph").exists():
        return f"Ralph is not installed in {python.parent.parent}: run `make requirements`"
    return None


def _launcher_command(python, port_file):
    # Run the launcher as a module with the repository on PYTHONPATH when we are in a source
    # checkout; from an installed package, run the file itself so that our site-packages never
    # lands on Ralph's path.
    if (REPO_ROOT / "setup.py").exists():
        return [str(python), "-m", "openedx_xapi_router.devtools.ralph_server", "--port-file", str(port_file)], str(
            REPO_ROOT
        )
    return [str(python), str(PACKAGE_DIR / "devtools" / "ralph_server.py"), "--port-file", str(port_file)], None


def write_auth_file(python, auth_file, username, password):
    """Create Ralph's auth file holding one bcrypt-hashed user, with Ralph's own ``ralph auth``."""
    if auth_file.exists():
        auth_file.unlink()
    env = dict(os.environ, RALPH_AUTH_FILE=str(auth_file), RALPH_RUNSERVER_BACKEND="fs")
    command = [str(python.parent / "ralph"), "auth", "-u", username, "-p", password, "-w"]
    for scope in SCOPES:
        command += ["-s", scope]
    command += ["-M", f"mailto:{username}@example.org", "-N", username]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    if result.returncode != 0 or not auth_file.exists():
        raise RalphUnavailable(f"`ralph auth` failed ({result.returncode}): {result.stderr.strip()[-500:]}")


def start(work_dir, username=DEFAULT_USERNAME, password=None, timeout=60.0, detach=False, workers=1):
    """
    Start Ralph on 127.0.0.1 and a free port with a fresh data directory under ``work_dir``,
    served by ``workers`` uvicorn processes (more than 1: from a source checkout only).

    Waits (at most ``timeout`` seconds) until ``/__heartbeat__`` answers 200. With ``detach`` the
    server gets its own session, so it outlives this process (``make ralph-start``).
    """
    reason = ralph_available()
    if reason:
        raise RalphUnavailable(reason)
    python = ralph_python()
    work_dir = Path(work_dir).resolve()
    data_dir = work_dir / "data"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    auth_file = work_dir / "auth.json"
    port_file = work_dir / "port"
    port_file.unlink(missing_ok=True)
    password = password or secrets.token_urlsafe(18)
    write_auth_file(python, auth_file, username, password)

    command, pythonpath = _launcher_command(python, port_file)
    if workers > 1:
        command += ["--workers", str(workers)]
    env = {key: value for key, value in os.environ.items() if not key.startswith("RALPH_")}
    env.pop("PYTHONPATH", None)
    # Ralph rewrites a whole history file ($XDG_CONFIG_HOME/ralph/history.json) on every write:
    # shared by every Ralph on the machine it grows without end, slows each POST, and two Ralphs
    # writing it at once corrupt it (Ralph then answers 500). Each Ralph gets its own.
    config_home = work_dir / "config"
    config_home.mkdir(exist_ok=True)
    env.update(
        RALPH_RUNSERVER_BACKEND="fs",
        RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH=str(data_dir),
        RALPH_AUTH_FILE=str(auth_file),
        RALPH_RUNSERVER_AUTH_BACKENDS="basic",
        XDG_CONFIG_HOME=str(config_home),
    )
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    log_path = work_dir / "ralph.log"
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            command,
            cwd=str(work_dir),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=detach,
        )
    instance = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RalphUnavailable(f"Ralph exited with {process.returncode}:\n{_tail(log_path)}")
        if instance is None and port_file.exists():
            port = int(port_file.read_text(encoding="utf8"))
            instance = RalphInstance(f"http://127.0.0.1:{port}", username, password, process.pid, str(data_dir))
        if instance is not None and _heartbeat(instance.base_url):
            return instance
        time.sleep(0.1)
    _terminate(process.pid)
    raise RalphUnavailable(f"Ralph did not answer /__heartbeat__ within {timeout}s:\n{_tail(log_path)}")


def stop(pid, timeout=10.0):
    """Stop the Ralph server with this process id (SIGTERM, then SIGKILL after ``timeout``)."""
    _terminate(pid, timeout)


def _heartbeat(base_url):
    try:
        with urllib.request.urlopen(f"{base_url}/__heartbeat__", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _terminate(pid, timeout=10.0):
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return


def _alive(pid):
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        if reaped == pid:
            return False
    except ChildProcessError:
        pass  # not our child: fall back to probing with signal 0
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _tail(path, lines=30):
    try:
        return "\n".join(Path(path).read_text(encoding="utf8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _state_file(work_dir):
    return Path(work_dir) / "ralph.json"


def _command_start(args):
    state_file = _state_file(args.work_dir)
    if state_file.exists():
        state = json.loads(state_file.read_text(encoding="utf8"))
        if _alive(state["pid"]):
            print(f"Ralph is already running (pid {state['pid']}); `make ralph-stop` first for a fresh one.")
            _print_state(state)
            return 0
    instance = start(args.work_dir, detach=True)
    state = {
        "pid": instance.pid,
        "base_url": instance.base_url,
        "statements_url": instance.statements_url,
        "username": instance.username,
        "password": instance.password,
        "data_dir": instance.data_dir,
    }
    state_file.write_text(json.dumps(state, indent=2), encoding="utf8")
    state_file.chmod(0o600)
    (Path(args.work_dir) / "ralph.pid").write_text(str(instance.pid), encoding="utf8")
    print("Ralph LRS started (filesystem backend, fresh data directory).")
    _print_state(state)
    return 0


def _print_state(state):
    print(f"  statements URL: {state['statements_url']}")
    print(f"  username:       {state['username']}")
    print(f"  password:       {state['password']}")
    print(f"  data dir:       {state['data_dir']}")
    print(f"  pid:            {state['pid']}")


def _command_stop(args):
    state_file = _state_file(args.work_dir)
    pid_file = Path(args.work_dir) / "ralph.pid"
    if not pid_file.exists():
        print("Ralph is not running (no pid file).")
        return 0
    pid = int(pid_file.read_text(encoding="utf8"))
    stop(pid)
    pid_file.unlink(missing_ok=True)
    state_file.unlink(missing_ok=True)
    print(f"Ralph (pid {pid}) stopped.")
    return 0


def main(argv=None):
    """``start`` or ``stop`` a detached local Ralph whose state lives in ``--work-dir``."""
    parser = argparse.ArgumentParser(description="Start or stop a local Ralph LRS.")
    parser.add_argument("action", choices=("start", "stop"))
    parser.add_argument("--work-dir", default=str(REPO_ROOT / "var" / "ralph"))
    args = parser.parse_args(argv)
    Path(args.work_dir).mkdir(parents=True, exist_ok=True)
    try:
        return _command_start(args) if args.action == "start" else _command_stop(args)
    except RalphUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
