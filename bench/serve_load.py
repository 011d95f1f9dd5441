"""Load test for `parscore serve`: 20 concurrent clients scoring for 30 s on loopback.

Run by hand (not part of the test suite):  .venv/bin/python bench/serve_load.py [CLIENTS] [SECONDS]

Starts `parscore serve` on a free loopback port, then CLIENTS threads each POST the Cà Mau
facts file to /api/score in a loop (keep-alive connections) until SECONDS have passed or a
client has made 100,000 requests, whichever comes first; every answer must be 200 and
byte-identical to the first one. Prints requests, errors, throughput and latency
percentiles (p50, p95, p99, max), then stops the server with Ctrl-C (SIGINT).
"""
from __future__ import annotations

import http.client
import json
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FACTS = ROOT / "fixtures" / "ca-mau-2025" / "weaknesses.yaml"
MAX_PER_CLIENT = 100_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    clients = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "parscore", "serve", "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    print("the server did not start", file=sys.stderr)
                    return 1
                time.sleep(0.2)
        body = json.dumps({"facts": FACTS.read_text(encoding="utf-8"), "peers": "peers-2024", "units": "ca-mau-2025"}).encode()
        latencies: list[list[float]] = [[] for _ in range(clients)]
        errors: list[str] = []
        answers: set[bytes] = set()
        lock = threading.Lock()
        start = time.monotonic()
        stop_at = start + seconds

        def client(k: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            for _ in range(MAX_PER_CLIENT):
                if time.monotonic() >= stop_at:
                    break
                t0 = time.perf_counter()
                try:
                    conn.request("POST", "/api/score", body=body, headers={"Content-Type": "application/json"})
                    resp = conn.getresponse()
                    data = resp.read()
                except (OSError, http.client.HTTPException) as exc:
                    with lock:
                        errors.append(f"client {k}: {type(exc).__name__}: {exc}")
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    continue
                latencies[k].append(time.perf_counter() - t0)
                with lock:
                    if resp.status != 200:
                        errors.append(f"client {k}: HTTP {resp.status}")
                    answers.add(data)
            conn.close()

        threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start
        lat = sorted(x for per in latencies for x in per)
        if not lat:
            print("no request completed", file=sys.stderr)
            return 1

        def q(p: float) -> float:
            return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000

        print(f"clients {clients}, {elapsed:.1f} s, requests {len(lat)}, errors {len(errors)}, "
              f"distinct answers {len(answers)}, {len(lat) / elapsed:.1f} req/s")
        print(f"latency ms: p50 {q(0.50):.0f}, p95 {q(0.95):.0f}, p99 {q(0.99):.0f}, max {lat[-1] * 1000:.0f}, "
              f"mean {statistics.fmean(lat) * 1000:.0f}")
        for e in errors[:5]:
            print("  " + e)
        return 0 if not errors and len(answers) == 1 else 1
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    raise SystemExit(main())
