"""A fault proxy (chaos/proxy.py) in a process of its own, so that it forwards at its own pace
whatever the harness does: the harness's sender threads and request-log poller share its
interpreter, and the partition row's proxies carry the Erlang distribution traffic, whose ticks
must arrive within seconds (an 8 s net_ticktime) or the nodes take each other for gone.

`python -m chaos.proxy_process HOST PORT` prints the port it listens on, then reads one command
per line on stdin (`<mode> [latency_s]`, as `FaultProxy.set_mode` takes them), answering `ok`
(or `error <text>`) on stdout after each; it ends when stdin closes.
"""

from __future__ import annotations

import subprocess
import sys

from chaos.proxy import MODES, FaultProxy

#: seconds to wait for the proxy process to answer a command
ANSWER_S = 10.0


class ProxyProcess:
    """Same interface as FaultProxy (`start`, `port`, `set_mode`, `stop`), served by a child
    process."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.mode = "pass"
        self._popen: subprocess.Popen[str] | None = None

    def start(self) -> ProxyProcess:
        command = [sys.executable, "-m", "chaos.proxy_process", *map(str, self.target)]
        self._popen = subprocess.Popen(  # noqa: S603 (our own module)
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        self.port = int(self._answer())
        return self

    def set_mode(self, mode: str, latency_s: float = 0.0) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown proxy mode {mode!r}; one of {MODES}")
        assert self._popen is not None and self._popen.stdin is not None, "start() first"
        self._popen.stdin.write(f"{mode} {latency_s}\n")
        self._popen.stdin.flush()
        answer = self._answer()
        if answer != "ok":
            raise RuntimeError(f"the proxy process refused {mode!r}: {answer}")
        self.mode = mode

    def stop(self) -> None:
        if self._popen is None:
            return
        if self._popen.stdin is not None:
            self._popen.stdin.close()
        try:
            self._popen.wait(ANSWER_S)
        except subprocess.TimeoutExpired:
            self._popen.kill()
            self._popen.wait(ANSWER_S)
        if self._popen.stdout is not None:
            self._popen.stdout.close()
        self._popen = None

    def _answer(self) -> str:
        assert self._popen is not None and self._popen.stdout is not None
        line = self._popen.stdout.readline()
        if not line:
            raise RuntimeError(f"the proxy process to {self.target} ended")
        return line.strip()


def serve(target_host: str, target_port: int) -> None:
    """The child's side: one FaultProxy, driven by stdin until it closes."""
    proxy = FaultProxy(target_host, target_port).start()
    print(proxy.port, flush=True)
    try:
        for line in sys.stdin:
            mode, _, latency = line.strip().partition(" ")
            try:
                proxy.set_mode(mode, float(latency or 0))
            except (ValueError, TimeoutError) as error:
                print(f"error {error}", flush=True)
            else:
                print("ok", flush=True)
    finally:
        proxy.stop()


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
