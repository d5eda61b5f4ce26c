"""What the service's tests share: the real onshi-sim and `onshi serve` as processes (started and
stopped by their own pids), a configuration with desks, and an HTTP client of Python's standard
library only. Paths come from the environment ctest sets (tests/service/CMakeLists.txt)."""
import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import ssl
import struct
import subprocess
import tempfile
import time
import unittest

CLI = os.environ["ONSHI_CLI_EXE"]
SIM = os.environ["ONSHI_SIM_EXE"]
PLUGINS = os.environ["ONSHI_PLUGIN_DIR"]
CERT_SCRIPT = os.environ.get("ONSHI_TLS_CERT_SCRIPT", "")

# A person per desk, each with a birth date no other has (samples/sim/personas.json).
PERSONAS = [
    ("shaho-valid", "06139992", "5678", "19800515"),
    ("kokuho-valid", "138123", "456789", "19850220"),
    ("kouki-1wari", "39131230", "00012345", "19450310"),
    ("jieikan", "07135015", "3000123", "19900101"),
    ("tokubetsu", "138123", "777001", "19700707"),
    ("lost-old", "06131114", "2222", "19881111"),
    ("lost-new", "06132229", "3333", "19920202"),
    ("blackdot", "06135552", "6666", "19600606"),
    ("blank-kana", "06136667", "7777", "19951212"),
    ("preschool", "138123", "888002", "20220810"),
    ("gendogaku", "06137772", "8888", "19720303"),
    ("koureisha", "06138887", "9999", "19540101"),
]


def query(insurer, number, birth):
    return {"schema": "onshi.eligibility.request/1", "kind": "insured", "insurer_number": insurer,
            "number": number, "birth_date": birth}


def token_of(desk):
    return "token-of-" + desk


def bulk_patients(count):
    """A 一括照会's patients: the first `count` personas, P0, P1, ..."""
    return [{"patient_id": "P%d" % i, "insurer_number": p[1], "number": p[2], "birth_date": p[3]}
            for i, p in enumerate(PERSONAS[:count])]


def desk(name, **fields):
    """A desk's entry in the configuration, known by its token (token_of)."""
    return dict(name=name, token_sha256=hashlib.sha256(token_of(name).encode()).hexdigest(), **fields)


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def wait_for(predicate, seconds=10.0, step=0.02):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


class Sim:
    """onshi-sim serving the terminal's folders under `root`; its stdout (one line per answer) kept."""

    def __init__(self, root, *extra):
        self.root = root
        os.makedirs(root, exist_ok=True)
        self.log_path = os.path.join(root, "..", os.path.basename(root) + "-sim.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([SIM, "serve", "--root", root, "--poll", "20", *extra], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        assert wait_for(lambda: "serving" in read_text(self.log_path)), "onshi-sim did not start"

    def answered_names(self, prefix="OQSsiquc01"):
        """The answer files it wrote, in order: a name twice is a request name used twice."""
        return [line[len("answer "):] for line in read_text(self.log_path).splitlines()
                if line.startswith("answer " + prefix)]

    def answered(self, prefix="OQSsiquc01"):
        return len(self.answered_names(prefix))

    def push_faces(self, personas):
        control = os.path.join(self.root, "sim-control")
        tmp = os.path.join(control, ".face.tmp")
        with open(tmp, "w") as f:
            f.write("\n".join(personas) + "\n")
        os.rename(tmp, os.path.join(control, "face"))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)
        self.log.close()


class Service:
    """`onshi serve` with a configuration written for it; port once it listens."""

    def __init__(self, work, desks, oqs_root=None, tls=None, limits=None, plugins=None, state_dir=None, extra=None,
                 name="serve"):
        self.work = work
        self.desks = desks
        self.state_dir = state_dir or os.path.join(work, name + "-state")
        self.config_path = os.path.join(work, name + ".json")
        self.port_file = os.path.join(work, name + ".port")
        self.log_path = os.path.join(work, name + ".log")
        self.tls = tls
        config = {
            "listen": "127.0.0.1:0",
            "state_dir": self.state_dir,
            "plugin_dirs": [PLUGINS],
            "use_default_plugin_dirs": False,
            "plugins": plugins if plugins is not None else {
                "onshi.claims": {},
                "onshi.eligibility": {"folder": {"root": oqs_root or os.path.join(work, "oqs"), "rescan_ms": 50,
                                                 "timeout_ms": 20000}},
            },
            "desks": [d if isinstance(d, dict) else desk(d) for d in desks],
            "limits": limits or {},
        }
        if tls:
            config["tls"] = tls
        config.update(extra or {})
        with open(self.config_path, "w") as f:
            json.dump(config, f)
        self.proc = None
        self.start()

    def start(self):
        if os.path.exists(self.port_file):
            os.remove(self.port_file)
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen([CLI, "serve", "--config", self.config_path, "--port-file", self.port_file],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        listening = lambda: os.path.exists(self.port_file) and read_text(self.port_file).strip()
        wait_for(lambda: listening() or self.proc.poll() is not None, 15)
        port = listening()
        assert port, "onshi serve did not start:\n" + read_text(self.log_path)[-3000:]
        self.port = int(port)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.log.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(15)
        if not self.log.closed:
            self.log.close()

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def log_text(self):
        return read_text(self.log_path)

    def audit(self):
        """The audit trail as the service keeps it: its records in the store (onshi.db), oldest first."""
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(self.state_dir, "onshi.db"), uri=True)
        try:
            rows = db.execute("SELECT doc FROM records WHERE collection = 'audit' ORDER BY id").fetchall()
        finally:
            db.close()
        return [json.loads(doc) for (doc,) in rows]

    def audited(self, count, seconds=5):
        """The audit trail once it holds at least `count` records (they are written in batches)."""
        return wait_for(lambda: len(self.audit()) >= count and self.audit(), seconds)

    def kept_files(self):
        """Every file the service keeps on disk (the store and its write-ahead log...): {path: bytes}."""
        kept = {}
        for folder, _, files in os.walk(self.state_dir):
            for name in files:
                with open(os.path.join(folder, name), "rb") as f:
                    kept[os.path.relpath(os.path.join(folder, name), self.state_dir)] = f.read()
        return kept

    # ---- HTTP, with Python's standard library only

    def connection(self, timeout=30, cert=None):
        if not self.tls:
            return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        ctx = ssl.create_default_context(cafile=self.tls["ca"])
        if cert:
            ctx.load_cert_chain(*cert)
        return http.client.HTTPSConnection("localhost", self.port, timeout=timeout, context=ctx)

    def request(self, method, path, desk=None, body=None, headers=None, token=None, timeout=60, cert=None):
        h = dict(headers or {})
        if desk is not None or token is not None:
            h["Authorization"] = "Bearer " + (token if token is not None else token_of(desk))
        data = body if isinstance(body, (bytes, str)) or body is None else json.dumps(body)
        if isinstance(data, str):
            data = data.encode()
        c = self.connection(timeout, cert)
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        raw = r.read()
        c.close()
        content_type = r.getheader("Content-Type", "")
        doc = json.loads(raw) if raw and content_type.startswith("application/json") else raw
        return r.status, doc, r

    def raw(self, data, read_seconds=10):
        """Bytes as they are sent on the socket; the answer as read until the server closes."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=read_seconds)
        if data:
            s.sendall(data)
        s.shutdown(socket.SHUT_WR)  # all said: the server may close as soon as it answered
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except socket.timeout:
            pass
        s.close()
        return out


class EventStream:
    """One desk's events as they arrive, read on a thread (over SSE or a WebSocket, below)."""

    def __init__(self):
        import threading
        self.events = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, daemon=True)

    def _add(self, event):
        with self.lock:
            self.events.append(event)

    def of_kind(self, kind):
        with self.lock:
            return [e for e in self.events if e["kind"] == kind]

    def wait(self, predicate, seconds=20):
        return wait_for(lambda: predicate(self), seconds)


class Events(EventStream):
    """An SSE stream of one desk."""

    def __init__(self, service, desk, since=None, last_event_id=None):
        super().__init__()
        path = "/v1/events" + ("?since=%d" % since if since is not None else "")
        headers = {"Accept": "text/event-stream", "Authorization": "Bearer " + token_of(desk)}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.conn = service.connection(timeout=120)
        self.conn.request("GET", path, headers=headers)
        self.response = self.conn.getresponse()
        assert self.response.status == 200, self.response.status
        assert self.response.getheader("Content-Type") == "text/event-stream"
        self.thread.start()

    def _read(self):
        data = []
        try:
            for line in self.response:
                line = line.decode().rstrip("\n")
                if line.startswith("data: "):
                    data.append(line[6:])
                elif line == "" and data:
                    self._add(json.loads("\n".join(data)))
                    data = []
        except Exception:
            pass

    def close(self):
        try:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        except Exception:
            pass
        self.conn.close()


class WebSocketEvents(EventStream):
    """A WebSocket stream of one desk, with the standard library only: the handshake (its accept key
    checked) and the server's unmasked text frames; other frames (pings) are skipped."""

    def __init__(self, service, desk, since=None):
        super().__init__()
        self.sock = socket.create_connection(("127.0.0.1", service.port), timeout=120)
        key = base64.b64encode(os.urandom(16)).decode()
        path = "/v1/events" + ("?since=%d" % since if since is not None else "")
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer %s\r\n\r\n"
                           % (path, key, token_of(desk))).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        assert head.startswith(b"HTTP/1.1 101"), head
        assert accept in head, head
        self.thread.start()

    def _exactly(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def _read(self):
        try:
            while True:
                b1, b2 = self._exactly(2)
                n = b2 & 0x7F
                if n == 126:
                    n = struct.unpack(">H", self._exactly(2))[0]
                elif n == 127:
                    n = struct.unpack(">Q", self._exactly(8))[0]
                payload = self._exactly(n)
                if b1 & 0x0F == 1:
                    self._add(json.loads(payload))
        except Exception:
            pass

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except Exception:
            pass
        self.sock.close()


class ServiceTest(unittest.TestCase):
    """A scratch folder with the terminal's req/res/face, removed afterwards."""

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="onshi-serve-test-")
        self.oqs = os.path.join(self.work, "oqs")
        for sub in ("req", "res", "face"):
            os.makedirs(os.path.join(self.oqs, sub))
        self.to_stop = []

    def tearDown(self):
        for p in reversed(self.to_stop):
            try:
                p.stop()
            except Exception:
                pass
        shutil.rmtree(self.work, ignore_errors=True)

    def sim(self, *extra):
        s = Sim(self.oqs, *extra)
        self.to_stop.append(s)
        return s

    def service(self, desks, **kw):
        kw.setdefault("oqs_root", self.oqs)
        s = Service(self.work, desks, **kw)
        self.to_stop.append(s)
        return s

    def assertNowhere(self, secret, service, on_disk=True):
        """`secret` (a PIN, an individual number) is not in the audit trail, the service's log or (unless
        told) any file it keeps, as digits of their own (a port number may hold the same four digits)."""
        alone = re.compile(rb"(?<![0-9])" + re.escape(secret.encode()) + rb"(?![0-9])")
        places = {"the audit trail": json.dumps(service.audit(), ensure_ascii=False).encode(),
                  "the log": service.log_text().encode()}
        if on_disk:
            places.update(("state file " + path, data) for path, data in service.kept_files().items())
        for place, data in places.items():
            self.assertIsNone(alone.search(data), "%s holds %s" % (place, secret))

    def pki(self):
        d = os.path.join(self.work, "pki")
        subprocess.run(["sh", CERT_SCRIPT, d], check=True, stdout=subprocess.DEVNULL)
        return d
