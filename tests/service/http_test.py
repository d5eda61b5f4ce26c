"""onshi serve as any HTTP client sees it (Python's standard library): who may ask, what each desk may
see, how bad input and slow or greedy clients are answered, and the calls themselves."""
import hashlib
import json
import os
import socket
import ssl
import time
import unittest

from serve_fixture import PERSONAS, Events, ServiceTest, WebSocketEvents, query, read_text, token_of, wait_for

SHAHO = query("06139992", "5678", "19800515")


class Auth(ServiceTest):
    def test_health_needs_nothing_and_every_other_route_a_desk(self):
        s = self.service(["reception-1", "kaikei"])
        status, doc, _ = s.request("GET", "/v1/health")
        self.assertEqual((status, doc["status"]), (200, "ok"))
        for path in ("/v1/status", "/v1/plugins", "/v1/functions", "/v1/jobs", "/v1/queue"):
            status, doc, r = s.request("GET", path)
            self.assertEqual(status, 401, path)
            self.assertEqual(doc["schema"], "onshi.error/1")
            self.assertEqual(doc["status"], "ONSHI_E_AUTH")
            self.assertIn("Bearer", r.getheader("WWW-Authenticate"))
            status, doc, _ = s.request("GET", path, token="not-a-desk-token")
            self.assertEqual(status, 401, path)
            self.assertIn("not one this service knows", doc["message"])
        status, doc, _ = s.request("POST", "/v1/onshi.claims/1/check_number", token="wrong",
                                   body={"kind": "insurer", "number": "06139992"})
        self.assertEqual(status, 401, "a function is no exception")
        status, doc, _ = s.request("GET", "/v1/status", desk="kaikei")
        self.assertEqual((status, doc["desk"]), (200, "kaikei"))
        log = s.log_text()
        self.assertIn('"desk":"kaikei"', log)
        self.assertNotIn(token_of("kaikei"), log, "a token is never logged")

    def test_another_desks_job_is_not_found_and_ids_tell_nothing(self):
        s = self.service(["reception-1", "kaikei"])  # no simulator: the query waits
        status, doc, _ = s.request("POST", "/v1/onshi.eligibility/1/query", "reception-1", SHAHO,
                                   {"Prefer": "respond-async"})
        self.assertEqual(status, 202)
        job = doc["job"]
        self.assertRegex(job, "^[0-9a-f]{32}$")
        self.assertEqual(s.request("GET", "/v1/jobs/" + job, "reception-1")[0], 200)
        for method in ("GET", "DELETE"):
            status, doc, _ = s.request(method, "/v1/jobs/" + job, "kaikei")
            self.assertEqual(status, 404, method + ": another desk's job is as if it did not exist")
        self.assertEqual(s.request("GET", "/v1/jobs/" + "0" * 32, "reception-1")[0], 404)
        mine = [j["job"] for j in s.request("GET", "/v1/jobs", "reception-1")[1]["jobs"]]
        theirs = [j["job"] for j in s.request("GET", "/v1/jobs", "kaikei")[1]["jobs"]]
        self.assertEqual((mine, theirs), ([job], []))
        status, doc, _ = s.request("DELETE", "/v1/jobs/" + job, "reception-1")
        self.assertEqual(status, 202)
        done = wait_for(lambda: s.request("GET", "/v1/jobs/" + job, "reception-1")[1]["state"] != "running")
        self.assertEqual(done, True)
        status, doc, _ = s.request("GET", "/v1/jobs/" + job, "reception-1")
        self.assertEqual(doc["state"], "cancelled")
        self.assertEqual(doc["error"]["status"], "ONSHI_E_CANCELLED")


class Calls(ServiceTest):
    def test_sync_async_waited_and_not_waited(self):
        self.sim()
        s = self.service(["reception-1"])
        status, doc, r = s.request("POST", "/v1/onshi.claims/1/check_number", "reception-1",
                                   {"schema": "onshi.claims.number-request/1", "kind": "insurer", "number": "06139992"})
        self.assertEqual((status, doc["valid"]), (200, True))
        status, html, r = s.request("POST", "/v1/onshi.claims/1/statement_form", "reception-1",
                                    {"schema": "onshi.claims.statement-prefill/1", "patient": {"name": "山田 太郎"},
                                     "today": "2026-11-10"})
        self.assertEqual(status, 200)
        self.assertTrue(r.getheader("Content-Type").startswith("text/html"))
        self.assertIn("山田 太郎".encode(), html)
        status, doc, _ = s.request("POST", "/v1/onshi.eligibility/1/query", "reception-1", SHAHO)
        self.assertEqual(status, 200, doc)
        self.assertEqual(doc["schema"], "onshi.eligibility.outcome/1")
        self.assertEqual(doc["qualifications"][0]["insured_identification_number"], "5678")
        status, doc, _ = s.request("POST", "/v1/onshi.eligibility/1/query?wait=0", "reception-1", SHAHO)
        self.assertEqual((status, doc["state"]), (202, "running"))
        status, job, _ = s.request("GET", doc["href"] + "?wait=20", "reception-1")
        self.assertEqual((status, job["state"]), (200, "done"))
        self.assertEqual(job["result"]["kind"], "valid")
        self.assertEqual(job["progress"]["schema"], "onshi.eligibility.placed/1")
        self.assertNotIn("resume", job["progress"], "how a job is carried on stays inside the service")
        listed = s.request("GET", "/v1/functions", "reception-1")[1]["functions"]
        self.assertIn("/v1/onshi.eligibility/1/query", [f["href"] for f in listed])

    def test_plugin_errors_keep_their_words_and_get_a_status(self):
        s = self.service(["reception-1"])
        status, doc, _ = s.request("POST", "/v1/onshi.claims/1/copay", "reception-1",
                                   {"schema": "onshi.claims.copay-request/1", "birth_date": "1980/02/29"})
        self.assertEqual(status, 400)
        self.assertEqual((doc["status"], doc["plugin"]), ("ONSHI_E_INVALID_ARGUMENT", "onshi.claims"))
        self.assertIn("birth_date", doc["message"])
        status, doc, _ = s.request("POST", "/v1/onshi.eligibility/1/query", "reception-1",
                                   {"kind": "card", "certificate": "AAAA"})
        self.assertEqual((status, doc["status"]), (501, "ONSHI_E_NOT_SUPPORTED"))
        self.assertTrue(doc["hint"])
        status, doc, _ = s.request("POST", "/v1/onshi.claims/1/refund", "reception-1", {})
        self.assertEqual(status, 404)
        self.assertIn("/v1/functions", doc["hint"])
        status, doc, r = s.request("GET", "/v1/onshi.claims/1/copay", "reception-1")
        self.assertEqual((status, r.getheader("Allow")), (405, "POST"))
        status, doc, _ = s.request("POST", "/v1/onshi.eligibility/1/query", "reception-1",
                                   dict(SHAHO, number="123456789012"))  # R-NOMYNUM: 12 digits
        self.assertEqual(status, 400)
        self.assertNotIn("123456789012", json.dumps(doc))
        self.assertNotIn("123456789012", s.log_text())


class BadInput(ServiceTest):
    def test_malformed_json_is_400_naming_where(self):
        s = self.service(["reception-1"])
        status, doc, _ = s.request("POST", "/v1/onshi.claims/1/copay", "reception-1", '{"schema": "x",\n  "birth_date": }')
        self.assertEqual(status, 400)
        self.assertIn("line 2, column 17 (byte 32)", doc["message"])
        self.assertIn("expected a value", doc["message"])
        status, doc, _ = s.request("POST", "/v1/onshi.claims/1/copay", "reception-1", b'{"name": "\xff\xfe"}')
        self.assertEqual(status, 400)
        self.assertIn("UTF-8", doc["message"])
        status, doc, _ = s.request("POST", "/v1/onshi.claims/1/copay", "reception-1", "[" * 10000)
        self.assertEqual(status, 400)
        self.assertIn("nesting", doc["message"])
        status, doc, _ = s.request("POST", "/v1/desk/expectations", "reception-1", '{"birth_date": 19800515}')
        self.assertEqual(status, 400)
        self.assertIn("birth_date", doc["message"])

    def test_huge_bodies_and_headers_are_refused_and_memory_stays_bounded(self):
        s = self.service(["reception-1"], limits={"max_body_bytes": 65536})
        head = ("POST /v1/onshi.claims/1/copay HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                "Content-Type: application/json\r\n" % token_of("reception-1"))
        before = s.rss_kib()
        for _ in range(20):  # announced: refused before a byte of it is read
            answer = s.raw((head + "Content-Length: 104857600\r\n\r\n").encode() + b"{" * 1000)
            self.assertTrue(answer.startswith(b"HTTP/1.1 413"), answer[:80])
        self.assertIn(b"over the limit of 65536", answer)
        chunk = b"x" * 8192
        body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(40)) + b"0\r\n\r\n"
        for _ in range(5):  # chunked, no length: cut at the limit
            answer = s.raw((head + "Transfer-Encoding: chunked\r\n\r\n").encode() + body)
            self.assertTrue(answer.startswith(b"HTTP/1.1 413"), answer[:80])
        answer = s.raw(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n")
        self.assertTrue(answer.startswith(b"HTTP/1.1 431"), answer[:80])
        grown = s.rss_kib() - before
        self.assertLess(grown, 32 * 1024, "memory grew %d KiB for refused bodies" % grown)
        self.assertEqual(s.request("GET", "/v1/health")[0], 200, "and it still serves")

    def test_slow_clients_get_408_and_idle_ones_are_closed(self):
        s = self.service(["reception-1"], limits={"header_timeout_ms": 400, "body_timeout_ms": 400})
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        sock.sendall(b"GET /v1/health HTTP/1.1\r\nHo")  # and then nothing more
        answer = sock.recv(4096)
        self.assertTrue(answer.startswith(b"HTTP/1.1 408"), answer[:80])
        self.assertIn(b"did not arrive in time", answer)
        sock.close()
        started = time.monotonic()
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        sock.sendall(("POST /v1/onshi.claims/1/copay HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
                      "Authorization: Bearer %s\r\n\r\n{\"sch" % token_of("reception-1")).encode())
        answer = sock.recv(4096)  # 94 bytes of the body never come
        self.assertTrue(answer.startswith(b"HTTP/1.1 408"), answer[:80])
        self.assertLess(time.monotonic() - started, 5)
        sock.close()
        self.assertEqual(s.raw(b""), b"", "an idle connection is closed without a word")

    def test_connections_and_jobs_are_capped(self):
        s = self.service(["reception-1", "kaikei"],
                         limits={"max_connections": 4, "max_jobs_per_desk": 2, "header_timeout_ms": 3000})
        idle = [socket.create_connection(("127.0.0.1", s.port)) for _ in range(4)]
        time.sleep(0.2)
        answer = s.raw(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(answer.startswith(b"HTTP/1.1 503"), answer[:80])
        self.assertIn(b"Retry-After: 1", answer)
        for c in idle:
            c.close()
        self.assertEqual(wait_for(lambda: s.request("GET", "/v1/health")[0] == 200), True)
        for _ in range(2):  # no simulator: they wait
            self.assertEqual(s.request("POST", "/v1/onshi.eligibility/1/query", "reception-1", SHAHO,
                                       {"Prefer": "respond-async"})[0], 202)
        status, doc, r = s.request("POST", "/v1/onshi.eligibility/1/query", "reception-1", SHAHO,
                                   {"Prefer": "respond-async"})
        self.assertEqual((status, r.getheader("Retry-After")), (429, "1"))
        self.assertEqual(s.request("POST", "/v1/onshi.eligibility/1/query", "kaikei", SHAHO,
                                   {"Prefer": "respond-async"})[0], 202, "another desk is not held up")


class Streams(ServiceTest):
    def test_a_desk_that_reconnects_gets_what_it_missed_and_nothing_of_another_desk(self):
        self.sim()
        s = self.service(["reception-1", "kaikei"])
        stream = Events(s, "reception-1")
        status, doc, _ = s.request("POST", "/v1/onshi.eligibility/1/query", "reception-1", SHAHO)
        self.assertEqual(status, 200)
        done = stream.wait(lambda e: [x for x in e.of_kind("job") if x["data"]["state"] == "done"])
        self.assertTrue(done)
        last = done[-1]["seq"]
        stream.close()
        jobs = []
        for _ in range(3):  # while the desk is away
            status, doc, _ = s.request("POST", "/v1/onshi.eligibility/1/query?wait=0", "reception-1", SHAHO)
            jobs.append(doc["job"])
        s.request("POST", "/v1/onshi.eligibility/1/query", "kaikei", SHAHO)
        for j in jobs:
            self.assertEqual(s.request("GET", "/v1/jobs/%s?wait=20" % j, "reception-1")[1]["state"], "done")
        back = Events(s, "reception-1", last_event_id=last)
        ended = back.wait(lambda e: sorted({x["data"]["job"] for x in e.of_kind("job") if x["data"]["state"] == "done"}) == sorted(jobs))
        self.assertTrue(ended, back.events)
        seqs = [e["seq"] for e in back.events]
        self.assertEqual(seqs, sorted(seqs))
        self.assertGreater(min(seqs), last)
        self.assertTrue(all(x["data"]["job"] in jobs for x in back.of_kind("job")), "only this desk's jobs")
        back.close()
        ws = WebSocketEvents(s, "reception-1", since=0)  # 0: everything kept
        self.assertTrue(ws.wait(lambda e: len(e.events) >= 3))
        seen = ws.events[:3]
        self.assertEqual([e["schema"] for e in seen], ["onshi.event/1"] * 3)
        self.assertEqual(seen[0]["seq"], min(e["seq"] for e in seen))
        ws.close()
        self.assertEqual(s.request("GET", "/v1/events?since=x", "reception-1")[0], 400)


class MutualTls(ServiceTest):
    def test_desks_by_client_certificate_or_token_over_tls(self):
        pki = self.pki()
        der = ssl.PEM_cert_to_DER_cert(read_text(os.path.join(pki, "client.pem")))
        fingerprint = ":".join("%02X" % b for b in hashlib.sha256(der).digest())
        tls = {"cert_file": os.path.join(pki, "server.pem"), "key_file": os.path.join(pki, "server.key"),
               "client_ca_file": os.path.join(pki, "ca.pem"), "ca": os.path.join(pki, "ca.pem")}
        s = self.service([{"name": "kensa", "client_cert": {"sha256": fingerprint}}, "reception-1"],
                         tls={k: v for k, v in tls.items() if k != "ca"}, extra={"listen": "127.0.0.1:0"})
        s.tls = tls
        client = (os.path.join(pki, "client.pem"), os.path.join(pki, "client.key"))
        self.assertEqual(s.request("GET", "/v1/health")[0], 200, "health needs no certificate")
        self.assertEqual(s.request("GET", "/v1/status")[0], 401, "no certificate, no token")
        status, doc, _ = s.request("GET", "/v1/status", cert=client)
        self.assertEqual((status, doc["desk"], doc["tls"]), (200, "kensa", True))
        self.assertEqual(s.request("GET", "/v1/status", "reception-1")[1]["desk"], "reception-1")
        self.assertEqual(s.request("GET", "/v1/status", token="wrong", cert=client)[0], 401,
                         "a wrong token is refused even with a good certificate")
        other = (os.path.join(pki, "client-otherca.pem"), os.path.join(pki, "client-otherca.key"))
        with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
            s.request("GET", "/v1/status", cert=other)
        os.chmod(os.path.join(pki, "server.key"), 0o644)  # R: a key others may read is refused
        s.stop()
        with self.assertRaises(AssertionError):
            s.start()
        self.assertIn("readable by other users", s.log_text())


if __name__ == "__main__":
    unittest.main()
