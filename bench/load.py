#!/usr/bin/env python3
"""The HTTP benchmark: the portal against a plain axum + sqlx baseline
(bench/baseline.rs) on the same database engine, one after the other,
interleaved, server on one core and load generator (wrk) on the other.

Prints req/s, p50 and p99 and the ratio to the baseline for each request,
then webhook deliveries per second end to end, a slow receiver's effect on
another partner, sign-ins during a flood, memory and cold start. Run it
through bench/http.sh, which builds the release binaries first.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
PROFILE = os.environ.get("BENCH_PROFILE", "release")
PORTAL = os.path.join(TARGET, PROFILE, "partner-portal")
BASELINE = os.path.join(TARGET, PROFILE, "examples", "baseline")
PASSWORD = "bench-password-2026!"
SECRET_KEY = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
SERVER_CPU, LOAD_CPU = "0", "1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pinned(cpu, argv):
    return (["taskset", "-c", cpu] if shutil.which("taskset") and os.cpu_count() > 1 else []) + argv


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def http(method, url, body=None, headers=None, timeout=30):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with OPENER.open(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def memory_parts(pid):
    """Where the resident memory is (smaps_rollup): anonymous pages (heaps,
    stacks; MADV_FREE'd pages the kernel has not reclaimed yet count here
    and as lazy-free) and file pages (the mapped binary and libraries)."""
    parts = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("Rss", "Anonymous", "LazyFree", "Shared_Clean", "Private_Clean"):
                    parts[key] = int(rest.split()[0]) / 1024
    except OSError:
        return ""
    file_pages = parts.get("Rss", 0) - parts.get("Anonymous", 0)
    return (f"anonymous {parts.get('Anonymous', 0):.0f} MB (lazy-free {parts.get('LazyFree', 0):.0f}), "
            f"file-backed {file_pages:.0f} MB")


def heap_detail(pid):
    """SQLite's own heap (it allocates with the C library's malloc, not the
    Rust allocator), read from the running server through gdb (Debian's gdb;
    the release binary keeps SQLite's symbols). mimalloc's statistics
    functions are not linked into the binary, so the Rust heap is what is
    left of the anonymous memory."""
    out = subprocess.run(
        ["gdb", "-p", str(pid), "-batch", "-nx",
         "-ex", "print (long long) sqlite3_memory_used()",
         "-ex", "print (long long) sqlite3_memory_highwater(0)"],
        capture_output=True, text=True, timeout=120)
    values = re.findall(r"^\$\d+ = (\d+)", out.stdout, re.M)
    if len(values) >= 2:
        return f"SQLite heap {int(values[0]) / 1048576:.1f} MB now, {int(values[1]) / 1048576:.1f} MB at most"
    return "gdb gave no answer: " + (out.stderr.strip().splitlines() or ["(nothing)"])[-1]


def unit_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)", text)
    value, unit = float(m.group(1)), m.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url, duration, connections, headers=(), script=None):
    """One wrk run: (answered req/s, p50 ms, p99 ms, failed responses).
    Only 2xx and 3xx answers count towards req/s: a server that sheds load
    with 503s does not get credit for them."""
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for h in headers:
        argv += ["-H", h]
    if script:
        argv += ["-s", script]
    out = subprocess.run(pinned(LOAD_CPU, argv + [url]), capture_output=True, text=True, check=True).stdout
    total = int(re.search(r"(\d+) requests in", out).group(1))
    secs = unit_ms(re.search(r"requests in ([\d.]+\w+),", out).group(1)) / 1000
    p50 = unit_ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = unit_ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failed = int(bad.group(1)) if bad else 0
    if errors:
        failed += sum(int(x) for x in errors.groups())
    return max(total - failed, 0) / secs, p50, p99, failed


def lua(path, body, headers, method="POST", template=None):
    """A wrk script sending `body` with {n} replaced by a counter unique to
    the run, so every event id is new."""
    run = f"{os.getpid()}{int(time.time() * 1000) % 10_000_000}"
    hdrs = ", ".join(f'["{k}"] = "{v}"' for k, v in headers.items())
    text = f"""
local n = 0
request = function()
  n = n + 1
  local body = [=[{body}]=]
  body = body:gsub("{{n}}", "{run}_" .. n)
  return wrk.format("{method}", "{path}", {{ {hdrs} }}, body)
end
"""
    f = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    f.write(text)
    f.close()
    return f.name


class Proc:
    def __init__(self, argv, env, log):
        self.log = open(log, "w")
        self.p = subprocess.Popen(pinned(SERVER_CPU, argv), env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()
        self.log.close()


def wait_ok(url, limit=60):
    start = time.monotonic()
    while time.monotonic() - start < limit:
        try:
            if http("GET", url, timeout=2)[0] == 200:
                return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.005)
    raise RuntimeError(f"{url} did not answer 200 within {limit} s")


class Engine:
    def __init__(self, name, work):
        self.name = name
        tag = f"pp_bench_http_{os.getpid()}"
        if name == "sqlite":
            self.portal_url = f"sqlite://{work}/portal.db"
            self.baseline_url = f"sqlite://{work}/baseline.db"
            self.dbs = []
        else:
            admin = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
            base = admin.rsplit("/", 1)[0]
            self.dbs = [(admin, f"{tag}_portal"), (admin, f"{tag}_baseline")]
            for a, db in self.dbs:
                subprocess.run(["psql", a, "-qc", f"CREATE DATABASE {db}"], check=True)
            self.portal_url = f"{base}/{tag}_portal"
            self.baseline_url = f"{base}/{tag}_baseline"

    def drop(self):
        for a, db in self.dbs:
            subprocess.run(["psql", a, "-qc", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"], check=False)


def portal_env(engine, port, work):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=engine.portal_url,
        APP_PUBLIC_URL=f"http://127.0.0.1:{port}",
        APP_SECRET_KEY=SECRET_KEY,
        APP_MAIL_TRANSPORT="files",
        APP_OUTBOX_DIR=os.path.join(work, "outbox"),
        APP_COOKIE_SECURE="false",
        APP_WEBHOOK_ALLOW_PRIVATE="127.0.0.1",
        # The benchmark measures the server, not the per-key and per-address
        # limits that would otherwise answer most of its requests with 429.
        APP_API_RATE_PER_SECOND="1000000",
        APP_API_RATE_BURST="1000000",
        APP_ADDRESS_LIMIT_FACTOR="1000000",
        LEPTOS_SITE_ADDR=f"127.0.0.1:{port}",
        LEPTOS_SITE_ROOT=os.environ.get("LEPTOS_SITE_ROOT", os.path.join(ROOT, "target", "site")),
        LEPTOS_OUTPUT_NAME="partner-portal",
    )
    # The server's own default logging (a line per request), as deployed.
    env.pop("RUST_LOG", None)
    env.pop("APP_CONFIG", None)
    return env


def seed(env, partners, ledger):
    t = time.monotonic()
    out = subprocess.run(
        [PORTAL, "seed", "--partners", str(partners), "--ledger", str(ledger), "--password-stdin"],
        input=PASSWORD + "\n", env=env, capture_output=True, text=True,
    )
    if out.returncode != 0:
        raise RuntimeError(f"seed failed: {out.stderr}")
    took = time.monotonic() - t
    text = out.stdout
    info = {
        "manager": re.search(r"^manager: (\S+)", text, re.M).group(1),
        "reseller": re.search(r"^reseller: (\S+)", text, re.M).group(1),
        "api": re.findall(r"^technology partner: (\S+) key: (\S+) agent: (\S+)", text, re.M),
        "seconds": took,
    }
    return info


def sign_in(base, email):
    status, headers, body = http("GET", f"{base}/login")
    action = re.search(rb'<form[^>]*action="([^"]+)"[^>]*method="post"', body) or re.search(
        rb'<form[^>]*method="post"[^>]*action="([^"]+)"', body)
    path = action.group(1).decode()
    form = urllib.parse.urlencode({"email": email, "password": PASSWORD}).encode()
    status, headers, _ = http("POST", base + path, form, {
        "Content-Type": "application/x-www-form-urlencoded", "Origin": base})
    cookie = headers.get("Set-Cookie") or headers.get("set-cookie")
    if not cookie or status >= 400:
        raise RuntimeError(f"sign-in as {email} failed: {status}")
    return path, cookie.split(";", 1)[0]


def subscribe(base, key, url):
    body = json.dumps({"url": url, "patterns": ["*"]}).encode()
    status, _, out = http("POST", f"{base}/api/v1/webhooks", body, {
        "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    if status != 201:
        raise RuntimeError(f"subscribing failed: {status} {out[:200]}")


def send_events(base, key, agent, count, tag):
    """`count` events in batches of 100 whose outcomes always move the score."""
    pattern = ["success", "success", "timeout"]
    sent = 0
    while sent < count:
        events = [{"event_id": f"{tag}_{sent + i}", "agent_id": agent, "outcome": pattern[(sent + i) % 3]}
                  for i in range(min(100, count - sent))]
        status, _, out = http("POST", f"{base}/api/v1/events", json.dumps({"events": events}).encode(), {
            "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        if status != 200:
            raise RuntimeError(f"events refused: {status} {out[:200]}")
        sent += len(events)


def hook_stats(hook_base):
    return json.loads(http("GET", f"{hook_base}/hook-stats")[2] or b"{}")


def wait_arrivals(hook_base, name, want, limit):
    start = time.monotonic()
    while time.monotonic() - start < limit:
        got = hook_stats(hook_base).get(name, {}).get("count", 0)
        if got >= want:
            return got
        time.sleep(0.05)
    return hook_stats(hook_base).get(name, {}).get("count", 0)


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def run_engine(name, args, report):
    work = tempfile.mkdtemp(prefix=f"pp-bench-{name}-")
    engine = Engine(name, work)
    port, bport = free_port(), free_port()
    base, bbase = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bport}"
    env = portal_env(engine, port, work)
    procs = []
    try:
        subprocess.run([PORTAL, "migrate"], env=env, check=True, capture_output=True)
        seeded = seed(env, args.partners, args.ledger)
        print(f"\n## {name}: {args.partners} partners, {args.ledger} ledger rows seeded in {seeded['seconds']:.1f} s",
              flush=True)
        benv = dict(os.environ, BASELINE_DATABASE_URL=engine.baseline_url, BASELINE_ADDR=f"127.0.0.1:{bport}")
        baseline = Proc([BASELINE], benv, os.path.join(work, "baseline.log"))
        procs.append(baseline)
        wait_ok(f"{bbase}/plaintext")

        t0 = time.monotonic()
        portal = Proc([PORTAL], env, os.path.join(work, "portal.log"))
        procs.append(portal)
        cold = wait_ok(f"{base}/login")
        idle_rss = rss_mb(portal.p.pid)
        idle_parts = memory_parts(portal.p.pid)
        # Let the workers send the seed's emails before anything is timed.
        time.sleep(args.settle)

        (k1, agent1), (k2, agent2) = [(k, a) for _, k, a in seeded["api"][:2]]
        signin_path, partner_cookie = sign_in(base, seeded["reseller"])
        _, manager_cookie = sign_in(base, seeded["manager"])
        status, _, page = http("GET", f"{base}/revenue", headers={"Cookie": partner_cookie})
        statement = re.search(rb'href="(/statements/\d+)"', page)
        if not statement:
            raise RuntimeError("the partner's revenue page links no statement")

        # Webhooks first, while nothing else has queued events.
        hooks = webhooks(base, bbase, k1, agent1, k2, agent2, args)

        single = lua("/api/v1/events", '{"event_id":"s{n}","agent_id":"%s","outcome":"success"}' % agent1,
                     {"Authorization": f"Bearer {k1}", "Content-Type": "application/json"})
        batch_body = '{"events":[' + ",".join(
            '{"event_id":"b{n}_%d","agent_id":"%s","outcome":"%s"}' % (i, agent1, ["success", "timeout"][i % 2])
            for i in range(100)) + "]}"
        batch = lua("/api/v1/events", batch_body, {"Authorization": f"Bearer {k1}", "Content-Type": "application/json"})
        signin = lua(signin_path, urllib.parse.urlencode({"email": seeded["reseller"], "password": PASSWORD}),
                     {"Content-Type": "application/x-www-form-urlencoded", "Origin": base})
        key_hdr = f"Authorization: Bearer {k1}"
        cases = [
            ("anonymous page (/login)", f"{base}/login", [], None, "fortunes", 1),
            ("partner home (/)", f"{base}/", [f"Cookie: {partner_cookie}"], None, "fortunes", 1),
            ("partner dashboard (/revenue)", f"{base}/revenue", [f"Cookie: {partner_cookie}"], None, "fortunes", 1),
            ("statement page", base + statement.group(1).decode(), [f"Cookie: {partner_cookie}"], None, "fortunes", 1),
            ("manager program (/manager/revenue)", f"{base}/manager/revenue", [f"Cookie: {manager_cookie}"], None,
             "fortunes", 1),
            ("GET /api/v1/trust/{agent}", f"{base}/api/v1/trust/{agent1}", [key_hdr], None, "db", 1),
            ("POST /api/v1/events, one event", f"{base}/api/v1/events", [], single, "db", 1),
            ("POST /api/v1/events, 100 events", f"{base}/api/v1/events", [], batch, "db", 100),
            ("sign-in POST", base + signin_path, [], signin, "db", 1),
        ]
        base_runs = {"plaintext": [], "db": [], "fortunes": []}
        runs = {c[0]: [] for c in cases}
        for r in range(args.rounds):
            for which in base_runs:
                base_runs[which].append(wrk(f"{bbase}/{which}", args.duration, args.connections))
            for label, url, headers, script, _, _ in cases:
                runs[label].append(wrk(url, args.duration, args.connections, headers, script))
        print(f"\n| request | portal req/s | p50 ms | p99 ms | baseline | baseline req/s | ratio |", flush=True)
        print("|---|---|---|---|---|---|---|")
        for which, rs in base_runs.items():
            rps = median([x[0] for x in rs])
            print(f"| baseline /{which} | | {median([x[1] for x in rs]):.2f} | {median([x[2] for x in rs]):.2f} | | "
                  f"{rps:,.0f} | |")
        results = {}
        for label, _, _, _, against, per in cases:
            rs = runs[label]
            rps = median([x[0] for x in rs])
            b = median([x[0] for x in base_runs[against]])
            failed = sum(x[3] for x in rs)
            extra = f" ({rps * per:,.0f} events/s)" if per > 1 else ""
            flag = f" **{failed} failed**" if failed else ""
            results[label] = (rps, rps / b)
            print(f"| {label}{extra}{flag} | {rps:,.0f} | {median([x[1] for x in rs]):.2f} | "
                  f"{median([x[2] for x in rs]):.2f} | {against} | {b:,.0f} | {rps / b:.3f} |")

        # A sign-in flood beside page traffic: the page's p99 quietly, then
        # with sign-ins hammering the password hash at the same time.
        quiet = wrk(f"{base}/revenue", args.duration, 8, [f"Cookie: {partner_cookie}"])
        flood = subprocess.Popen(pinned(LOAD_CPU, ["wrk", "-t1", "-c16", f"-d{args.duration + 2}s", "-s", signin,
                                                   base + signin_path]), stdout=subprocess.DEVNULL)
        time.sleep(1)
        loud = wrk(f"{base}/revenue", args.duration, 8, [f"Cookie: {partner_cookie}"])
        flood.wait()
        hash_ms = float(subprocess.run(pinned(SERVER_CPU, [BASELINE, "hash-time"]), capture_output=True, text=True,
                                       check=True).stdout.strip())
        # The server hashes on the cores it may use: the one it is pinned to.
        server_cores = len(SERVER_CPU.split(",")) if shutil.which("taskset") and os.cpu_count() > 1 else os.cpu_count()
        ceiling = server_cores * 1000.0 / hash_ms
        signins = results["sign-in POST"][0]
        print(f"\nsign-ins: {signins:,.0f}/s; one hash {hash_ms:.1f} ms, so the server's {server_cores} core(s) ÷ hash = {ceiling:,.0f}/s; "
              f"ratio {signins / ceiling:.2f}")
        print(f"dashboard p99 quiet {quiet[2]:.1f} ms, during a sign-in flood {loud[2]:.1f} ms "
              f"(× {loud[2] / max(quiet[2], 0.001):.2f})")
        print(f"webhooks: {hooks['rate']:,.0f} signed deliveries/s end to end ({hooks['count']} in "
              f"{hooks['seconds']:.2f} s); beside a receiver taking 10 s, another partner's "
              f"{hooks['fair_count']} deliveries took {hooks['fair_seconds']:.2f} s")
        print(f"memory: {idle_rss:.0f} MB idle ({idle_parts}), {rss_mb(portal.p.pid):.0f} MB after the benchmark "
              f"({memory_parts(portal.p.pid)}); cold start to first 200: {cold * 1000:.0f} ms")
        if args.memory_detail:
            print(f"memory detail: {heap_detail(portal.p.pid)}")
        report[name] = results
        # What the server answered other than 2xx/3xx, from its own log. A
        # 503 sheds load by design (a full writer queue or hashing queue),
        # and a sign-in flood meets the limits (429); anything else fails.
        with open(os.path.join(work, "portal.log"), errors="replace") as f:
            counts = {}
            errors = []
            for line in f:
                line = re.sub(r"\x1b\[[0-9;]*m", "", line)
                m = re.search(r"path=(\S+?)\W*\s.*status=(\d+)", line)
                if m and not m.group(2).startswith(("2", "3")):
                    counts[(m.group(1), m.group(2))] = counts.get((m.group(1), m.group(2)), 0) + 1
                if " ERROR " in line and len(errors) < 10:
                    errors.append(line.strip()[:400])
        failed = False
        for (path, status), n in sorted(counts.items()):
            print(f"  the server answered {status} to {path} {n} times")
            shed = status == "503" or (status == "429" and path == signin_path)
            if not shed:
                failed = True
                report.setdefault("failures", []).append(f"{name}: {status} to {path} {n} times")
        # A failed run's work directory is gone afterwards: show why here.
        if failed:
            print("  the server's first errors:")
            for line in errors:
                print(f"    {line}")
    finally:
        for p in procs:
            p.stop()
        engine.drop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def webhooks(base, bbase, k1, agent1, k2, agent2, args):
    """Deliveries per second to one fast receiver; then a second partner's
    deliveries while the first partner's receiver takes 10 s to answer."""
    subscribe(base, k1, f"{bbase}/hook/fast")
    n = args.webhook_events
    start = time.time()
    send_events(base, k1, agent1, n, f"wh{os.getpid()}")
    got = wait_arrivals(bbase, "fast", n, 120)
    seconds = hook_stats(bbase).get("fast", {}).get("last_ms", start * 1000) / 1000 - start
    # Partner 1's receiver now answers after 10 s; partner 2's at once.
    subscribe(base, k1, f"{bbase}/hook/slow?delay_ms=10000")
    subscribe(base, k2, f"{bbase}/hook/other")
    send_events(base, k1, agent1, 300, f"slow{os.getpid()}")
    t = time.monotonic()
    send_events(base, k2, agent2, 300, f"other{os.getpid()}")
    fair = wait_arrivals(bbase, "other", 300, 120)
    fair_seconds = time.monotonic() - t
    return {"count": got, "seconds": seconds, "rate": got / max(seconds, 0.001),
            "fair_count": fair, "fair_seconds": fair_seconds}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--partners", type=int, default=12)
    ap.add_argument("--ledger", type=int, default=100_000)
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians are reported")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--webhook-events", type=int, default=3_000)
    ap.add_argument("--settle", type=float, default=5.0, help="seconds after start before timing")
    ap.add_argument("--quick", action="store_true", help="a short run that checks the benchmark works")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    ap.add_argument("--memory-detail", action="store_true",
                    help="after the run, ask the server through gdb how much SQLite's heap holds")
    args = ap.parse_args()
    if args.quick:
        args.ledger, args.duration, args.rounds, args.webhook_events, args.settle = 2_000, 1, 1, 200, 1.0
    print(f"# HTTP benchmark — {os.cpu_count()} cores, {PROFILE} build; server on CPU {SERVER_CPU}, wrk on CPU "
          f"{LOAD_CPU}; {args.rounds} interleaved rounds of {args.duration} s, {args.connections} connections")
    report = {}
    for name in (["sqlite", "postgres"] if args.engine == "both" else [args.engine]):
        run_engine(name, args, report)
    for failure in report.get("failures", []):
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if report.get("failures") else 0


if __name__ == "__main__":
    sys.exit(main())
