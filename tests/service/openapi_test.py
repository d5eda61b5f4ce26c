"""service/openapi.json against the running service: every documented operation is called, its status
is one the document lists, and its JSON body has what the document's schema requires; an answer the
document does not describe fails the test."""
import json
import os
import re
import unittest

from serve_fixture import PERSONAS, ServiceTest, query, wait_for

with open(os.environ["ONSHI_OPENAPI"], encoding="utf-8") as spec_file:
    SPEC = json.load(spec_file)


def resolve(node):
    while isinstance(node, dict) and "$ref" in node:
        target = SPEC
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def check(value, schema, where="body"):
    """The subset of JSON Schema the document uses: type, const, enum, required, properties, items, pattern, bounds."""
    schema = resolve(schema)
    problems = []
    kind = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool, "integer": int, "number": (int, float)}
    if kind and not isinstance(value, types[kind]) or (kind == "integer" and isinstance(value, bool)):
        return ["%s: expected %s, got %r" % (where, kind, value)]
    if "const" in schema and value != schema["const"]:
        problems.append("%s: expected %r, got %r" % (where, schema["const"], value))
    if "enum" in schema and value not in schema["enum"]:
        problems.append("%s: %r is not one of %r" % (where, value, schema["enum"]))
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        problems.append("%s: %r does not match %s" % (where, value, schema["pattern"]))
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                problems.append("%s: required %s is missing" % (where, key))
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                problems += check(value[key], sub, where + "." + key)
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            problems += check(item, schema["items"], "%s[%d]" % (where, i))
    return problems


class OpenApi(ServiceTest):
    def test_every_documented_operation_answers_as_documented(self):
        sim = self.sim()
        s = self.service(["reception-1", "kaikei"])
        called = set()

        def call(method, template, path, desk="reception-1", body=None, headers=None):
            operation = SPEC["paths"][template][method.lower()]
            status, doc, r = s.request(method, path, desk, body, headers)
            called.add((template, method.lower()))
            responses = operation["responses"]
            self.assertIn(str(status), responses, "%s %s answered %d, which %s does not list" % (method, path, status, template))
            content = resolve(responses[str(status)]).get("content", {})
            media = r.getheader("Content-Type", "").split(";")[0]
            if media == "application/json" and "application/json" in content:
                problems = check(doc, content["application/json"]["schema"])
                self.assertEqual(problems, [], "%s %s (%d)" % (method, path, status))
            return status, doc

        call("GET", "/v1/health", "/v1/health", desk=None)
        call("GET", "/v1/status", "/v1/status")
        call("GET", "/v1/status", "/v1/status", desk=None)  # 401, onshi.error/1
        call("GET", "/v1/plugins", "/v1/plugins")
        status, functions = call("GET", "/v1/functions", "/v1/functions")
        fn = "/v1/{extension}/{revision}/{function}"
        call("POST", fn, "/v1/onshi.claims/1/check_number", body={"kind": "insurer", "number": "06139992"})
        call("POST", fn, "/v1/onshi.claims/1/copay", body="{oops")  # 400
        call("POST", fn, "/v1/onshi.claims/1/nothing", body={})  # 404
        _, shaho_insurer, shaho_number, shaho_birth = PERSONAS[0]
        status, outcome = call("POST", fn, "/v1/onshi.eligibility/1/query", body=query(shaho_insurer, shaho_number, shaho_birth))
        self.assertEqual(status, 200)
        status, accepted = call("POST", fn, "/v1/onshi.eligibility/1/query", body=query(shaho_insurer, shaho_number, shaho_birth),
                                headers={"Prefer": "respond-async"})
        self.assertEqual(status, 202)
        call("GET", "/v1/jobs", "/v1/jobs")
        job = "/v1/jobs/{job}"
        status, doc = call("GET", job, accepted["href"] + "?wait=20")
        self.assertEqual(doc["state"], "done")
        call("GET", job, accepted["href"], desk="kaikei")  # 404
        call("DELETE", job, accepted["href"])
        call("POST", "/v1/desk/expectations", "/v1/desk/expectations", body={"birth_date": "19800515"})
        call("POST", "/v1/desk/expectations", "/v1/desk/expectations", body={})  # 400
        status, listed = call("GET", "/v1/desk/expectations", "/v1/desk/expectations")
        call("DELETE", "/v1/desk/expectations/{expectation}", "/v1/desk/expectations/" + listed["expectations"][0]["expectation"])
        sim.push_faces(["kokuho-valid"])  # nobody expects it: the queue
        self.assertTrue(wait_for(lambda: s.request("GET", "/v1/queue", "kaikei")[1]["entries"]))
        status, queue = call("GET", "/v1/queue", "/v1/queue")
        claim = "/v1/queue/{entry}/claim"
        call("POST", claim, queue["entries"][0]["claim"], desk="kaikei")
        call("POST", claim, queue["entries"][0]["claim"])  # 409: taken
        # The event stream: its first event has the documented shape.
        conn = s.connection()
        conn.request("GET", "/v1/events?since=0", headers={"Authorization": "Bearer token-of-reception-1",
                                                            "Accept": "text/event-stream"})
        r = conn.getresponse()
        self.assertIn(str(r.status), SPEC["paths"]["/v1/events"]["get"]["responses"])
        line = ""
        while not line.startswith("data: "):
            line = r.fp.readline().decode()
        self.assertEqual(check(json.loads(line[6:]), {"$ref": "#/components/schemas/Event"}), [])
        conn.close()
        called.add(("/v1/events", "get"))

        documented = {(p, m) for p, ops in SPEC["paths"].items() for m in ops}
        self.assertEqual(documented - called, set(), "documented but never tried")
        # And the other way round: what the service offers is documented.
        for f in functions["functions"]:
            self.assertRegex(f["href"], r"^/v1/[^/]+/[^/]+/[^/]+$", "every function fits " + fn)
        self.assertEqual(s.request("GET", "/v1/nothing-here", "reception-1")[0], 404)


if __name__ == "__main__":
    unittest.main()
