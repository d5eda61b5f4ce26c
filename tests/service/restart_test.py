"""Nothing accepted is lost: `onshi serve` killed with SIGKILL while requests are in the terminal's
hands answers every one after its restart, sending none of them twice (a request already placed in
req is awaited, not placed again), and a 一括照会 job goes on from where it was."""
import os
import re
import socket
import time
import unittest

from serve_fixture import read_text, PERSONAS, ServiceTest, bulk_patients, query, wait_for


def host_part():
    """4 hex digits of FNV-1a of this PC's host name, as the eligibility plugin begins its identifiers."""
    h = 2166136261
    for c in socket.gethostname().encode():
        h = ((h ^ c) * 16777619) & 0xFFFFFFFF
    return "%04x" % ((h ^ (h >> 16)) & 0xFFFF)


class Restart(ServiceTest):
    def test_kill9_with_requests_in_flight_loses_none_and_sends_none_twice(self):
        desks = ["reception-1", "kaikei"]
        s = self.service(desks)
        sim = self.sim("--delay", "250")  # the terminal takes each request, then answers 250 ms later
        asked = {}
        for i, (_, insurer, number, birth) in enumerate(PERSONAS[:8]):
            desk = desks[i % 2]
            status, doc, _ = s.request("POST", "/v1/onshi.eligibility/1/query", desk, query(insurer, number, birth),
                                       {"Prefer": "respond-async"})
            self.assertEqual(status, 202, doc)
            asked[doc["job"]] = (desk, number)
        wait_for(lambda: sim.answered() >= 2)
        s.kill9()  # some answered, some in the terminal's hands, some still in req
        in_req = [n for n in os.listdir(os.path.join(self.oqs, "req")) if not n.startswith(".")]
        self.assertGreater(len(in_req), 0, "the kill came while requests were waiting")
        self.assertEqual(wait_for(lambda: sim.answered() == 8, 20), True, "the terminal answers while the service is down")
        s.start()
        resumed = 0
        for job, (desk, number) in asked.items():
            status, doc, _ = s.request("GET", "/v1/jobs/%s?wait=30" % job, desk)
            self.assertEqual((status, doc["state"]), (200, "done"), doc)
            self.assertEqual(doc["result"]["qualifications"][0]["insured_identification_number"], number)
            resumed += doc.get("resumed", False)
            other = desks[1 - desks.index(desk)]
            self.assertEqual(s.request("GET", "/v1/jobs/" + job, other)[0], 404)
        self.assertGreaterEqual(resumed, len(in_req), "those unanswered at the kill were carried on after it")
        time.sleep(0.5)
        self.assertEqual(sim.answered(), 8, "0 sent twice")
        self.assertIn("job_resumed", s.log_text())

    def test_kill9_in_flight_then_new_requests_never_reuse_a_request_name(self):
        # Without the random part of a name, only the sequence the plugin keeps in the service's
        # state folder keeps names apart: the strictest case for a restart.
        plugins = {"onshi.eligibility": {"folder": {"root": self.oqs, "rescan_ms": 50, "timeout_ms": 20000,
                                                    "random_name_part": False}}}
        s = self.service(["reception-1", "kaikei"], plugins=plugins)
        sim = self.sim("--delay", "200")
        asked = {}

        def ask_async(i, desk):
            _, insurer, number, birth = PERSONAS[i % len(PERSONAS)]
            status, doc, _ = s.request("POST", "/v1/onshi.eligibility/1/query", desk, query(insurer, number, birth),
                                       {"Prefer": "respond-async"})
            self.assertEqual(status, 202, doc)
            asked[doc["job"]] = (desk, number)

        for i in range(6):
            ask_async(i, ("reception-1", "kaikei")[i % 2])
        wait_for(lambda: sim.answered() >= 1)
        before = sorted(n for n in os.listdir(os.path.join(self.oqs, "req")) if n.endswith(".xml"))
        s.kill9()
        self.assertTrue(before, "the kill came while requests were waiting in req")
        s.start()
        for i in range(6, 12):  # new requests while the old ones are still being awaited
            ask_async(i, ("reception-1", "kaikei")[i % 2])
        for job, (desk, number) in asked.items():
            status, doc, _ = s.request("GET", "/v1/jobs/%s?wait=30" % job, desk)
            self.assertEqual((status, doc["state"]), (200, "done"), doc)
            self.assertEqual(doc["result"]["qualifications"][0]["insured_identification_number"], number,
                             "an answer to another request of the same name")
        names = wait_for(lambda: len(sim.answered_names()) >= 12 and sim.answered_names())
        self.assertEqual(len(names), 12, "every accepted request reached the terminal once: %s" % sim.answered_names())
        self.assertEqual(len(set(names)), 12, "a request name was used twice: %s" % names)

    def test_a_job_accepted_before_the_terminal_is_up_is_sent_after_the_restart(self):
        s = self.service(["reception-1"])  # no terminal at all yet: the request waits in req
        name, insurer, number, birth = PERSONAS[1]
        status, doc, _ = s.request("POST", "/v1/onshi.eligibility/1/query", "reception-1", query(insurer, number, birth),
                                   {"Prefer": "respond-async"})
        job = doc["job"]
        placed = wait_for(lambda: [n for n in os.listdir(os.path.join(self.oqs, "req")) if n.endswith(".xml")])
        self.assertTrue(placed)
        with open(os.path.join(self.oqs, "req", placed[0]), "rb") as f:
            identifier = re.search(rb"<ArbitraryFileIdentifier>([^<]*)<", f.read())
        self.assertEqual(identifier.group(1)[:4].decode(), host_part(), "the identifier names the PC that asked")
        s.kill9()
        s.start()
        sim = self.sim()
        status, doc, _ = s.request("GET", "/v1/jobs/%s?wait=30" % job, "reception-1")
        self.assertEqual(doc["state"], "done", doc)
        self.assertEqual(doc["result"]["qualifications"][0]["insured_identification_number"], number)
        self.assertEqual(sim.answered(), 1)

    def test_a_bulk_job_keeps_going_after_kill9(self):
        sim = self.sim("--bulk-polls", "3")
        plugins = {"onshi.eligibility": {"folder": {"root": self.oqs, "rescan_ms": 50},
                                         "bulk": {"poll_ms": 300, "chunk_size": 2}}}
        s = self.service(["reception-1"], plugins=plugins)
        patients = bulk_patients(5)
        status, doc, _ = s.request("POST", "/v1/onshi.eligibility-records/1/bulk_start", "reception-1",
                                   {"patients": patients}, {"Prefer": "respond-async"})
        self.assertEqual(status, 202, doc)
        job = doc["job"]
        uploaded = wait_for(lambda: s.request("GET", "/v1/jobs/" + job, "reception-1")[1].get("progress", {}).get("stage")
                            in ("uploaded", "waiting"), 20)
        self.assertTrue(uploaded)
        s.kill9()
        s.start()
        status, doc, _ = s.request("GET", "/v1/jobs/%s?wait=60" % job, "reception-1")
        self.assertEqual(doc["state"], "done", doc)
        self.assertEqual(doc["result"]["state"], "done")
        self.assertEqual(sorted(doc["result"]["results"]), sorted(p["patient_id"] for p in patients))
        uploads = read_text(sim.log_path).count("bulk-upload")
        self.assertEqual(uploads, 3, "each chunk of 2 uploaded once, none again after the restart")


if __name__ == "__main__":
    unittest.main()
