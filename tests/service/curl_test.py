"""onshi serve through curl, as an administrator or a script at a desk would use it."""
import json
import os
import subprocess
import unittest

from serve_fixture import read_text, PERSONAS, ServiceTest, query, token_of


def curl(*args):
    r = subprocess.run(["curl", "-sS", "--max-time", "20", *args], capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


class Curl(ServiceTest):
    def test_health_status_a_function_a_refusal_and_events(self):
        self.sim()
        s = self.service(["reception-1"])
        base = "http://127.0.0.1:%d" % s.port
        auth = "Authorization: Bearer " + token_of("reception-1")
        code, out, err = curl(base + "/v1/health")
        self.assertEqual(json.loads(out)["status"], "ok", err)
        code, out, _ = curl("-i", base + "/v1/status")
        self.assertIn("401 Unauthorized", out.splitlines()[0])
        self.assertIn("WWW-Authenticate: Bearer", out)
        code, out, _ = curl("-H", auth, base + "/v1/status")
        self.assertEqual(json.loads(out)["desk"], "reception-1")
        _, insurer, number, birth = PERSONAS[0]
        code, out, _ = curl("-H", auth, "-H", "Content-Type: application/json", "--data-binary",
                            json.dumps(query(insurer, number, birth)), base + "/v1/onshi.eligibility/1/query")
        doc = json.loads(out)
        self.assertEqual((doc["kind"], doc["qualifications"][0]["insured_identification_number"]), ("valid", number))
        code, out, _ = curl("-H", auth, "-w", "\\n%{http_code}", "--data-binary", '{"kind": ', base + "/v1/onshi.claims/1/copay")
        body, status = out.rsplit("\n", 1)
        self.assertEqual(status, "400")
        self.assertEqual(json.loads(body)["status"], "ONSHI_E_INVALID_ARGUMENT")
        code, out, _ = curl("-N", "--max-time", "2", "-H", auth, base + "/v1/events?since=0")
        self.assertEqual(code, 28, "the stream stays open until curl gives up")
        self.assertIn("event: job\ndata: {", out)

    def test_mutual_tls_with_curl(self):
        pki = self.pki()
        import hashlib
        import ssl
        der = ssl.PEM_cert_to_DER_cert(read_text(os.path.join(pki, "client.pem")))
        tls = {"cert_file": os.path.join(pki, "server.pem"), "key_file": os.path.join(pki, "server.key"),
               "client_ca_file": os.path.join(pki, "ca.pem")}
        s = self.service([{"name": "kensa", "client_cert": {"sha256": hashlib.sha256(der).hexdigest()}}], tls=tls)
        base = "https://localhost:%d" % s.port
        ca = ["--cacert", os.path.join(pki, "ca.pem")]
        code, out, _ = curl(*ca, "-w", "%{http_code}", "-o", "/dev/null", base + "/v1/status")
        self.assertEqual(out, "401")
        code, out, _ = curl(*ca, "--cert", os.path.join(pki, "client.pem"), "--key", os.path.join(pki, "client.key"),
                            base + "/v1/status")
        self.assertEqual(json.loads(out)["desk"], "kensa")
        code, out, err = curl(*ca, "--cert", os.path.join(pki, "client-otherca.pem"), "--key",
                              os.path.join(pki, "client-otherca.key"), base + "/v1/status")
        self.assertNotEqual(code, 0, "a certificate the desks' CA did not issue: no TLS at all")


if __name__ == "__main__":
    unittest.main()
