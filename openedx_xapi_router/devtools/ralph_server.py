"""
Serve Ralph's LRS API with uvicorn on 127.0.0.1, for development and real-service tests.

Runs INSIDE Ralph's own virtualenv (``.venv-ralph``) with this repository on PYTHONPATH, so it
imports only Ralph, uvicorn and the standard library. Configure Ralph with its environment
variables (``RALPH_RUNSERVER_BACKEND=fs``, ``RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH``,
``RALPH_AUTH_FILE``); :mod:`openedx_xapi_router.devtools.ralph_control` sets them.

Usage::

    python -m openedx_xapi_router.devtools.ralph_server [--host 127.0.0.1] [--port 0] [--port-file F]
        [--workers N]

Port 0 picks a free port; the chosen port is written to ``--port-file`` once the socket is bound.
``--workers N`` serves the socket from N uvicorn worker processes (uvicorn's ``Multiprocess``
supervisor; each worker imports :func:`patched_app`, so each has the backend patch below). Each
worker then writes its own data file (``fs_lrs-<pid>.jsonl``) and history file: Ralph's filesystem
backend appends without a lock, and processes appending to one file at once interleave lines (Ralph then answers
500). So with several workers a GET sees only the statements its worker stored: for throughput
benchmarks, not for reading statements back.
"""
import argparse
import os
import socket
import sys


#: Set (by :func:`main`, for ``--workers`` above 1) so that each worker process has its own data file.
FILE_PER_WORKER = "XAPI_ROUTER_RALPH_FILE_PER_WORKER"


def patch_fs_backend():
    """
    Make Ralph's filesystem LRS backend append to its data file.

    Ralph 5.1's ``FSLRSBackend`` writes with ``BaseOperationType.CREATE``, which refuses to write
    to a file that exists: every POST after the first in a data directory fails with HTTP 500.
    """
    # pylint: disable=import-error,import-outside-toplevel
    from ralph.backends.data.base import BaseOperationType
    from ralph.backends.lrs.fs import FSLRSBackend

    FSLRSBackend.default_operation_type = BaseOperationType.APPEND


def patched_app():
    """Ralph's ASGI app with :func:`patch_fs_backend` applied (the factory each worker process imports)."""
    if os.environ.get(FILE_PER_WORKER):
        os.environ["RALPH_BACKENDS__LRS__FS__DEFAULT_LRS_FILE"] = f"fs_lrs-{os.getpid()}.jsonl"
        # Ralph rewrites its history file ($XDG_CONFIG_HOME/ralph/history.json) on every write: two
        # processes writing one corrupt it (500). Each worker gets its own.
        config_home = os.path.join(os.environ.get("XDG_CONFIG_HOME", "."), f"worker-{os.getpid()}")
        os.makedirs(config_home, exist_ok=True)
        os.environ["XDG_CONFIG_HOME"] = config_home
    patch_fs_backend()
    from ralph.api import app  # pylint: disable=import-error,import-outside-toplevel

    return app


def main(argv=None):
    """Bind the socket, report the port, and serve until terminated."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--log-level", default="warning")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    args = parser.parse_args(argv)

    patch_fs_backend()
    import uvicorn  # pylint: disable=import-error,import-outside-toplevel

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(128)
    port = sock.getsockname()[1]
    if args.port_file:
        tmp = f"{args.port_file}.tmp"
        with open(tmp, "w", encoding="utf8") as handle:
            handle.write(str(port))
        os.replace(tmp, args.port_file)
    print(f"Ralph LRS listening on http://{args.host}:{port}", flush=True)

    if args.workers > 1:
        from uvicorn.supervisors import Multiprocess  # pylint: disable=import-error,import-outside-toplevel

        os.environ[FILE_PER_WORKER] = "1"  # the spawned workers inherit it
        config = uvicorn.Config("openedx_xapi_router.devtools.ralph_server:patched_app", factory=True,
                                log_level=args.log_level, proxy_headers=False, workers=args.workers)
        Multiprocess(config, target=uvicorn.Server(config).run, sockets=[sock]).run()
        return 0
    config = uvicorn.Config("ralph.api:app", log_level=args.log_level, proxy_headers=False)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
