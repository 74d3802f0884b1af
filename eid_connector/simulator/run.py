"""Start both eID simulators on 127.0.0.1 (development: `make run`; tests).

They always bind the loopback interface: nothing here can be reached from another
machine, whatever the ports.
"""
from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from pathlib import Path

from werkzeug.serving import make_server

from . import cards
from .client import EID_CLIENT_PATH, EID_CLIENT_PORT, create_eid_client_app
from .devkeys import DevKeys, ensure_dev_keys
from .server import CONTROL_PATH, SOAP_PATH, create_eid_server_app

HOST = "127.0.0.1"


class ServedApp:
    """A port on 127.0.0.1, bound at once (a taken port raises OSError here), serving
    a WSGI app from a daemon thread after start(app). The app may need the URL, which
    with port 0 is known only after binding."""

    def __init__(self, port: int = 0):
        self.app = None
        # Bound here rather than by werkzeug, which answers a taken port with sys.exit().
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # quick restarts
            sock.bind((HOST, port))
            sock.listen(128)
            # werkzeug duplicates the descriptor; ours is closed below either way.
            self._server = make_server(HOST, sock.getsockname()[1], self._dispatch, threaded=True,
                                       fd=sock.fileno())
        finally:
            sock.close()
        self.port = self._server.port
        self.url = f"http://{HOST}:{self.port}"
        self._thread: threading.Thread | None = None

    def _dispatch(self, environ, start_response):
        return self.app(environ, start_response)

    def start(self, app) -> "ServedApp":
        self.app = app
        # A short poll interval keeps stop() quick.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"eid-simulator-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()


@dataclass
class Simulators:
    keys: DevKeys
    eid_server: ServedApp
    eid_client: ServedApp

    @property
    def eid_server_url(self) -> str:
        """The SOAP endpoint, for EidServerClient(server_url=...)."""
        return self.eid_server.url + SOAP_PATH

    @property
    def eid_client_url(self) -> str:
        """For tctoken.client_url(tc_token_url, eid_client_url=...)."""
        return self.eid_client.url + EID_CLIENT_PATH

    @property
    def control_url(self) -> str:
        """POST minor=... here to force the next ResultMinor (see server.py)."""
        return self.eid_server.url + CONTROL_PATH

    def pseudonym(self, card_id: str) -> str:
        """The pseudonym (restricted ID, hex) the test card presents to the development
        eService, as the Servicekonto receives it."""
        sector = cards.eservice_sector(self.keys.server_key_pem, self.keys.eservice_cert_pem)
        return cards.restricted_id(card_id, sector).hex()

    def stop(self) -> None:
        self.eid_client.stop()
        self.eid_server.stop()


def start_simulators(eid_server_port: int = 0, client_port: int = EID_CLIENT_PORT, *,
                     keys_dir: Path | str) -> Simulators:
    """Start the eID-Server simulator and the eID-Client simulator (port 0 = a free port).

    The eID-Server simulator trusts the development eService certificate in `keys_dir`;
    the Servicekonto signs its requests with `keys.eservice_key_pem` and pins
    `keys.server_cert_pem`. Raises OSError if a port is taken (24727 is taken by a
    running AusweisApp); then nothing stays bound.
    """
    keys = ensure_dev_keys(keys_dir)
    server = ServedApp(eid_server_port)
    try:
        client = ServedApp(client_port)
    except OSError:
        server.stop()
        raise
    server.start(create_eid_server_app(keys.server_key_pem, keys.server_cert_pem, keys.eservice_cert_pem,
                                       server.url))
    client.start(create_eid_client_app())
    return Simulators(keys, server, client)
