"""Several server processes on one port, each listening on a socket of its own (``SO_REUSEPORT``).

``corridor serve --workers N`` runs N uvicorn servers of the app. uvicorn's own ``--workers`` hands all of them
one listening socket: whichever process wakes first accepts every connection then waiting, so clients that
connect together (a pool of keep-alive connections) stay on one process while the others idle; 50 such clients
were measured 46 on one process and 4 on the other, which left one core answering nearly every request. Here
each process binds the port itself with ``SO_REUSEPORT`` and the kernel hands each new connection to one of the
sockets by a hash of its addresses, so connections spread evenly over the processes.

The parent only supervises: it starts the processes, starts another in place of one that dies, and stops them all
on SIGINT or SIGTERM (each finishes the requests it holds, as uvicorn does). A process that cannot start (the app
fails to load, the port is taken by another program) stops them all, as uvicorn does.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import threading
from typing import Any

__all__ = ["APP", "STARTUP_FAILURE", "serve_workers", "shared_port_socket"]

#: the app each process serves: the factory that reads its settings from the environment
APP = "corridor.api.app:app_from_environment"
#: exit status of a process that could not start serving (uvicorn's own)
STARTUP_FAILURE = 3
#: seconds a process is given to finish its requests once told to stop, before it is killed
STOP_SECONDS = 30.0


def shared_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` that other processes of this user may bind too (not listening yet).

    The kernel hands connections only to the sockets that listen: uvicorn makes this one listen once the app has
    started (warm, :mod:`corridor.api.preload`), so that no connection waits on a process still starting.

    Raises
    ------
    OSError
        If the address is not one of this machine's, or another program (without ``SO_REUSEPORT``) holds the port.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _serve(app: str, host: str, port: int, timeout_keep_alive: int) -> None:
    """One server process: its own socket on the port, then uvicorn on it until told to stop."""
    import uvicorn

    try:
        sock = shared_port_socket(host, port)
    except OSError as error:
        print(f"corridor serve: cannot listen on {host}:{port}: {error}", file=sys.stderr)
        sys.exit(STARTUP_FAILURE)
    config = uvicorn.Config(app, factory=True, log_level="warning", timeout_keep_alive=timeout_keep_alive)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    if not server.started:
        sys.exit(STARTUP_FAILURE)


def serve_workers(workers: int, host: str, port: int, *, app: str = APP, timeout_keep_alive: int = 5) -> int:
    """Serve ``app`` (an import string of an app factory) from ``workers`` processes until SIGINT or SIGTERM.

    Returns the exit status: 0 once stopped, :data:`STARTUP_FAILURE` if a process could not start serving.
    """
    context = multiprocessing.get_context("spawn")  # a fresh interpreter each: no state, threads or locks inherited
    stop = threading.Event()
    failed = False

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}

    def start() -> Any:
        process = context.Process(target=_serve, args=(app, host, port, timeout_keep_alive), name="corridor-server")
        process.start()
        return process

    processes = [start() for _ in range(workers)]
    try:
        while not stop.wait(0.5):
            for i, process in enumerate(processes):
                if process.is_alive():
                    continue
                if process.exitcode == STARTUP_FAILURE:
                    failed = True
                    stop.set()
                    break
                processes[i] = start()  # died while serving: another in its place
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests it holds
        for process in processes:
            process.join(STOP_SECONDS)
            if process.is_alive():
                process.kill()
                process.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return STARTUP_FAILURE if failed else 0
