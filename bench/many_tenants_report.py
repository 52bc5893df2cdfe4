"""The report of bench/many_tenants.py: figures, the issue's targets met or missed, and the
problems that fail the run whatever the machine (a failed sync, a delivery not applied)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from many_tenants_parts import pct


def seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


def since(moment: float | None, start: float) -> float | None:
    return None if moment is None else moment - start


def tenant_times(result: dict) -> dict:
    """Times from each tenant's Connect, and from the common start for all of them."""
    began, tenants = result["began"], result["tenants"]
    big = tenants[0]
    guides = [t["first_guide"] for t in tenants if t.get("first_guide")]
    finished = [t["synced"] for t in tenants if t.get("synced")]
    return {
        "all_first_guide": max(guides) - began if len(guides) == len(tenants) else None,
        "all_synced": max(finished) - began if len(finished) == len(tenants) else None,
        "big_first_guide": since(big.get("first_guide"), big["connect_at"]),
        "big_synced": since(big.get("synced"), big["connect_at"]),
        "big_sync_end": big.get("synced") or result["syncs_over"],
        "connects": [t["connected_at"] - t["connect_at"] for t in tenants if "connected_at" in t],
        "big_connect": since(big.get("connected_at"), big["connect_at"]),
        "first_guides": sorted(
            t["first_guide"] - t["connect_at"] for t in tenants if t.get("first_guide")
        ),
    }


def freshness(result: dict, until: float) -> tuple[list[float], list[float]]:
    """Seconds from send to applied, for deliveries sent before `until` and after it."""
    during, after = [], []
    for action_id, sent, _status in result["stream"]:
        status, processed = result["stream_rows"].get(action_id, ("missing", None))
        if status == "processed" and processed:
            (during if sent < until else after).append(processed - sent)
    return during, after


def describe(ages: list[float]) -> str:
    if not ages:
        return "no delivery"
    return (
        f"p50 {statistics.median(ages) * 1000:.0f} ms, p99 {pct(ages, 0.99) * 1000:.0f} ms, "
        f"max {max(ages) * 1000:.0f} ms over {len(ages)}"
    )


def report(args, mode: str, result: dict) -> None:
    times = tenant_times(result)
    during, after = freshness(result, times["big_sync_end"])
    side, drain = result["sandbox"], result["backlog"]
    print(f"\n## Many tenants at once ({mode})")
    print(
        f"{args.tenants} tenants (one of {args.big:,} candidates, the others "
        f"{args.small[0]:,}-{args.small[1]:,}), sandbox latency {args.latency_ms} ms per call, "
        f"GUIDE_ASHBY_MAX_RPS={args.max_rps:g}, partner limit {args.partner_per_minute}/min, "
        f"{args.webhook_rate:g} deliveries/s for {args.duration:g} s"
    )
    print(f"every tenant's first guide: {seconds(times['all_first_guide'])} after Connect")
    print(f"every tenant's full sync: {seconds(times['all_synced'])} after Connect")
    each = times["first_guides"]
    if each:
        print(
            f"each tenant's first guide after its Connect: p50 {statistics.median(each):.1f} s, "
            f"p90 {pct(each, 0.9):.1f} s, max {max(each):.1f} s"
        )
    if times["connects"]:
        print(
            f"Connect (the key checked with Ashby) took p50 "
            f"{statistics.median(times['connects']):.1f} s, max {max(times['connects']):.1f} s;"
            f" the big company's {seconds(times['big_connect'])}"
        )
    print(
        f"big company: first guide {seconds(times['big_first_guide'])}, full sync "
        f"{seconds(times['big_synced'])} after its Connect"
    )
    print(f"freshness while the big sync ran: {describe(during)}")
    print(f"freshness after it: {describe(after)}")
    print(
        f"requests to Ashby: {side['requests']:,} in {side['span']:.0f} s, mean "
        f"{side['mean_rps']:.1f}/s, busiest second {side['max_1s']}, busiest 10 s "
        f"{side['max_10s']:.1f}/s, budget {side['budget']:g}/s"
    )
    print(
        f"429s received: {side['partner_429']} partner-scope, {side['key_429']} per key; calls "
        f"during a partner pause: {side['during_pause']} "
        f"({side['during_pause_sent_after']} more than {IN_FLIGHT * 1000:.0f} ms into it, "
        f"{side['during_pause_after_1s']} more than 1 s)"
    )
    print(
        f"backlog: {drain['processed']}/{drain['sent']} deliveries drained in "
        f"{drain['seconds']:.1f} s: {drain['rate']:.0f} deliveries/s"
    )
    for role, (mb, count) in sorted(result["memory"].items()):
        print(f"peak RSS {role}: {mb:.0f} MB (largest of {count} processes)")
    print(f"load at the end of the syncs: {result['load']}")
    print("targets: " + "; ".join(verdicts(times, during, side, result["memory"])))


def verdicts(times: dict, during: list[float], side: dict, memory: dict) -> list[str]:
    def say(name: str, ok: bool | None) -> str:
        return f"{name} {'met' if ok else 'MISSED' if ok is not None else 'not measured'}"

    workers = [mb for role, (mb, _) in memory.items() if "cluster" in role or "web" in role]
    return [
        say("freshness p99 < 2 s", pct(during, 0.99) < 2 if during else None),
        say("big first guide < 10 s", (times["big_first_guide"] or 1e9) < 10),
        say("big full sync < 3 min", (times["big_synced"] or 1e9) < 180),
        say("no call during a partner pause", side["during_pause_sent_after"] == 0),
        say("each worker < 300 MB", max(workers, default=0) < 300),
    ]


def problems(result: dict) -> list[str]:
    found = []
    for tenant in result["tenants"]:
        if "connect_error" in tenant:
            found.append(f"{tenant['name']}: Connect failed: {tenant['connect_error']}")
        elif not tenant["sync_ok"] or not tenant["synced"]:
            found.append(f"{tenant['name']}: no successful full sync: {tenant['sync_problem']}")
    refused = [s for s in result["stream"] if s[2] != 200]
    if refused:
        found.append(f"{len(refused)} deliveries were not accepted (statuses {refused[:3]})")
    statuses = [row[0] for row in result["stream_rows"].values()]
    if statuses.count("processed") != len(result["stream"]):
        found.append(f"stream deliveries not all processed: {sorted(set(statuses))}")
    drain = result["backlog"]
    if not drain["sent"] or drain["processed"] != drain["sent"]:
        found.append(f"backlog: {drain['processed']} of {drain['sent']} processed")
    if not result["stream"]:
        found.append("no delivery was sent (no stored application to change)")
    return found


# --- the sandbox's side --------------------------------------------------------------------


# A pause begins, from Ashby's side, the moment it answers the first 429; a call another
# process had already sent (its turn granted before the 429 reached Guide and was shared)
# arrives a few milliseconds into it and cannot be taken back. The target counts the calls
# that arrived later than this: sent after Guide could have known.
IN_FLIGHT = 0.25  # seconds


def sandbox_side(log: Path, budget: float) -> dict:
    """Guide's requests as the sandbox saw them: rate against the budget, 429s, pauses."""
    lines = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    guide = [line for line in lines if line["partner"] == "Guide"]
    times = sorted(line["t"] for line in guide)
    span = (times[-1] - times[0]) if len(times) > 1 else 0.0
    paused = [line["paused"] for line in guide if line["paused"] is not None]
    return {
        "requests": len(guide),
        "span": span,
        "mean_rps": len(guide) / span if span else 0.0,
        "max_1s": busiest(times, 1.0),
        "max_10s": busiest(times, 10.0) / 10,
        "budget": budget,
        "partner_429": sum(1 for x in guide if x["status"] == 429 and x["scope"]),
        "key_429": sum(1 for x in guide if x["status"] == 429 and not x["scope"]),
        "during_pause": len(paused),
        "during_pause_sent_after": sum(1 for age in paused if age > IN_FLIGHT),
        "during_pause_after_1s": sum(1 for age in paused if age > 1.0),
    }


def busiest(times: list[float], window: float) -> int:
    most, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most
