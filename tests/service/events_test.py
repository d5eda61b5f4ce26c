"""Events on GET /v1/events reach the desks they are for, over a WebSocket at one desk and SSE at the
other: disaster mode switched on and off (the whole clinic's news, R-DISASTER), and a 一括照会's
progress (its desk's alone). The card's events, which need the real pcscd, are in card_test.py."""
import datetime
import unittest

from serve_fixture import PERSONAS, Events, ServiceTest, WebSocketEvents, bulk_patients, query

DOCTOR = {"id": "dr-001", "role": "doctor"}


def jobs_in(stream):
    return {e["data"]["job"] for e in stream.of_kind("job")}


class DeskEvents(ServiceTest):
    def test_disaster_mode_on_and_off_reaches_every_desk_in_order(self):
        s = self.service(["reception-1", "kaikei"], plugins={
            "onshi.eligibility": {"folder": {"root": self.oqs}},
            "onshi.disaster": {"location": {"prefecture_code": "13", "municipality_code": "13101"}}})
        ws, sse = WebSocketEvents(s, "reception-1"), Events(s, "kaikei")
        # Disaster mode runs on the real time: declared from now until tomorrow (JST).
        tomorrow = (datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=9))) +
                    datetime.timedelta(days=1)).strftime("%Y-%m-%d")
        status, on, _ = s.request("POST", "/v1/onshi.disaster/1/declare", "reception-1",
                                  {"schema": "onshi.disaster.declare-request/1", "reference": "令和8年試験地震",
                                   "area": ["13101"], "closes_at": tomorrow, "operator": DOCTOR})
        self.assertEqual(status, 200, on)
        status, off, _ = s.request("POST", "/v1/onshi.disaster/1/end", "kaikei",
                                   {"schema": "onshi.disaster.end-request/1", "reason": "閉塞", "operator": DOCTOR})
        self.assertEqual(status, 200, off)
        for stream in (ws, sse):  # declared at one desk, ended at the other: both hear both, once each
            switches = stream.wait(lambda e: len(e.of_kind("disaster")) >= 2 and e.of_kind("disaster"))
            self.assertTrue(switches, stream.events)
            self.assertEqual([e["data"]["state"] for e in switches], [on["state"], off["state"]])
            self.assertEqual(switches[1]["data"]["state"], "ended_by_hand")
            self.assertEqual({e["plugin"] for e in switches}, {"onshi.disaster"})
        self.assertNotEqual(on["state"], off["state"])
        self.assertEqual((len(ws.of_kind("disaster")), len(sse.of_kind("disaster"))), (2, 2), "each switch once")
        ws.close()
        sse.close()

    def test_bulk_progress_reaches_the_desk_that_started_it_and_no_other(self):
        self.sim("--bulk-polls", "3")
        s = self.service(["reception-1", "kaikei"], plugins={
            "onshi.eligibility": {"folder": {"root": self.oqs, "rescan_ms": 50},
                                  "bulk": {"poll_ms": 200, "chunk_size": 2}}})
        ws, sse = WebSocketEvents(s, "reception-1"), Events(s, "kaikei")
        patients = bulk_patients(3)
        status, doc, _ = s.request("POST", "/v1/onshi.eligibility-records/1/bulk_start", "reception-1",
                                   {"patients": patients}, {"Prefer": "respond-async"})
        self.assertEqual(status, 202, doc)
        bulk = doc["job"]
        status, doc, r = s.request("POST", "/v1/onshi.eligibility/1/query", "kaikei", query(*PERSONAS[1][1:]))
        self.assertEqual(status, 200, doc)
        theirs = r.getheader("X-Onshi-Job")
        ended = ws.wait(lambda e: [x for x in e.of_kind("job") if x["data"]["job"] == bulk and x["data"]["state"] != "running"])
        self.assertTrue(ended, ws.events)
        self.assertEqual(ended[0]["data"]["state"], "done")
        stages = [x["data"]["progress"].get("stage") for x in ws.of_kind("job")
                  if x["data"]["job"] == bulk and x["data"]["state"] == "running"]
        self.assertIn("uploaded", stages, "the bulk job's progress, as it goes")
        self.assertNotIn("resume", str(ws.of_kind("job")), "how a job is carried on stays inside the service")
        self.assertTrue(sse.wait(lambda e: [x for x in e.of_kind("job") if x["data"]["state"] == "done"]),
                        "kaikei's stream is alive: it heard its own query end")
        self.assertEqual(jobs_in(sse), {theirs}, "another desk hears nothing of a desk's bulk job")
        self.assertEqual(jobs_in(ws), {bulk}, "nor the bulk's desk of kaikei's query")
        ws.close()
        sse.close()


if __name__ == "__main__":
    unittest.main()
