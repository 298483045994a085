"""What connec_sync.clients.direct_sending does on its own connections
(connec_sync.clients.keep_alive), each against requests' own path on the same server: answers
compressed, connections the server closes (after an answer, while idle, or before answering),
and TLS, verified or refused."""

from __future__ import annotations

import gzip
import re
import socket
import ssl
import subprocess
import threading
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from urllib3.exceptions import InsecureRequestWarning

from connec_sync.clients.direct_sending import Received
from connec_sync.clients.errors import TransientTargetError
from connec_sync.clients.http import JsonSession, RateGate

#: one answer: 200, JSON, {"a": 1} (its body, then what follows the headers)
BODY = b'{"a": 1}'


def _answer(body: bytes = BODY, *headers: str) -> bytes:
    head = ["HTTP/1.1 200 OK", "Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join([*head, *headers]) + "\r\n\r\n").encode() + body


class RawServer:
    """A loopback HTTP/1.1 server scripted per connection: `script(connection, number)` reads
    requests and writes answers on the accepted socket, then the socket is closed."""

    def __init__(self, script: Callable[[socket.socket, int], None], tls: Any = None) -> None:
        self.script, self.tls = script, tls
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._one, args=(sock, self.connections), daemon=True).start()

    def _one(self, sock: socket.socket, number: int) -> None:
        try:
            if self.tls is not None:
                sock = self.tls.wrap_socket(sock, server_side=True)
            self.script(sock, number)
        except (OSError, ssl.SSLError):
            pass
        finally:
            sock.close()

    def close(self) -> None:
        self.listener.close()


def read_request(sock: socket.socket) -> bytes:
    """One request's head and body (by its Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head


@pytest.fixture
def serve() -> Iterator[Callable[..., RawServer]]:
    servers: list[RawServer] = []

    def start(script: Callable[[socket.socket, int], None], tls: Any = None) -> RawServer:
        servers.append(RawServer(script, tls))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _both(url: str, verify: Any = True) -> list[Any]:
    """The outcome of a GET to `url` sent our way, then the library's way."""
    outcomes = []
    for library in (False, True):
        http = JsonSession("partner", 2.0, RateGate(), headers={"Authorization": "Bearer t"})
        http.session.verify = verify
        if library:
            http.sending.send = http.sending.library  # type: ignore[method-assign]
        try:
            answer = http.request("GET", f"{url}/c", account="a")
            outcomes.append((answer.status, answer.body))
        except TransientTargetError as error:
            outcomes.append((type(error), re.sub(r"0x[0-9a-f]+", "0x", str(error))))
        finally:
            http.close()
    return outcomes


@pytest.mark.parametrize(
    ("coding", "encoded"),
    [
        ("gzip", gzip.compress(BODY)),
        ("gzip", gzip.compress(BODY[:3]) + gzip.compress(BODY[3:])),  # two members
        ("deflate", zlib.compress(BODY)),
        ("deflate", zlib.compress(BODY)[2:-4]),  # raw deflate, as some servers send it
    ],
)
def test_a_compressed_answer_is_decoded_as_requests_decodes_it(serve, coding, encoded) -> None:
    def script(sock: socket.socket, _: int) -> None:
        while read_request(sock):
            sock.sendall(_answer(encoded, f"Content-Encoding: {coding}"))

    server = serve(script)
    assert _both(server.url) == [(200, {"a": 1})] * 2


def test_an_answer_that_closes_its_connection_is_not_kept(serve) -> None:
    def script(sock: socket.socket, _: int) -> None:
        read_request(sock)
        sock.sendall(_answer(BODY, "Connection: close"))

    server = serve(script)
    http = JsonSession("partner", 2.0, RateGate())
    prepared = http.preparation.prepared("GET", f"{server.url}/c")
    answers = [http.sending.send(prepared, 2.0) for _ in range(3)]
    assert all(isinstance(a, Received) and a.status_code == 200 for a in answers)
    assert server.connections == 3
    (origin,) = http.sending._origins.values()
    assert origin._idle == []
    http.close()


def test_a_kept_connection_the_server_closed_while_idle_is_replaced(serve) -> None:
    closed = threading.Semaphore(0)

    def script(sock: socket.socket, _: int) -> None:
        read_request(sock)
        sock.sendall(_answer())  # kept alive by the client, closed here without a word
        sock.close()
        closed.release()

    server = serve(script)
    http = JsonSession("partner", 2.0, RateGate())
    for _ in range(3):
        assert http.request("GET", f"{server.url}/c", account="a").body == {"a": 1}
        assert closed.acquire(timeout=5)  # the server closed it before the next request
    assert server.connections == 3  # each closed connection was noticed before it was used
    http.close()


def test_a_connection_closed_before_the_answer_fails_as_with_the_session(serve) -> None:
    def script(sock: socket.socket, _: int) -> None:
        read_request(sock)  # and closed without answering

    server = serve(script)
    ours, theirs = _both(server.url)
    assert ours == theirs
    assert ours[0] is TransientTargetError and "Connection aborted." in ours[1]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A self-signed certificate for 127.0.0.1 (its key beside it)."""
    folder = tmp_path_factory.mktemp("tls") / "ca"  # the certificate alone (its key above)
    folder.mkdir()
    subprocess.run(  # noqa: S603
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",  # noqa: S607
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(folder.parent / "key.pem"),
            "-out",
            str(folder / "cert.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    # a folder of CA certificates is read by their hashed names, as `openssl rehash` links them
    subprocess.run(["openssl", "rehash", str(folder)], check=True, timeout=60)  # noqa: S603,S607
    return folder / "cert.pem"


def _tls_server(serve: Callable[..., RawServer], certificate: Path) -> RawServer:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, certificate.parent.parent / "key.pem")

    def script(sock: socket.socket, _: int) -> None:
        while read_request(sock):
            sock.sendall(_answer())

    return serve(script, tls=context)


def test_tls_verified_with_the_sessions_ca_answers_as_with_the_session(serve, certificate) -> None:
    server = _tls_server(serve, certificate)
    assert _both(server.url, verify=str(certificate)) == [(200, {"a": 1})] * 2
    assert _both(server.url, verify=str(certificate.parent)) == [(200, {"a": 1})] * 2
    with pytest.warns(InsecureRequestWarning) as warned:
        assert _both(server.url, verify=False) == [(200, {"a": 1})] * 2
    ours, theirs = (str(w.message) for w in warned)  # each way warns, in the same words
    assert ours == theirs


def test_tls_the_session_would_not_trust_fails_as_with_the_session(serve, certificate) -> None:
    server = _tls_server(serve, certificate)
    ours, theirs = _both(server.url, verify=True)  # certifi's bundle: not our certificate
    assert ours == theirs
    assert ours[0] is TransientTargetError and "CERTIFICATE_VERIFY_FAILED" in ours[1]


def test_a_changed_verify_is_used_for_the_next_request(serve, certificate) -> None:
    server = _tls_server(serve, certificate)
    http = JsonSession("partner", 2.0, RateGate())
    http.session.verify = str(certificate)
    assert http.request("GET", f"{server.url}/c", account="a").body == {"a": 1}
    http.session.verify = True  # certifi's bundle: the kept connection's TLS no longer holds
    with pytest.raises(TransientTargetError, match="CERTIFICATE_VERIFY_FAILED"):
        http.request("GET", f"{server.url}/c", account="a")
    http.close()
