"""The reception page across the LAN: `onshi serve` over TLS with the clinic's own certificate, in
Debian's headless chromium. The browser trusts that one server key (--ignore-certificate-errors-spki-list,
as a desk trusts the clinic's CA), nothing else; the page signs in, its events come over wss://, and a
bill is decided, all over https://. No card: the 資格確認書 path."""
import base64
import os
import subprocess
import tempfile
import unittest

from selenium import webdriver
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from serve_fixture import ServiceTest, token_of

WAIT = 30


def spki_sha256_base64(cert_file):
    """What chromium's --ignore-certificate-errors-spki-list takes: base64(SHA-256(SubjectPublicKeyInfo))."""
    key = subprocess.run(["openssl", "x509", "-in", cert_file, "-pubkey", "-noout"], check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=key, check=True, capture_output=True).stdout
    digest = subprocess.run(["openssl", "dgst", "-sha256", "-binary"], input=der, check=True, capture_output=True).stdout
    return base64.b64encode(digest).decode()


class PageOverTls(ServiceTest):
    def browser(self, trusted_key):
        options = webdriver.ChromeOptions()
        options.binary_location = os.environ["ONSHI_CHROMIUM"]
        profile = tempfile.mkdtemp(dir=self.work)  # chromium honours the SPKI list only with its own profile
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=ja-JP",
                    "--user-data-dir=" + profile, "--ignore-certificate-errors-spki-list=" + trusted_key):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        b = webdriver.Chrome(service=DriverService(os.environ["ONSHI_CHROMEDRIVER"]), options=options)
        self.addCleanup(b.quit)
        return b

    def test_R_M4_the_page_signs_in_hears_events_and_bills_over_https(self):
        pki = self.pki()
        self.sim()
        s = self.service(["reception-1"], tls={"cert_file": os.path.join(pki, "server.pem"),
                                               "key_file": os.path.join(pki, "server.key")})
        url = "https://127.0.0.1:%d/" % s.port  # the certificate names IP:127.0.0.1 (and localhost)
        b = self.browser(spki_sha256_base64(os.path.join(pki, "server.pem")))
        until = lambda condition, what: WebDriverWait(b, WAIT, 0.05).until(lambda _: condition(), what)
        field = lambda form, name: b.find_element(By.CSS_SELECTOR, '#%s [name="%s"]' % (form, name))

        b.get(url)
        b.find_element(By.ID, "token").send_keys(token_of("reception-1"))
        b.find_element(By.CSS_SELECTOR, "#login-form button").click()
        until(lambda: "接続中" in b.find_element(By.ID, "live").text, "signed in, events connected over wss://")

        field("r-patient", "name").send_keys("院外　端末")
        b.execute_script("arguments[0].value = '1980-05-15'; arguments[0].dispatchEvent(new Event('change', {bubbles: true}))",
                         field("r-patient", "birth_date"))
        b.find_element(By.ID, "r-nocard").click()
        rule = '#r-steps button[data-rule="R-M4"]'
        until(lambda: b.find_elements(By.CSS_SELECTOR, rule), "the 資格確認書 step")
        b.find_element(By.CSS_SELECTOR, rule).click()
        until(lambda: b.find_element(By.ID, "r-numbers").is_displayed(), "the numbers form")
        field("r-numbers", "insurer_number").send_keys("06139992")
        field("r-numbers", "symbol").send_keys("12")
        field("r-numbers", "number").send_keys("345", Keys.ENTER)
        until(lambda: b.find_elements(By.CSS_SELECTOR, '#r-bill .route[data-route="R-CLAIM-OK"]'), "the bill, R-CLAIM-OK")

        self.assertEqual(b.current_url, url, "nothing personal in the address; still https")
        insecure = [e["message"] for e in b.get_log("browser")
                    if "Mixed Content" in e["message"] or "Content Security Policy" in e["message"]]
        self.assertEqual(insecure, [])
        self.assertEqual(b.execute_script("return [localStorage.length, sessionStorage.length, document.cookie]"),
                         [0, 0, ""])
        audited = [r for r in s.audit() if r.get("desk") == "reception-1"]
        self.assertTrue(any("onshi.claims" in r.get("route", "") for r in audited), audited)


if __name__ == "__main__":
    unittest.main()
