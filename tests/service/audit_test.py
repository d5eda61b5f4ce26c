"""Every request to onshi serve is audited with its desk, read back from the store where the service
keeps its audit trail: the desk, the method and the function's route, the status, never a query string,
a body, a token or an individual number (R-NOMYNUM). The PIN's side is in card_test.py (R-PIN)."""
import unittest

from serve_fixture import ServiceTest, query, token_of

MY_NUMBER = "123456789012"  # 12 digits: the shape of an individual number


class AuditTrail(ServiceTest):
    def test_every_request_is_audited_with_its_desk_and_never_an_individual_number(self):
        s = self.service(["reception-1", "kaikei"])
        asked = [
            ("reception-1", "POST", "/v1/onshi.eligibility/1/query", query("06139992", MY_NUMBER, "19800515"), 400),
            ("kaikei", "POST", "/v1/onshi.claims/1/check_number", {"schema": "onshi.claims.number-request/1", "kind": "insurer",
                                                            "number": "06139992"}, 200),
            ("kaikei", "GET", "/v1/status", None, 200),
            ("", "GET", "/v1/jobs", None, 401),
        ]
        for desk, method, route, body, expected in asked:
            status, doc, _ = s.request(method, route, desk or None, body, token=None if desk else "not-a-desk")
            self.assertEqual(status, expected, doc)
            self.assertNotIn(MY_NUMBER, str(doc), "refused without echo: " + route)
        status, _, _ = s.request("GET", "/v1/events?since=x&access_token=" + token_of("kaikei"))
        self.assertEqual(status, 400)
        asked.append(("kaikei", "GET", "/v1/events", None, 400))

        trail = s.audited(len(asked))
        self.assertTrue(trail, "audited within a batch's time")
        self.assertEqual([(r["desk"], r["method"], r["route"], r["status"]) for r in trail],
                         [(desk, method, route, expected) for desk, method, route, _, expected in asked])
        self.assertTrue(all(r["remote"].startswith("127.0.0.1") and r["ms"] >= 0 for r in trail))
        self.assertEqual(set().union(*(r.keys() for r in trail)), {"desk", "method", "route", "status", "ms", "remote"},
                         "nothing but these: no body, no query")
        self.assertNowhere(MY_NUMBER, s, on_disk=False)
        self.assertNotIn(token_of("kaikei"), s.log_text() + str(trail), "nor the token from a query string")

    # R-NOMYNUM. An asynchronous function's request is kept durably before the plugin reads it
    # ("nothing accepted is lost"); one the plugin refuses for its 12 digits is erased, and the store
    # overwrites what it erases (secure_delete) and empties its write-ahead log: no byte stays on disk.
    def test_an_individual_number_refused_leaves_no_byte_on_disk(self):
        s = self.service(["reception-1"])
        status, doc, _ = s.request("POST", "/v1/onshi.eligibility/1/query", "reception-1",
                                   query("06139992", MY_NUMBER, "19800515"))
        self.assertEqual(status, 400, doc)
        s.stop()  # its last writes done
        self.assertNowhere(MY_NUMBER, s)


if __name__ == "__main__":
    unittest.main()
