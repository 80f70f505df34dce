#!/usr/bin/env python3
"""Two builds of the portal on the same program, turn about: seeds one
SQLite program, gives each binary its own copy, and runs wrk against each
page with each binary in turn, round after round (server on CPU 0, wrk on
CPU 1). Prints req/s medians and after ÷ before. For a change that is not
a ratio against the baseline (bench/http.sh) but against the code before it.

  cp "$CARGO_TARGET_DIR/release/partner-portal" /tmp/before   # before the change
  cargo build --release --features ssr --bin partner-portal  # after it
  python3 bench/compare.py /tmp/before "$CARGO_TARGET_DIR/release/partner-portal"
"""

import argparse
import os
import shutil
import tempfile
import time

import load

PAGES = ["login", "home", "revenue", "program", "trust"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--pages", default=",".join(PAGES), help=f"some of {','.join(PAGES)}")
    ap.add_argument("--partners", type=int, default=12)
    ap.add_argument("--ledger", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    ap.add_argument("--connections", type=int, default=32)
    args = ap.parse_args()
    pages = args.pages.split(",")

    work = tempfile.mkdtemp(prefix="pp-compare-")
    try:
        engine = load.Engine("sqlite", work)
        env = load.portal_env(engine, load.free_port(), work)
        load.subprocess.run([args.after, "migrate"], env=env, check=True, capture_output=True)
        load.PORTAL = args.after
        seeded = load.seed(env, args.partners, args.ledger)
        servers = {}
        for name, binary in [("before", args.before), ("after", args.after)]:
            os.makedirs(os.path.join(work, name))
            for suffix in ["", "-wal", "-shm"]:
                if os.path.exists(os.path.join(work, "portal.db" + suffix)):
                    shutil.copy(os.path.join(work, "portal.db" + suffix), os.path.join(work, name, "portal.db" + suffix))
            port = load.free_port()
            db = load.Engine("sqlite", os.path.join(work, name))
            servers[name] = (binary, load.portal_env(db, port, os.path.join(work, name)), f"http://127.0.0.1:{port}")
        (_, key, agent) = seeded["api"][0]
        runs = {(p, n): [] for p in pages for n in servers}
        for _ in range(args.rounds):
            for name, (binary, env, base) in servers.items():
                # One server at a time, so the two never share CPU 0.
                proc = load.Proc([binary], env, os.path.join(work, name, "portal.log"))
                try:
                    load.wait_ok(f"{base}/login")
                    time.sleep(2)
                    _, partner = load.sign_in(base, seeded["reseller"])
                    _, manager = load.sign_in(base, seeded["manager"])
                    urls = {
                        "login": (f"{base}/login", []),
                        "home": (f"{base}/", [f"Cookie: {partner}"]),
                        "revenue": (f"{base}/revenue", [f"Cookie: {partner}"]),
                        "program": (f"{base}/manager/revenue", [f"Cookie: {manager}"]),
                        "trust": (f"{base}/api/v1/trust/{agent}", [f"Authorization: Bearer {key}"]),
                    }
                    for page in pages:
                        url, headers = urls[page]
                        load.wrk(url, 1, args.connections, headers)
                        runs[(page, name)].append(load.wrk(url, args.duration, args.connections, headers))
                finally:
                    proc.stop()
        print(f"\n{args.partners} partners, {args.ledger:,} ledger rows, SQLite; medians of {args.rounds} rounds\n")
        print("| request | before req/s | after req/s | after ÷ before |")
        print("|---|---|---|---|")
        for page in pages:
            b = load.median([r[0] for r in runs[(page, "before")]])
            a = load.median([r[0] for r in runs[(page, "after")]])
            failed = sum(r[3] for n in servers for r in runs[(page, n)])
            note = f" **{failed} failed**" if failed else ""
            print(f"| {page}{note} | {b:,.0f} | {a:,.0f} | {a / max(b, 0.001):.2f} |", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
