"""Run the simulators as a threaded HTTP server, in the foreground (`manage.py simulate`) or in a thread (tests)."""

import threading
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

from .control import Control
from .wsgi import SandboxHandler


class SandboxHTTPServer(ThreadedWSGIServer):
    """Threaded, quick to stop (no joining of keep-alive threads), never touching the database."""

    request_queue_size = 128
    block_on_close = False

    def _close_connections(self):
        pass


class RequestHandler(WSGIRequestHandler):
    """Django's handler with Nagle off: headers and body go out in separate writes, and on keep-alive
    connections Nagle plus delayed ACKs would add ~40 ms to every answer."""

    disable_nagle_algorithm = True


class QuietRequestHandler(RequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


@dataclass
class RunningServer:
    """A server running in a daemon thread; `base_url` has no trailing slash."""

    httpd: SandboxHTTPServer
    thread: threading.Thread
    base_url: str

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def make_server(host: str = "127.0.0.1", port: int = 0, *, quiet: bool = False) -> SandboxHTTPServer:
    handler = QuietRequestHandler if quiet else RequestHandler
    httpd = SandboxHTTPServer((host, port), handler, ipv6=":" in host)
    httpd.set_app(SandboxHandler())
    return httpd


def start_server(host: str = "127.0.0.1", port: int = 0, *, quiet: bool = True) -> RunningServer:
    """Start the simulators on host:port (0 picks a free port) in a daemon thread."""
    httpd = make_server(host, port, quiet=quiet)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="sandbox-server", daemon=True
    )
    thread.start()
    bound_host, bound_port = httpd.server_address[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    return RunningServer(httpd=httpd, thread=thread, base_url=f"http://{shown}:{bound_port}")


def stop(server: RunningServer) -> None:
    server.stop()


@dataclass
class Simulator:
    """What the test fixture hands out: the running server, its service URLs and a control client."""

    server: RunningServer
    control: Control

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def shopee_url(self) -> str:
        return f"{self.base_url}/shopee"

    @property
    def ozon_url(self) -> str:
        return f"{self.base_url}/ozon"

    @property
    def wecom_url(self) -> str:
        return f"{self.base_url}/wecom"


@contextmanager
def running_simulator(host: str = "127.0.0.1", port: int = 0):
    """Start the simulators for the duration of a with-block."""
    server = start_server(host, port)
    control = Control(server.base_url)
    try:
        yield Simulator(server=server, control=control)
    finally:
        control.close()
        server.stop()
