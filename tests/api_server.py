"""A real uvicorn server with the API, on a free port of 127.0.0.1, in a thread."""

import socket
import threading
import time
from contextlib import contextmanager

import uvicorn

from pipelines.api.app import create_app
from pipelines.settings import Folders


@contextmanager
def serving(url: str, folders: Folders, host: str = "127.0.0.1"):
    """Yield the base URL of an API server on `url`'s database; stopped afterwards."""
    sock = socket.socket()
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(url, folders), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.05)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
