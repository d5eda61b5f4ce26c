"""`onshi serve` at a desk: the same program, with the eligibility plugin's "transport": "service",
gives a web EMR in the browser on localhost everything, through the service that owns the terminal."""
import os
import unittest

from serve_fixture import PERSONAS, Events, ServiceTest, query, read_text, token_of, wait_for

ORIGIN = "http://localhost:8080"


class DeskService(ServiceTest):
    def test_a_web_emr_at_a_desk_reaches_the_terminal_through_the_desk_service(self):
        pki = self.pki()
        sim = self.sim()
        ca = os.path.join(pki, "ca.pem")
        terminal = self.service(["reception-1"], name="terminal",
                                tls={"cert_file": os.path.join(pki, "server.pem"),
                                     "key_file": os.path.join(pki, "server.key")})
        terminal.tls = {"ca": ca}
        token_file = os.path.join(self.work, "reception-1.token")
        with open(os.open(token_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(token_of("reception-1") + "\n")
        desk = self.service(["browser"], name="desk", extra={"allowed_origins": [ORIGIN]}, plugins={
            "onshi.claims": {},
            "onshi.eligibility": {"transport": "service",
                                  "service": {"url": "https://localhost:%d" % terminal.port, "ca_file": ca,
                                              "token_file": token_file}}})
        status, _, r = desk.request("OPTIONS", "/v1/onshi.eligibility/1/query",
                                    headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
        self.assertEqual(status, 204)
        self.assertIn("Authorization", r.getheader("Access-Control-Allow-Headers"))
        self.assertEqual(desk.request("OPTIONS", "/v1/status", headers={"Origin": "http://elsewhere"})[0], 403)

        _, insurer, number, birth = PERSONAS[0]
        status, doc, r = desk.request("POST", "/v1/onshi.eligibility/1/query", "browser", query(insurer, number, birth),
                                      {"Origin": ORIGIN})
        self.assertEqual(status, 200, doc)
        self.assertEqual(doc["qualifications"][0]["insured_identification_number"], number)
        self.assertEqual(r.getheader("Access-Control-Allow-Origin"), ORIGIN)
        self.assertIn('"desk":"reception-1"', terminal.log_text(), "the terminal's service saw the desk")

        stream = Events(desk, "browser")
        status, doc, _ = desk.request("POST", "/v1/onshi.eligibility/1/expect", "browser",
                                      {"birth_date": PERSONAS[1][3], "window_seconds": 120})
        self.assertEqual((status, doc["desk"]), (200, "reception-1"), doc)
        sim.push_faces([PERSONAS[1][0]])
        faces = stream.wait(lambda e: e.of_kind("face"))
        self.assertTrue(faces, stream.events)
        self.assertEqual(faces[0]["data"]["qualifications"][0]["birthdate"], PERSONAS[1][3])
        self.assertEqual(desk.request("GET", "/v1/queue", "browser")[1]["entries"], [], "routed once, at the terminal")
        self.assertEqual(terminal.request("GET", "/v1/queue", "reception-1")[1]["entries"], [])
        stream.close()


if __name__ == "__main__":
    unittest.main()
