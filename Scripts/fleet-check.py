#!/usr/bin/env python3
"""Two `partnerscore serve` instances on one PostgreSQL, on loopback: the fleet acceptance.

    Scripts/fleet.sh [PARTNERS]          # starts a throwaway cluster, runs this, removes it

Checks, each printed with its figures; any failure exits non-zero:
1. Events ingested through A are evaluated through B.
2. A recorded run of PARTNERS partners through A proceeds while B ingests:
   every accepted event is stored, no ingest request fails, the run is atomic.
3. A reload through A changes what B serves within 2 s.
4. kill -9 of A during its run leaves the database consistent (no trace of
   the run), and the run can be repeated.

Arguments: --bin PARTNERSCORE --db URL --partners N --work DIR.
"""
import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SET = "telecom"
RUN_DAYS = ["2026-08-31", "2026-09-30", "2026-10-31"]


def fail(message):
    print(f"fleet: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(bin, *args, check=True):
    result = subprocess.run([bin, *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        fail(f"partnerscore {' '.join(args)}: {result.stderr.strip()}")
    return result


def request(port, method, path, token=None, body=None, headers=None, timeout=600):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        req.add_header(key, value)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


class Instance:
    def __init__(self, name, bin, db, policies, work):
        self.name, self.bin, self.db, self.policies, self.work = name, bin, db, policies, work
        self.port = free_port()
        self.process = None

    def start(self):
        log = open(os.path.join(self.work, f"serve-{self.name}.log"), "ab")
        self.process = subprocess.Popen(
            [self.bin, "serve", "--db", self.db, "--policies", self.policies, "--port", str(self.port),
             "--watch-ms", "0", "--no-webhooks"],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.process.poll() is not None:
                fail(f"serve {self.name} exited with {self.process.returncode}; see {log.name}")
            try:
                if request(self.port, "GET", "/health/ready", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        fail(f"serve {self.name} not ready after 120 s")

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def psql(db, sql):
    out = subprocess.run(["psql", db, "-Atc", sql], capture_output=True, text=True)
    if out.returncode != 0:
        fail(f"psql: {out.stderr.strip()}")
    return out.stdout.strip()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--partners", type=int, default=100_000)
    parser.add_argument("--work", required=True)
    a = parser.parse_args()
    os.makedirs(a.work, exist_ok=True)

    # One program, one database, one policy folder both instances serve.
    program = os.path.join(a.work, "program")
    cli(a.bin, "generate", "--partners", str(a.partners), "--seed", "23", "--industry", SET, "--out", program)
    cli(a.bin, "init", "--db", a.db)
    cli(a.bin, "import", "--db", a.db, os.path.join(program, "partners.csv"), os.path.join(program, "events.csv"))
    policies = os.path.join(a.work, "Policies")
    shutil.copytree(os.path.join(REPO, "Policies"), policies, dirs_exist_ok=True)
    tokens = {role: cli(a.bin, "token", "create", "--db", a.db, "--role", role, "--name", f"fleet-{role}").stdout.strip()
              for role in ("viewer", "operator", "designer")}
    partner = psql(a.db, "SELECT id FROM partner ORDER BY id LIMIT 1")

    A = Instance("a", a.bin, a.db, policies, a.work)
    B = Instance("b", a.bin, a.db, policies, a.work)
    A.start()
    B.start()
    try:
        # 1. Ingested through A, evaluated through B.
        path = f"/v1/partners/{partner}/evaluation?as_of=2026-10-31&policy_set={SET}"
        status, before = request(B.port, "GET", path, tokens["viewer"])
        if status != 200:
            fail(f"B's live evaluation: {status} {before}")
        event = {"partner_id": partner, "date": "2026-10-30", "kind": "revenue", "amount": 123456.78,
                 "currency": "USD", "product": "voice"}
        status, body = request(A.port, "POST", "/v1/activity", tokens["operator"], {"events": [event]},
                               {"Idempotency-Key": "fleet-1"})
        if status != 201:
            fail(f"ingest through A: {status} {body}")
        status, after = request(B.port, "GET", path, tokens["viewer"])
        # The hash is the evaluation's (the response's top level has none: comparing absent keys always matched).
        hash_before = before.get("evaluation", {}).get("snapshot_hash")
        hash_after = after.get("evaluation", {}).get("snapshot_hash")
        if not hash_before or not hash_after:
            fail(f"B's live evaluation has no evaluation.snapshot_hash: {after}")
        if hash_after == hash_before:
            fail("B evaluates the partner as before A's ingest (same snapshot hash)")
        print(f"fleet: 1. ingested through A, evaluated through B: snapshot {hash_before[:12]} → {hash_after[:12]}")

        # 2. A recorded run through A while B ingests.
        events_before = int(psql(a.db, "SELECT COUNT(*) FROM event"))
        run_result = {}

        def run():
            started = time.time()
            run_result["status"], run_result["body"] = request(
                A.port, "POST", "/v1/runs", tokens["operator"], {"policy_set": SET, "as_of": RUN_DAYS[0], "dry_run": False})
            run_result["seconds"] = time.time() - started

        runner = threading.Thread(target=run)
        runner.start()
        accepted = failed = requests = 0
        ingest_seconds = []
        n = 0
        while runner.is_alive():
            batch = [{"partner_id": partner, "date": "2026-10-29", "kind": "login"} for _ in range(10)]
            n += 1
            started = time.time()
            status, body = request(B.port, "POST", "/v1/activity", tokens["operator"], {"events": batch},
                                   {"Idempotency-Key": f"fleet-run-{n}"})
            ingest_seconds.append(time.time() - started)
            requests += 1
            if status == 201:
                accepted += body["ingested"]
            else:
                failed += 1
                print(f"fleet: ingest during the run failed: {status} {body}", file=sys.stderr)
        runner.join()
        if run_result.get("status") != 201:
            fail(f"the run through A: {run_result.get('status')} {run_result.get('body')}")
        stored = int(psql(a.db, "SELECT COUNT(*) FROM event")) - events_before
        partners = run_result["body"]["summary"]["partners"]
        decisions = int(psql(a.db, f"SELECT COUNT(*) FROM decision d JOIN evaluation_run r ON r.id = d.runId "
                                   f"WHERE r.policySet = '{SET}' AND r.asOf = (SELECT MAX(asOf) FROM evaluation_run WHERE policySet = '{SET}')"))
        if failed:
            fail(f"{failed} of {requests} ingest requests failed during the run")
        if stored != accepted:
            fail(f"{accepted} events accepted during the run, {stored} stored")
        if decisions != partners:
            fail(f"the run reports {partners} partners but recorded {decisions} decisions")
        ingest_seconds.sort()
        print(f"fleet: 2. run of {partners} partners through A in {run_result['seconds']:.1f} s while B ingested "
              f"{requests} batches ({accepted} events, all stored, none failed; ingest latency median "
              f"{ingest_seconds[len(ingest_seconds) // 2] * 1000:.0f} ms, max {ingest_seconds[-1] * 1000:.0f} ms); "
              f"{decisions} decisions recorded")

        # 3. A reload through A reaches B within 2 s.
        def served_hash(instance):
            _, body = request(instance.port, "GET", "/v1/policies", tokens["viewer"])
            return {s["name"]: s["content_hash"] for s in body["policy_sets"]}[SET]

        old = served_hash(B)
        # A change to the set's own policy file (a set's files are named for their program, not the set).
        set_folder = os.path.join(policies, SET)
        main_file = next(os.path.join(set_folder, name) for name in sorted(os.listdir(set_folder))
                         if name.endswith(".lua") and "ps.policy" in open(os.path.join(set_folder, name)).read())
        with open(main_file, "a") as f:
            f.write("\n-- edited by the fleet check\n")
        status, body = request(A.port, "POST", "/v1/policies/reload", tokens["designer"], {})
        reloaded = time.time()
        if status != 200 or SET not in body["swapped"]:
            fail(f"reload through A: {status} {body}")
        new = served_hash(A)
        while served_hash(B) != new and time.time() - reloaded < 2:
            time.sleep(0.02)
        took = time.time() - reloaded
        if served_hash(B) != new:
            fail("B still serves the old version 2 s after the reload through A")
        print(f"fleet: 3. reload through A served by B after {took * 1000:.0f} ms ({old[:12]} → {new[:12]})")

        # 4. kill -9 of A during its run.
        runs_before = psql(a.db, "SELECT COUNT(*) FROM evaluation_run")
        decisions_before = psql(a.db, "SELECT COUNT(*) FROM decision")
        def doomed_run():
            # A is killed mid-request: its connection dropping is the expected end.
            try:
                request(A.port, "POST", "/v1/runs", tokens["operator"], {"policy_set": SET, "as_of": RUN_DAYS[1], "dry_run": False})
            except (OSError, http.client.HTTPException):
                pass
        killer = threading.Thread(target=doomed_run)
        killer.daemon = True
        killer.start()
        # Kill once the run has taken its lock and is writing.
        deadline = time.time() + 60
        while time.time() < deadline:
            if psql(a.db, "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'") != "0":
                break
            time.sleep(0.05)
        else:
            fail("the run through A never took its advisory lock")
        time.sleep(0.5)
        A.kill9()
        time.sleep(0.5)
        if psql(a.db, "SELECT COUNT(*) FROM evaluation_run") != runs_before or psql(a.db, "SELECT COUNT(*) FROM decision") != decisions_before:
            fail("the killed run left rows behind")
        A.start()
        status, body = request(A.port, "POST", "/v1/runs", tokens["operator"],
                               {"policy_set": SET, "as_of": RUN_DAYS[1], "dry_run": False})
        if status != 201:
            fail(f"repeating the killed run: {status} {body}")
        print(f"fleet: 4. kill -9 of A during its run left no trace ({runs_before} runs, {decisions_before} decisions); "
              f"the repeated run recorded {body['summary']['partners']} partners")
    finally:
        A.stop()
        B.stop()
    print("fleet: all checks passed")


if __name__ == "__main__":
    main()
