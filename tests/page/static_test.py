"""The reception page's files as any HTTP client sees them (Python's standard library): served at / to
anyone, each with its type and the headers that keep a browser strict; nothing else is a file; the
page can be switched off or pointed elsewhere; and its code keeps the privacy rules it promises."""
import html.parser
import json
import os
import re
import subprocess
import unittest

from serve_fixture import CLI, ServiceTest

WWW = os.environ["ONSHI_WWW_SOURCE"]
CLAIMS_CORE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "plugins", "claims", "core", "src")
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


def page_files():
    return sorted(f for f in os.listdir(WWW) if os.path.splitext(f)[1] in TYPES)


class PageServed(ServiceTest):
    def test_every_file_is_served_to_anyone_with_its_type_and_strict_headers(self):
        s = self.service(["reception-1"])
        self.assertIn("index.html", page_files())
        for name in page_files() + [""]:
            status, body, r = s.request("GET", "/" + name)
            self.assertEqual(status, 200, name)
            with open(os.path.join(WWW, name or "index.html"), "rb") as f:
                self.assertEqual(body, f.read(), name)
            self.assertEqual(r.getheader("Content-Type"), TYPES[os.path.splitext(name or "index.html")[1]], name)
            csp = r.getheader("Content-Security-Policy")
            self.assertIn("default-src 'self'", csp, name)
            self.assertIn("frame-ancestors 'none'", csp, name)
            self.assertNotIn("unsafe-inline", csp)
            self.assertEqual(r.getheader("X-Content-Type-Options"), "nosniff", name)
            self.assertEqual(r.getheader("Referrer-Policy"), "no-referrer", name)
            self.assertEqual(r.getheader("Cache-Control"), "no-store", name)
        # The API's answers say the same to a browser.
        status, _, r = s.request("GET", "/v1/status", "reception-1")
        self.assertEqual((status, r.getheader("X-Content-Type-Options"), r.getheader("Referrer-Policy"),
                          r.getheader("Cache-Control")), (200, "nosniff", "no-referrer", "no-store"))

    def test_nothing_but_the_page_files_is_a_file(self):
        s = self.service(["reception-1"])
        for path in ("/serve.json", "/..%2Fserve.json", "/index.html/", "//index.html", "/%2e%2e/CMakeLists.txt",
                     "/.hidden.js", "/favicon.ico"):
            status, doc, _ = s.request("GET", path)
            self.assertEqual(status, 401, path + ": not a page file, so an API route that needs a desk")
            status, doc, _ = s.request("GET", path, "reception-1")
            self.assertEqual((status, doc["status"]), (404, "ONSHI_E_NOT_FOUND"), path)
        status, doc, r = s.request("POST", "/", body={})
        self.assertEqual((status, r.getheader("Allow")), (405, "GET"))

    def test_the_page_can_be_switched_off_or_read_from_another_folder(self):
        s = self.service(["reception-1"], extra={"page": False})
        self.assertEqual(s.request("GET", "/")[0], 401, "no page: / is just an unknown route")
        s.stop()
        own = os.path.join(self.work, "www")
        os.makedirs(own)
        with open(os.path.join(own, "index.html"), "w") as f:
            f.write("<!DOCTYPE html><title>own</title>")
        s = self.service(["reception-1"], extra={"www_dir": own}, name="own")
        status, body, _ = s.request("GET", "/")
        self.assertEqual((status, body), (200, b"<!DOCTYPE html><title>own</title>"))
        self.assertEqual(s.request("GET", "/app.js")[0], 401, "only the files of that folder")
        s.stop()
        # A folder named but missing is a configuration error that names it.
        config = os.path.join(self.work, "missing.json")
        with open(s.config_path) as f:
            doc = json.load(f)
        doc["www_dir"] = os.path.join(self.work, "nowhere")
        with open(config, "w") as f:
            json.dump(doc, f)
        checked = subprocess.run([CLI, "serve", "--check-config", config], capture_output=True, text=True)
        self.assertEqual(checked.returncode, 2, checked.stdout)
        report = json.loads(checked.stdout)
        self.assertIn("nowhere", report["error"]["message"])
        self.assertIn("www_dir", report["error"]["hint"])


class Parsed(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        names = [a for a, _ in attrs]
        if tag == "style":
            self.problems.append("a <style> element")
        if tag == "script" and "src" not in names:
            self.problems.append("an inline <script>")
        for a in names:
            if a == "style" or a.startswith("on"):
                self.problems.append("attribute %s on <%s>" % (a, tag))
        if tag in ("a", "link", "script", "img") and any(re.match(r"(https?:)?//", v or "") for _, v in attrs):
            self.problems.append("a resource from elsewhere on <%s>" % tag)


class PageCode(unittest.TestCase):
    def test_the_page_has_nothing_inline_and_keeps_nothing_in_the_browser(self):
        for name in page_files():
            if name.endswith(".html"):
                parsed = Parsed()
                with open(os.path.join(WWW, name), encoding="utf-8") as f:
                    parsed.feed(f.read())
                self.assertEqual(parsed.problems, [], name)
        for name in page_files():
            if not name.endswith(".js"):
                continue
            with open(os.path.join(WWW, name), encoding="utf-8") as f:  # the code, not its comments
                code = "\n".join(line for line in f if not line.strip().startswith("//"))
            for banned in ("localStorage", "sessionStorage", "document.cookie", "innerHTML", "outerHTML", "individual_number",
                           "insertAdjacentHTML", "eval(", "new Function", "http://", "https://", "history.pushState"):
                self.assertFalse(banned in code, "%s uses %s" % (name, banned))
        # R-PIN: a PIN is typed on the reader's screen only (pinpad.*), never on the reception page.
        for name in page_files():
            if not name.startswith("pinpad."):
                with open(os.path.join(WWW, name), encoding="utf-8") as f:
                    code = f.read()
                self.assertIsNone(re.search(r"name=\"pin\"|'sign'|\bpin:", code), name + " takes a PIN")
        # Every call to the service is in api.js, the module a web EMR reads.
        for name in page_files():
            if name.endswith(".js") and name != "api.js":
                with open(os.path.join(WWW, name), encoding="utf-8") as f:
                    code = f.read()
                self.assertFalse("fetch(" in code or "EventSource" in code, name + " calls the service itself")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class ReasonWords(unittest.TestCase):
    def test_every_code_the_claims_core_sends_is_worded_in_japanese(self):
        """The claims plugin's reasons are English; the page words each by its code (words.js REASONS):
        route.id, copay.rule and warnings[].code, as the claims core's sources send them. A code left
        out would reach the desk in English; a word for a code no longer sent is dead."""
        core = "\n".join(read(os.path.join(CLAIMS_CORE, f)) for f in sorted(os.listdir(CLAIMS_CORE)) if f.endswith(".cpp"))
        sent = {
            "route": set(re.findall(r'case Route::\w+: return "(R-[A-Z0-9-]+)";', core)),
            "copay": set(re.findall(r'case CopayRule::\w+: return "(\w+)";', core)),
            "warning": set(re.findall(r'(?:warn\(|push_back\(\{)"([a-z0-9_]+)",\s*(?:"R-|rule\b)', core)),
        }
        words = read(os.path.join(WWW, "words.js"))
        table = words[words.index("export const REASONS = {"):]
        for part, codes in sent.items():
            self.assertGreater(len(codes), 5, "found the %s codes in the claims core" % part)
            block = re.search(r"\n  %s: \{\n(.*?)\n  \}," % part, table, re.S).group(1)
            worded = set(re.findall(r"^    '?([\w-]+)'?:", block, re.M))
            self.assertEqual(sorted(codes - worded), [], "%s codes with no Japanese words in words.js" % part)
            self.assertEqual(sorted(worded - codes), [], "%s words for codes the claims core no longer sends" % part)


if __name__ == "__main__":
    unittest.main()
