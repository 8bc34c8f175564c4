"""demo_shutdown.py — scenarios for tests/demo_shutdown.sh: demo
shutdown.graceful driven from outside, judged by its events, its exit
status and the rows in its SQLite file.  No sleeps: every step waits for
the event that says the previous one happened (with a generous limit that
only catches a hang).

    python3 demo_shutdown.py SCENARIO TMPDIR     (exit 0: passed)
"""
import json
import os
import select
import signal
import socket
import sqlite3
import subprocess
import sys

NODELAB = os.environ.get("NODELAB", "./nodelab")
HANG = 60          # seconds: only a hang takes this long


class Demo:
    """`nodelab demo shutdown.graceful ... --json`, read event by event."""

    def __init__(self, *sets, duration=120):
        args = [NODELAB, "demo", "shutdown.graceful", "--json", "--duration", str(duration)]
        for s in sets:
            args += ["--set", s]
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  stdin=subprocess.DEVNULL)
        self.events = []
        self.buf = b""

    def _read(self):
        ready, _, _ = select.select([self.p.stdout], [], [], HANG)
        assert ready, "no event for %d s (hung?)" % HANG
        chunk = os.read(self.p.stdout.fileno(), 65536)
        if not chunk:
            return False
        self.buf += chunk
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            self.events.append(json.loads(line))
        return True

    def wait_for(self, pred, what):
        seen = 0
        while True:
            for e in self.events[seen:]:
                if pred(e):
                    return e
            seen = len(self.events)
            assert self._read(), "the demo ended before " + what

    def finish(self):
        while self._read():
            pass
        self.p.wait(HANG)
        self.stderr = self.p.stderr.read().decode()
        return self.p.returncode

    def by(self, ev, **fields):
        return [e for e in self.events if e["ev"] == ev and
                all(e.get(k) == v for k, v in fields.items())]


def post(port):
    """One POST /: returns the acknowledged row id."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx")
    return answer(s)


def answer(s):
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), data
    return json.loads(body)["id"]


def held_request(d, port, nth):
    """The server's nth request, whose body is not all sent: in flight
    until the rest is.  Returns once the server has started it (its
    request_start event)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nConnection: close\r\n\r\nab")
    d.wait_for(lambda e: e["ev"] == "request_start" and e["id"] == nth, "the held request to start")
    return s


def rows(db):
    c = sqlite3.connect(db)
    ids = {r[0] for r in c.execute("SELECT id FROM requests")}
    c.close()
    return ids


def start_serving(tmp, name, *extra):
    db = os.path.join(tmp, name)
    d = Demo("db=" + db, "port=0", "load=0", *extra)
    listening = d.wait_for(lambda e: e["ev"] == "listening", "listening")
    d.wait_for(lambda e: e["ev"] == "serving", "serving")
    return d, db, listening["port"], listening["pid"]


def phases(d):
    return [e["phase"] for e in d.by("shutdown")]


def draining_with(d, n):
    d.wait_for(lambda e: e["ev"] == "shutdown" and e["phase"] == "draining", "draining")
    got = d.by("shutdown", phase="draining")[0]["in_flight"]
    assert got == n, "in flight at the signal: %s, wanted %d" % (got, n)


# ---- scenarios ------------------------------------------------------------------------

def contract(tmp):
    """SIGTERM: new connections refused, the request in flight finished and
    acknowledged, the database closed, exit 0; every acknowledged row in
    the file, which stays."""
    d, db, port, pid = start_serving(tmp, "contract.db")
    acked = [post(port) for _ in range(20)]
    held = held_request(d, port, len(acked) + 1)
    os.kill(pid, signal.SIGTERM)
    draining_with(d, 1)
    try:
        socket.create_connection(("127.0.0.1", port)).close()
        raise AssertionError("a new connection was accepted after SIGTERM")
    except ConnectionRefusedError:
        pass
    held.sendall(b"cde")
    acked.append(answer(held))
    assert d.finish() == 0, d.stderr
    assert phases(d) == ["signal", "stop-accepting", "draining", "drained", "closing",
                         "closed", "closing", "closed", "done"], phases(d)
    assert [e["closer"] for e in d.by("shutdown", phase="closing")] == ["db", "log"]
    s = d.by("summary")[-1]
    assert s["acknowledged"] == 21 and s["cut_off"] == 0 and s["code"] == 0, s
    assert d.by("exit", role="demo")[0]["code"] == 0
    assert set(acked) <= rows(db), "acknowledged rows missing"
    assert d.stderr == "", d.stderr


def twice(tmp):
    """A second SIGTERM while a request is in flight: forced exit 1 and one
    line saying what was open; the rows acknowledged before are there."""
    d, db, port, pid = start_serving(tmp, "twice.db")
    acked = [post(port) for _ in range(5)]
    held = held_request(d, port, len(acked) + 1)
    os.kill(pid, signal.SIGTERM)
    draining_with(d, 1)
    os.kill(pid, signal.SIGTERM)
    assert d.finish() == 1
    forced = d.by("shutdown", phase="forced")
    assert forced and forced[0]["reason"] == "second signal SIGTERM", d.events[-5:]
    assert forced[0]["in_flight"] == 1 and forced[0]["not_closed"] == ["db", "log"]
    assert d.by("exit", role="demo")[0]["code"] == 1
    lines = [l for l in d.stderr.splitlines() if l.startswith("shutdown:")]
    assert len(lines) == 1 and "1 request still in flight; not closed: db, log" in lines[0], \
        d.stderr
    held.close()
    assert set(acked) <= rows(db)


def deadline(tmp):
    """A drain longer than deadline_ms: the deadline forces exit 1."""
    d, db, port, pid = start_serving(tmp, "deadline.db", "deadline_ms=200")
    acked = [post(port) for _ in range(3)]
    held = held_request(d, port, len(acked) + 1)
    os.kill(pid, signal.SIGTERM)
    assert d.finish() == 1
    forced = d.by("shutdown", phase="forced")
    assert forced and forced[0]["reason"] == "deadline of 200 ms passed", phases(d)
    assert "forced exit (deadline of 200 ms passed)" in d.stderr, d.stderr
    held.close()
    assert set(acked) <= rows(db)


def audit(d):
    assert d.finish() == 0, d.stderr
    return d.by("summary", role="audit")[-1]


def load_term(tmp):
    """Under the built-in load, SIGTERM: every request the server took was
    answered, every answered row is in the file, nothing committed went
    unanswered, the server exits 0.  (A client whose new connection had
    not yet delivered its request is closed as idle, as Node's
    server.close() does: counted in cut_off, and nothing of it committed.)"""
    db = os.path.join(tmp, "load-term.db")
    d = Demo("db=" + db, "load=8", "stop=term", "stop_after=150")
    s = audit(d)
    server = d.by("summary", role="server")[-1]
    assert s["acknowledged"] >= 150 and s["acknowledged_missing"] == 0, s
    assert s["unacknowledged_rows"] == 0 and s["errors"] == 0 and s["server_code"] == 0, s
    assert server["cut_off"] == 0 and server["code"] == 0, server
    assert server["requests"] == server["acknowledged"] == s["acknowledged"], (server, s)
    assert s["rows"] == len(rows(db)) >= s["acknowledged"], s    # a new file: one run


def load_kill(tmp):
    """SIGKILL: the slow requests in flight are cut off, yet every
    acknowledged row is present (the commit made it durable)."""
    db = os.path.join(tmp, "load-kill.db")
    s = audit(Demo("db=" + db, "load=8", "stop=kill", "stop_after=40",
                   "slow_ms=600000", "slow_every=10"))
    assert s["server_signal"] == "SIGKILL", s
    assert s["acknowledged"] >= 40 and s["acknowledged_missing"] == 0, s
    assert s["cut_off"] >= 1, s


def load_deadline(tmp):
    """A deadline shorter than the slowest request: the server's exit is
    forced (1), the slow requests cut off, nothing acknowledged is lost."""
    db = os.path.join(tmp, "load-deadline.db")
    d = Demo("db=" + db, "load=8", "stop=term", "stop_after=40", "slow_ms=600000",
             "slow_every=10", "deadline_ms=200")
    s = audit(d)
    assert s["server_code"] == 1 and s["cut_off"] >= 1 and s["acknowledged_missing"] == 0, s
    forced = d.by("shutdown", phase="forced")
    assert forced and forced[0]["in_flight"] >= 1, forced


def one_line(args, want, code=2):
    p = subprocess.run([NODELAB, "demo", "shutdown.graceful"] + args, capture_output=True,
                       text=True, timeout=HANG, stdin=subprocess.DEVNULL)
    lines = p.stderr.splitlines()
    assert p.returncode == code and len(lines) == 1 and want in lines[0], (p.returncode, lines)


def bad_db(tmp):
    """A database that cannot be used: one line, exit 2, nothing started."""
    one_line(["--set", "db=" + os.path.join(tmp, "no/such/dir/x.db"), "--set", "load=0"],
             "parameter db")
    text = os.path.join(tmp, "text.db")
    with open(text, "w") as f:
        f.write("this is not a database, but it is long enough to look like a file\n" * 20)
    one_line(["--set", "db=" + text, "--set", "load=0"], "is not an SQLite database")
    one_line(["--set", "stop=bogus"], "allowed: term, kill, key")


def locked_db(tmp):
    """A database another process holds the write lock of: one line, exit 2."""
    db = os.path.join(tmp, "locked.db")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO t VALUES (1)")
    try:
        one_line(["--set", "db=" + db, "--set", "load=0"], "is locked by another process")
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def nothing_left(tmp):
    """No process carrying this test's mark (NL_DEMO_MARK) is alive."""
    mark = ("NL_DEMO_MARK=" + tmp).encode()
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if int(pid) == os.getpid():
            continue
        try:
            if mark in open("/proc/%s/environ" % pid, "rb").read().split(b"\0"):
                state = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    left.append(open("/proc/%s/cmdline" % pid, "rb").read())
        except OSError:
            pass
    assert not left, left


if __name__ == "__main__":
    globals()[sys.argv[1]](sys.argv[2])
