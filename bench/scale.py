#!/usr/bin/env python3
"""Pages at two program sizes, side by side: seeds a small and a large
program (`partner-portal seed`), starts a portal on each (both on CPU 0, wrk
on CPU 1) and times the partner dashboard and the manager's views on both,
interleaved round by round. Prints req/s, p50, p99 and how much slower the
large program is (small req/s ÷ large req/s; the target is at most 1.5).

  python3 bench/scale.py                                  # 1,000/1M against 100,000/10M: hours of seeding
  python3 bench/scale.py --small 100:100000 --large 1000:1000000 --engine sqlite
  python3 bench/scale.py --keep ...          # keeps both programs (the work directories are printed)
  python3 bench/scale.py --reuse SMALL_DIR LARGE_DIR   # times them again, migrated, without seeding

Run bench/http.sh once first (it builds the release binaries), or set
BENCH_PROFILE=debug for a debug build.
"""

import argparse
import json
import os
import shutil
import sqlite3
import tempfile
import time

import load


def size(text):
    partners, ledger = text.split(":")
    return int(partners), int(ledger)


def start(name, engine_name, partners, ledger, keep, reuse=None):
    work = reuse or tempfile.mkdtemp(prefix=f"pp-scale-{name}-")
    keep = keep or bool(reuse)
    engine = load.Engine(engine_name, work)
    port = load.free_port()
    base = f"http://127.0.0.1:{port}"
    env = load.portal_env(engine, port, work)
    # A kept program is migrated as an upgrade would migrate it.
    load.subprocess.run([load.PORTAL, "migrate"], env=env, check=True, capture_output=True)
    if reuse:
        with open(os.path.join(work, "seeded.json")) as f:
            seeded = json.load(f)
        print(f"{name}: the program kept in {work}", flush=True)
        partners, ledger = seeded["partners"], seeded["ledger"]
    else:
        seeded = load.seed(env, partners, ledger)
        kept = f" (kept in {work})" if keep else ""
        print(f"{name}: {partners:,} partners, {ledger:,} ledger rows seeded in {seeded['seconds']:.0f} s{kept}",
              flush=True)
        if keep:
            with open(os.path.join(work, "seeded.json"), "w") as f:
                json.dump({"manager": seeded["manager"], "reseller": seeded["reseller"], "partners": partners,
                           "ledger": ledger}, f)
    portal = load.Proc([load.PORTAL], env, os.path.join(work, "portal.log"))
    load.wait_ok(f"{base}/login")
    _, partner = load.sign_in(base, seeded["reseller"])
    _, manager = load.sign_in(base, seeded["manager"])

    def stop():
        portal.stop()
        engine.drop()
        if not keep:
            shutil.rmtree(work, ignore_errors=True)

    pages = [
        ("partner dashboard (/revenue)", f"{base}/revenue", partner),
        ("manager program (/manager/revenue)", f"{base}/manager/revenue", manager),
        ("manager partner list (/manager/partners)", f"{base}/manager/partners", manager),
        ("manager review queue (/manager/applications)", f"{base}/manager/applications", manager),
    ]
    return pages, stop, (partners, ledger), lambda: wait_drained(name, engine)


def backlog(engine):
    """Emails and webhook fan-out the server still has to do: a seeded
    program queues an email per application, and a server busy sending them
    on the benchmark's core would be timed as well."""
    sql = ("SELECT (SELECT COUNT(*) FROM outbox WHERE done_at IS NULL AND failed_at IS NULL) "
           "+ (SELECT COUNT(*) FROM event_log WHERE fanned_out = FALSE)")
    if engine.name == "sqlite":
        path = engine.portal_url.removeprefix("sqlite://")
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as c:
            return c.execute(sql).fetchone()[0]
    out = load.subprocess.run(["psql", engine.portal_url, "-tAc", sql], capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


def wait_drained(name, engine, limit_s=3600):
    t0, left = time.monotonic(), backlog(engine)
    if left:
        print(f"{name}: waiting for the server to send {left:,} queued emails and events", flush=True)
    while left and time.monotonic() - t0 < limit_s:
        time.sleep(5)
        left = backlog(engine)
    if left:
        raise SystemExit(f"{name}: {left:,} queued emails and events still unsent after {limit_s} s")
    if time.monotonic() - t0 > 1:
        print(f"{name}: queue empty after {time.monotonic() - t0:.0f} s", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--small", type=size, default=(1_000, 1_000_000), help="partners:ledger rows")
    ap.add_argument("--large", type=size, default=(100_000, 10_000_000), help="partners:ledger rows")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--keep", action="store_true", help="keep the work directories (logs, the seeded programs)")
    ap.add_argument("--reuse", nargs=2, metavar=("SMALL_DIR", "LARGE_DIR"),
                    help="SQLite: time the programs a --keep run left instead of seeding new ones")
    args = ap.parse_args()
    if args.reuse and args.engine != "sqlite":
        ap.error("--reuse keeps SQLite files only")
    reuse = args.reuse or (None, None)

    stops = []
    try:
        small, stop, args.small, small_drained = start("small", args.engine, *args.small, args.keep, reuse[0])
        stops.append(stop)
        large, stop, args.large, large_drained = start("large", args.engine, *args.large, args.keep, reuse[1])
        stops.append(stop)
        small_drained()
        large_drained()
        time.sleep(3)
        runs = {label: ([], []) for label, _, _ in small}
        for _ in range(args.rounds):
            for (label, s_url, s_cookie), (_, l_url, l_cookie) in zip(small, large):
                runs[label][0].append(load.wrk(s_url, args.duration, args.connections, [f"Cookie: {s_cookie}"]))
                runs[label][1].append(load.wrk(l_url, args.duration, args.connections, [f"Cookie: {l_cookie}"]))
        print(f"\n{args.engine}: small {args.small[0]:,} partners / {args.small[1]:,} rows, "
              f"large {args.large[0]:,} / {args.large[1]:,}; medians of {args.rounds} rounds\n")
        print("| page | small req/s | p50 ms | p99 ms | large req/s | p50 ms | p99 ms | slower by | target |")
        print("|---|---|---|---|---|---|---|---|---|")
        failed = False
        for label, (s, l) in runs.items():
            s_rps, l_rps = load.median([x[0] for x in s]), load.median([x[0] for x in l])
            bad = sum(x[3] for x in s + l)
            failed |= bad > 0
            note = f" **{bad} failed**" if bad else ""
            print(f"| {label}{note} | {s_rps:,.0f} | {load.median([x[1] for x in s]):.1f} | "
                  f"{load.median([x[2] for x in s]):.1f} | {l_rps:,.0f} | {load.median([x[1] for x in l]):.1f} | "
                  f"{load.median([x[2] for x in l]):.1f} | × {s_rps / max(l_rps, 0.001):.2f} | 1.5 |", flush=True)
        if failed:
            raise SystemExit("some requests failed")
    finally:
        for stop in stops:
            stop()


if __name__ == "__main__":
    main()
