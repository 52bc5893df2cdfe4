"""The load generator of bench/receiver_bench.py: prepared HTTP/1.1 requests sent from many clients
on one asyncio loop (Python threads with http.client cost more CPU than the server under test
on two cores; this costs about 0.25 ms per request), and the CPU each process kind used.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter

HOST = "127.0.0.1"


def raw_request(method: str, path: str, body: bytes = b"", headers=None) -> bytes:
    """One HTTP/1.1 request, ready to send on a new connection (closed after the answer)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _send(port: int, request: bytes) -> tuple[float, int]:
    """One request on a new connection; done when the answer's Content-Length bytes are in
    (as for any HTTP client: the server may still be closing the connection)."""
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        status = int(head[9:12]) if head.startswith(b"HTTP/1.") else 0
        writer.close()
    except (OSError, ValueError, asyncio.IncompleteReadError):
        status = 0
    return time.perf_counter() - started, status


async def _load(port: int, requests: list[bytes], concurrency: int):
    pending = iter(requests)
    latencies: list[float] = []
    errors = 0

    async def client() -> None:
        nonlocal errors
        for request in pending:  # shared: each client takes the next unsent request
            latency, status = await _send(port, request)
            latencies.append(latency)
            errors += status != 200

    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(client() for _ in range(concurrency))), 600)
    return latencies, time.perf_counter() - started, errors


def run_level(port: int, concurrency: int, requests: list[bytes]):
    """Send `requests` (prepared bytes, so the load generator only sends and reads) from
    `concurrency` clients on one asyncio loop; returns latencies (s), elapsed (s), errors."""
    return asyncio.run(_load(port, requests, concurrency))


def cpu_seconds() -> Counter:
    """CPU seconds used so far by the processes of the run, by kind (Linux /proc): gunicorn,
    postgres (every server process: backends, WAL writer...), redis, qcluster, and this script
    (the load generator). Processes that ended since are not counted."""
    tick = os.sysconf("SC_CLK_TCK")
    used: Counter = Counter()
    for pid in os.listdir("/proc") if os.path.isdir("/proc") else []:
        try:
            with open(f"/proc/{pid}/stat") as stat, open(f"/proc/{pid}/cmdline", "rb") as cmd:
                fields = stat.read().rsplit(")", 1)[1].split()
                command = cmd.read().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError):
            continue
        if "gunicorn" in command:
            kind = "gunicorn"
        elif "qcluster" in command:
            kind = "qcluster"
        elif command.startswith("postgres"):
            kind = "postgres"
        elif "redis-server" in command:
            kind = "redis"
        elif pid == str(os.getpid()):
            kind = "client"
        else:
            continue
        used[kind] += (int(fields[11]) + int(fields[12])) / tick
    return used


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
