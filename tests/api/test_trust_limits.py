"""Attacks on the service's limits, performed against a real server and seen to fail (issue 15, RELIABILITY.md):
a chunked body far over the limit, X-Forwarded-For rotated to dodge rate limits, and a burst of sign-ins to
exhaust memory with Argon2."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time

import httpx

from tests.builders.servers import free_port, serving
from tests.conftest import MASTER_KEY

PASSWORD = "correct horse battery staple"


def make_app(tmp_path, **settings):
    from ledger.api.main import create_app
    from ledger.app.ledger import Ledger
    from ledger.settings import Settings

    ledger = Ledger(Settings(database_url=f"sqlite:///{tmp_path / 'r.db'}", master_key=MASTER_KEY, **settings))
    return ledger, create_app(ledger, worker="followers")


def test_a_chunked_body_over_the_limit_is_refused_after_the_limit_not_read_to_the_end(tmp_path):
    ledger, app = make_app(tmp_path)
    port = free_port()
    try:
        with serving(app, port):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(
                b"POST /credentials/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            chunk = b"{" + b" " * 65_534 + b"\n"
            sent = 0
            sock.settimeout(0.5)
            answer = b""
            try:
                while sent < 24 * 1024 * 1024:  # 24 MB, as the attacker sent
                    sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                    sent += len(chunk)
                    try:
                        answer += sock.recv(65536)
                        if answer:
                            break
                    except TimeoutError:
                        continue
            except (BrokenPipeError, ConnectionResetError):
                pass
            sock.settimeout(5)
            try:
                while b"\r\n\r\n" not in answer:
                    more = sock.recv(65536)
                    if not more:
                        break
                    answer += more
            except (TimeoutError, ConnectionResetError):
                pass
            sock.close()
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert sent < 4 * 1024 * 1024, f"the server read {sent} bytes before refusing"
    finally:
        ledger.close()


def test_rotating_x_forwarded_for_does_not_dodge_the_sign_in_throttle(tmp_path):
    ledger, app = make_app(tmp_path, rate_login_per_minute=5)
    port = free_port()
    try:
        with serving(app, port) as url:
            codes = [
                httpx.post(
                    f"{url}/api/token",
                    data={"email": "nobody@example.org", "password": "x" * 12},
                    headers={"X-Forwarded-For": f"10.0.0.{i}"},
                ).status_code
                for i in range(12)
            ]
        assert codes.count(429) >= 6, codes
    finally:
        ledger.close()


def test_a_trusted_proxy_s_forwarded_address_is_what_the_throttle_counts(tmp_path):
    ledger, app = make_app(tmp_path, rate_login_per_minute=5, trusted_proxies="127.0.0.1")
    port = free_port()
    try:
        with serving(app, port) as url:
            codes = [
                httpx.post(
                    f"{url}/api/token",
                    data={"email": "nobody@example.org", "password": "x" * 12},
                    headers={"X-Forwarded-For": f"10.0.0.{i}"},
                ).status_code
                for i in range(12)
            ]
        assert 429 not in codes, codes  # twelve clients behind the proxy, each within its own limit
    finally:
        ledger.close()


def test_a_burst_of_sign_ins_cannot_exhaust_memory(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "REGLEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}",
        "REGLEDGER_MASTER_KEY": MASTER_KEY,
        "REGLEDGER_RATE_LOGIN_PER_MINUTE": "100000",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "ledger.cli", "serve", "--port", str(port), "--quiet"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
            time.sleep(0.2)

        def peak_mb() -> float:
            for line in open(f"/proc/{server.pid}/status"):
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
            raise AssertionError("no VmHWM")

        before = peak_mb()
        codes: list[int] = []

        def sign_in(n: int) -> None:
            codes.append(
                httpx.post(
                    f"{base}/api/token", timeout=120, data={"email": f"attacker{n}@example.org", "password": "y" * 20}
                ).status_code
            )

        threads = [threading.Thread(target=sign_in, args=(n,)) for n in range(32)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        grown = peak_mb() - before
        assert sorted(set(codes)) in ([401], [401, 503], [503]), codes
        assert grown < 400, f"32 concurrent sign-ins raised the server's peak memory by {grown:.0f} MB"
    finally:
        server.terminate()
        server.wait(30)


def test_a_client_that_sends_its_headers_slowly_is_cut_off(tmp_path, monkeypatch):
    import uvicorn

    from ledger.api import protocol

    monkeypatch.setattr(protocol, "HEADER_SECONDS", 1.0)
    ledger, app = make_app(tmp_path)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", http=protocol.BoundedHeaders, proxy_headers=False
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        slow = socket.create_connection(("127.0.0.1", port))
        slow.settimeout(5)
        started = time.monotonic()
        closed_after = None
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 20:
            try:
                slow.sendall(bytes([byte]))
                time.sleep(0.2)
                slow.setblocking(False)
                try:
                    if slow.recv(1) == b"":
                        closed_after = time.monotonic() - started
                        break
                except BlockingIOError:
                    pass
                finally:
                    slow.setblocking(True)
            except (BrokenPipeError, ConnectionResetError):
                closed_after = time.monotonic() - started
                break
        assert closed_after is not None and closed_after < 4, closed_after
        # a client that sends its request at once is served as ever, twice on one connection
        with httpx.Client() as client:
            assert client.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
            time.sleep(1.5)
            assert client.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
    finally:
        server.should_exit = True
        thread.join(10)
        ledger.close()
