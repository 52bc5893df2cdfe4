"""Fault: Redis unreachable from the webhook receiver while deliveries arrive, then back.

    .venv/bin/python bench/redis_outage.py                       # 30 deliveries in the outage
    .venv/bin/python bench/redis_outage.py --during 5 --before 3 --after 3

Guide runs as in production: gunicorn, PostgreSQL (--database, recreated from the migrated
template), a realtime `qcluster` on Redis. gunicorn reaches Redis only through a TCP proxy in
this script, which can be cut (its port closed, open connections dropped) and restored: Redis
is unreachable at the receiver, as in a network partition between the web tier and Redis,
while the cluster keeps its own connection.

1. --before signed candidateStageChange deliveries with Redis reachable: applied at once.
2. The proxy is cut; --during deliveries. The database is the outbox: each must be answered
   200 and stored (status received), though nothing can be queued.
3. The proxy is restored; --after deliveries, applied at once (the receiver's broker
   reconnects), and the outage's deliveries: their failed enqueue marked them
   (`enqueue_failed_at`), and each web process's first enqueue that succeeds queues a sweep,
   which takes marked deliveries at once (the every-minute sweep would, within a minute;
   before the mark it took them only after SWEEP_AFTER, two minutes).

Checks (exit 1 otherwise): every answer 200; every delivery stored once and processed once.
Reported: the receiver's answers during the outage, /healthz then, how long the stored
deliveries waited after Redis came back.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import socket
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h  # noqa: E402
import receiver_bench as rb  # noqa: E402


class Proxy:
    """A TCP forwarder 127.0.0.1:port -> target that can be cut and restored."""

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.port, self.target = port, target
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.lock = threading.Lock()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        """Close the port and every open connection: new connections are refused."""
        with self.lock:
            doomed, self.sockets = [self.listener, *self.sockets], []
        for sock in doomed:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


STATE = """
import json
from integrations.models import WebhookDelivery
rows = WebhookDelivery.objects.filter(webhook_action_id__in=IDS).values_list(
    "webhook_action_id", "status", "received_at", "processed_at")
print(json.dumps([[a, s, r.timestamp(), p.timestamp() if p else None] for a, s, r, p in rows]))
"""


def state(env, ids: list[str]) -> list[list]:
    import json

    out = h.manage(env, "shell", "-c", STATE.replace("IDS", json.dumps(ids)))
    return json.loads(out.strip().splitlines()[-1])


def send(port: int, deliveries: rb.Deliveries, count: int) -> list[tuple[str, int, float]]:
    """`count` deliveries, one at a time: (action id, status, seconds to answer)."""
    import json

    sent = []
    for _ in range(count):
        body, headers = deliveries.next()
        began = time.perf_counter()
        status, _ = rb.request(port, "POST", deliveries.path, body, headers)
        sent.append((json.loads(body)["webhookActionId"], status, time.perf_counter() - began))
    return sent


def healthz(port: int) -> str:
    """/healthz's status and what it says of the queue."""
    import json

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        return f"{response.status}, queue {json.loads(response.read()).get('queue')}"
    finally:
        conn.close()


def wait_processed(env, ids: list[str], timeout: float) -> list[list]:
    deadline = time.monotonic() + timeout
    while True:
        rows = state(env, ids)
        if sum(1 for r in rows if r[1] == "processed") == len(ids) or time.monotonic() > deadline:
            return rows
        time.sleep(5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=int, default=10)
    parser.add_argument("--during", type=int, default=30)
    parser.add_argument("--after", type=int, default=10)
    parser.add_argument("--database", default="guide_bench_redis")
    parser.add_argument("--redis-db", type=int)
    args = parser.parse_args()
    port = h.free_port(range(8151, 8160))
    proxy_port = h.free_port(range(port + 1, 8160))
    redis_url = h.claim_redis_db(args.redis_db)
    db = redis_url.rsplit("/", 1)[1]
    proxy = Proxy(proxy_port, ("127.0.0.1", 6379))
    proxy.up()

    def env_for(url: str, redis: str = redis_url) -> dict[str, str]:
        return h.guide_env(url, REDIS_URL=redis, PUBLIC_BASE_URL=f"http://127.0.0.1:{port}")

    db_url = h.migrated_database(args.database, env_for)
    env = env_for(db_url)
    token, secret = rb.seed(env, 50)
    deliveries = rb.Deliveries(secret, 50)
    deliveries.path = f"/webhooks/ashby/{token}/"
    h.gunicorn(env_for(db_url, f"redis://127.0.0.1:{proxy_port}/{db}"), port, name="redis-web")
    h.qcluster(env, "realtime", "realtime")
    try:
        return run(args, env, port, proxy, deliveries)
    finally:
        proxy.down()
        h.stop_all()
        h.release_redis_db(redis_url)


def run(args, env, port: int, proxy: Proxy, deliveries) -> int:
    problems = []
    before = send(port, deliveries, args.before)
    rows = wait_processed(env, [s[0] for s in before], 60)
    print(
        f"Redis reachable: {len(before)} deliveries, all answered 200: "
        f"{all(s[1] == 200 for s in before)}; applied: {sum(r[1] == 'processed' for r in rows)}"
    )
    proxy.down()
    during = send(port, deliveries, args.during)
    health = healthz(port)
    stored = state(env, [s[0] for s in during])
    slowest = max(s[2] for s in during)
    print(
        f"Redis cut at the receiver: {len(during)} deliveries answered "
        f"{sorted({s[1] for s in during})} (slowest {slowest * 1000:.0f} ms); stored "
        f"{len(stored)}, statuses {sorted({r[1] for r in stored})}; /healthz {health}"
    )
    proxy.up()
    back = time.time()
    after = send(port, deliveries, args.after)
    rows_after = wait_processed(env, [s[0] for s in after], 60)
    print(
        f"Redis back: {len(after)} new deliveries applied "
        f"{sum(r[1] == 'processed' for r in rows_after)}/{len(after)}"
    )
    rows = wait_processed(env, [s[0] for s in during], 400)
    done = [r[3] - back for r in rows if r[1] == "processed" and r[3]]
    if done:
        print(
            f"the outage's deliveries applied {min(done):.0f}-{max(done):.0f} s after Redis "
            f"came back ({len(done)}/{len(during)}; marked, they are swept at once)"
        )
    for label, batch in (("before", before), ("during", during), ("after", after)):
        if any(s[1] != 200 for s in batch):
            problems.append(f"{label}: answers {sorted({s[1] for s in batch})}, expected 200")
    everything = state(env, [s[0] for batch in (before, during, after) for s in batch])
    total = args.before + args.during + args.after
    if len(everything) != total:
        problems.append(f"{len(everything)} deliveries stored of {total} sent (each once)")
    left = [r for r in everything if r[1] != "processed"]
    if left:
        problems.append(f"{len(left)} not processed: {sorted({r[1] for r in left})}")
    print(f"load: {h.os.getloadavg()[0]:.1f} on {h.os.cpu_count()} cores")
    return h.verdict(problems, "OK: every delivery stored during the outage was processed once")


if __name__ == "__main__":
    sys.exit(main())
