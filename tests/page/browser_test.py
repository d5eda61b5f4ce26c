"""The reception page in a real browser: Debian's chromium, headless, driven by chromium-driver through
selenium, against `onshi demo --serve` (onshi serve, onshi-sim, the virtual card in the real pcscd).
Each test brings one patient of the demo's day to the window (the demo's stdin: "the patient puts the
card on the reader") and does at the page what a receptionist does. Screenshots of each screen, and
the printed 申立書 as a PDF, are saved in ONSHI_PAGE_OUT (the build tree)."""
import base64
import datetime
import json
import os
import re
import select
import signal
import subprocess
import threading
import time
import unittest
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

CLI = os.environ["ONSHI_CLI_EXE"]
OUT = os.environ["ONSHI_PAGE_OUT"]
WAIT = 30


class Demo:
    """`onshi demo --serve` on a free port: the page's address, the desk token, and the patients."""

    def __init__(self):
        self.proc = subprocess.Popen([CLI, "demo", "--serve", "--listen", "127.0.0.1:0"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.lines = []
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self.wait_for_line(r"(http://127\.0\.0\.1:\d+/)", 60).group(1)
        self.token = self.wait_for_line(r"desk token .*: (\S+)").group(1)
        self.patients = {}  # scenario text → number
        deadline = time.monotonic() + 10
        while len(self.patients) < 13 and time.monotonic() < deadline:
            with self.lock:
                for line in self.lines:
                    m = re.match(r"\s+(\d+)  (.+)$", line)
                    if m:
                        self.patients[m.group(2)] = m.group(1)
            time.sleep(0.05)

    def _read(self):
        for line in self.proc.stdout:
            with self.lock:
                self.lines.append(line.rstrip("\n"))

    def wait_for_line(self, pattern, seconds=WAIT, after=0):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                for line in self.lines[after:]:
                    m = re.search(pattern, line)
                    if m:
                        return m
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("no line /%s/ from onshi demo --serve:\n%s" % (pattern, "\n".join(self.lines[-30:])))

    def bring(self, scenario):
        """The patient whose scenario says `scenario` comes to the window (card on the reader, …)."""
        number = next(n for text, n in self.patients.items() if scenario in text)
        with self.lock:
            seen = len(self.lines)
        self.proc.stdin.write(number + "\n")
        self.proc.stdin.flush()
        self.wait_for_line(r"^  (ready|\S.*)$", WAIT, seen)

    def api(self, path, doc):
        request = urllib.request.Request(self.url.rstrip("/") + path, data=json.dumps(doc).encode(), method="POST",
                                         headers={"Authorization": "Bearer " + self.token,
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=WAIT) as r:
            return json.load(r)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # as Ctrl-C: it stops what it started
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


demo = None
browser = None
windows = {}  # "window": the reception page; "reader": the reader's screen, where the patient types the PIN


def setUpModule():
    global demo, browser, windows
    os.makedirs(OUT, exist_ok=True)
    demo = Demo()
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ["ONSHI_CHROMIUM"]
    # Headless; --no-sandbox because the tests run as root (CI), where chromium refuses its sandbox.
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=ja-JP",
                "--window-size=1400,1100", "--hide-scrollbars"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # Japanese dates and words in the browser's own controls (date fields) too.
    env = dict(os.environ, LANGUAGE="ja", LANG="ja_JP.UTF-8")
    browser = webdriver.Chrome(service=DriverService(os.environ["ONSHI_CHROMEDRIVER"], env=env), options=options)
    windows["window"] = browser.current_window_handle
    browser.switch_to.new_window("window")
    windows["reader"] = browser.current_window_handle
    browser.switch_to.window(windows["window"])


def tearDownModule():
    if browser:
        browser.quit()
    if demo:
        demo.stop()


def jst_today():
    return (datetime.datetime.utcnow() + datetime.timedelta(hours=9)).date()


class Page(unittest.TestCase):
    # ---- what a receptionist does

    def sign_in(self):
        """The reader's screen and the reception page, both signed in as the window's desk."""
        for window, page in (("reader", "pinpad.html"), ("window", "")):
            browser.switch_to.window(windows[window])
            browser.get(demo.url + page)
            self.type("token", demo.token)
            browser.find_element(By.CSS_SELECTOR, "#login-form button").click()
            self.until(lambda: not browser.find_element(By.ID, "login").is_displayed() and "接続中" in self.text("live"),
                       "signed in, events connected")

    def screen(self, name):
        browser.find_element(By.CSS_SELECTOR, '#nav button[data-screen="%s"]' % name).click()
        self.until(lambda: browser.find_element(By.ID, name).is_displayed(), name)

    def type(self, id_or_element, text, clear=True):
        e = browser.find_element(By.ID, id_or_element) if isinstance(id_or_element, str) else id_or_element
        if clear:
            e.clear()
        e.send_keys(text)
        return e

    def field(self, form, name):
        return browser.find_element(By.CSS_SELECTOR, '#%s [name="%s"]' % (form, name))

    def fill(self, form, **values):
        for name, value in values.items():
            e = self.field(form, name)
            if e.tag_name == "select":
                Select(e).select_by_value(value)
            elif e.get_attribute("type") == "date":  # typed as the browser's date field takes it
                browser.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change', {bubbles: true}))", e, value)
            else:
                self.type(e, value)

    def click_rule(self, rule):
        self.until(lambda: browser.find_elements(By.CSS_SELECTOR, '#r-steps button[data-rule="%s"]' % rule), rule)
        browser.find_element(By.CSS_SELECTOR, '#r-steps button[data-rule="%s"]' % rule).click()

    def text(self, id_):
        return browser.find_element(By.ID, id_).text

    def until(self, condition, what, seconds=WAIT):
        try:
            return WebDriverWait(browser, seconds, 0.05).until(lambda _: condition())
        except Exception:
            raise AssertionError("waited for: %s\nstatus: %s\n%s" % (what, self.text("r-status"), browser.find_element(By.TAG_NAME, "main").text[:2000]))

    def status_says(self, words):
        self.until(lambda: words in self.text("r-status"), "status says " + words)

    def shot(self, name):
        """The whole page, not only the window (DevTools Page.captureScreenshot)."""
        size = browser.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        png = browser.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})["data"]
        with open(os.path.join(OUT, name + ".png"), "wb") as f:
            f.write(base64.b64decode(png))

    def enter_pin(self, pin, then="ありがとうございました", shot=None):
        """R-PIN: the patient types the PIN on the reader's screen, never on the reception page."""
        self.status_says("カードリーダーの画面で暗証番号を入力しています")
        self.assertEqual(browser.find_elements(By.CSS_SELECTOR, '[name="pin"]'), [], "no PIN field at the window")
        browser.switch_to.window(windows["reader"])
        try:
            self.until(lambda: browser.find_element(By.ID, "p-pin").is_displayed(), "the reader asks for the PIN")
            if shot:
                self.shot(shot)
            field = browser.find_element(By.CSS_SELECTOR, '#p-pin [name="pin"]')
            self.type(field, pin[:2])  # typed, and touched on the keys
            for digit in pin[2:]:
                browser.find_element(By.XPATH, '//*[@id="p-keys"]/button[text()="%s"]' % digit).click()
            browser.find_element(By.ID, "p-ok").click()
            self.until(lambda: then in self.text("p-status"), "the reader says " + then)
            self.assertEqual(field.get_attribute("value"), "", "R-PIN: the PIN is gone from the reader's screen")
        finally:
            browser.switch_to.window(windows["window"])

    def bill(self):
        self.until(lambda: browser.find_elements(By.CSS_SELECTOR, "#r-bill .route"), "the bill")
        route = browser.find_element(By.CSS_SELECTOR, "#r-bill .route").get_attribute("data-route")
        ratio = browser.find_element(By.CSS_SELECTOR, "#r-bill .ratio").get_attribute("data-ratio")
        return route, int(ratio), self.text("r-bill")

    def assert_reason_in_japanese(self, bill, route):
        """The plugin's reasons (English) are worded in Japanese by their codes (words.js REASONS): the
        route's, the ratio's and each warning's."""
        reasons = browser.find_elements(By.CSS_SELECTOR, "#%s .reason" % bill)
        self.assertEqual(reasons[0].get_attribute("data-code"), route, "the route's reason comes first")
        self.assertGreaterEqual(len(reasons), 2, "the route's and the ratio's reasons")
        for reason in reasons:
            said = re.sub(r"R-[A-Z0-9/-]+", "", reason.text)  # the rule ids stay as the rules name them
            self.assertRegex(said, "[\u3040-\u30ff\u4e00-\u9fff]", reason.text)
            self.assertNotRegex(said, "[A-Za-z]{3,}", "English shown at the desk: " + reason.text)
        return reasons[0].text

    def assert_nothing_kept_or_shown(self):
        """Nothing personal, and no token, in the address, the title or the browser's storage."""
        self.assertEqual(browser.current_url, demo.url)
        self.assertEqual(browser.title, "オンライン資格確認 受付")
        stored = browser.execute_script("return [localStorage.length, sessionStorage.length, document.cookie]")
        self.assertEqual(stored, [0, 0, ""])
        self.assertEqual(browser.get_cookies(), [])
        refused = [e["message"] for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]
        self.assertEqual(refused, [], "the page breaks its own policy")

    # ---- the tests, one patient each

    def test_1_a_card_verification_appears_live(self):
        """R-M1, R-PIN: the card put on the reader arrives as an event and its state is live at the window
        (a wrong PIN typed at the reader's screen shows as one try less); the right PIN; 資格（有効）;
        R-CLAIM-OK."""
        self.sign_in()
        self.status_says("マイナ保険証を置いて")
        self.shot("reception-waiting")
        demo.bring("マイナ保険証 + 暗証番号")
        self.until(lambda: "あと 3 回" in self.text("r-card"), "the card's state, live")
        self.enter_pin("9999", then="あと 2 回", shot="reader-pin")
        self.until(lambda: "あと 2 回" in self.text("r-card"), "a wrong PIN at the reader shows at the window")
        self.shot("reception-waiting-for-pin")
        self.enter_pin("1234")
        self.status_says("資格（有効）")
        self.assertIn("06139992", self.text("r-result"))
        self.assertIn("診療　太郎", self.text("r-result"))
        route, ratio, text = self.bill()
        self.assertEqual((route, ratio), ("R-CLAIM-OK", 3))
        self.until(lambda: "あと 3 回" in self.text("r-card"), "the right PIN gave the tries back")
        self.assertNotIn("null", browser.find_element(By.TAG_NAME, "main").text)
        self.shot("reception-valid")
        self.assert_nothing_kept_or_shown()

    def test_2_a_face_result_for_this_desk_flags_black_dots(self):
        """R-FACE, R-BLACKDOT: the desk expects the patient's birth date; the face-reader result comes
        to it as an event and the name's ● is marked."""
        self.sign_in()
        self.fill("r-expect", birth_date="1960-06-06")
        browser.find_element(By.CSS_SELECTOR, "#r-expect button").click()
        self.until(lambda: "1960年6月6日" in self.text("r-expect-note"), "expectation taken")
        demo.bring("顔認証付きカードリーダー")
        self.status_says("資格（有効） (顔認証)")
        marks = browser.find_elements(By.CSS_SELECTOR, "#r-result mark.blackdot")
        self.assertGreaterEqual(len(marks), 1)
        self.assertIn("R-BLACKDOT", self.text("r-result"))
        self.shot("reception-face")

    def test_3_a_pin_locked_card_leads_to_the_visual_check(self):
        """R-PIN, R-VIS: a locked PIN cannot be unlocked here; the next allowed step is 目視確認."""
        self.sign_in()
        demo.bring("暗証番号ロック")
        self.status_says("暗証番号がロックされています")
        self.assertIn("市区町村", self.text("r-guide"))
        first = browser.find_element(By.CSS_SELECTOR, "#r-steps button")
        self.assertEqual(first.get_attribute("data-rule"), "R-VIS", "目視確認 is the first step offered")
        browser.switch_to.window(windows["reader"])
        try:
            self.until(lambda: "ロックされています" in self.text("p-status"), "the reader's screen sends the patient to the window")
            self.assertFalse(browser.find_element(By.ID, "p-pin").is_displayed(), "no PIN is asked of a locked card")
        finally:
            browser.switch_to.window(windows["window"])
        self.shot("reception-locked")
        first.click()
        self.status_says("資格（有効） (目視確認)")
        self.assertIn("456789", self.text("r-result"))
        route, ratio, _ = self.bill()
        self.assertEqual((route, ratio), ("R-CLAIM-OK", 3))

    def test_4_a_lost_qualification_leads_to_the_old_numbers(self):
        """R-RES, R-CLAIM-B: 資格（無効） shows the old qualification and bills it, saying why in Japanese;
        the current numbers the patient gives are checked digit by digit as they are typed (R-ACCURACY)."""
        self.sign_in()
        demo.bring("資格喪失")
        self.enter_pin("1234")
        self.status_says("資格（無効）")
        self.assertIn("以前の資格", self.text("r-guide"))
        route, ratio, text = self.bill()
        self.assertEqual(route, "R-CLAIM-B")
        self.assertEqual(ratio, 3)
        self.assertIn("06131114", text, "the old insurer number is the one billed")
        self.assertIn("2222", text)
        self.assertIn("旧資格", self.assert_reason_in_japanese("r-bill", "R-CLAIM-B"))
        self.shot("reception-lost")
        self.click_rule("R-CLAIM-A")
        number = self.field("r-numbers", "insurer_number")
        self.type(number, "06139993")
        self.until(lambda: "✗" in self.text("r-insurer-check"), "a wrong 検証番号 is refused as typed")
        self.assertIn("検証番号", self.text("r-insurer-check"))
        self.type(number, "06139992")
        self.until(lambda: "✓" in self.text("r-insurer-check"), "the right number is accepted")

    def test_5_a_first_visit_with_nothing_leads_to_the_statement_and_prints(self):
        """R-M7, R-CLAIM-C: 該当資格なし on a first visit with the card → the 申立書, printed on A4 by the
        browser, and the 不詳 claim with 7s, saying why in Japanese."""
        self.sign_in()
        self.fill("r-patient", visit="first_visit", name="申立　花子", name_kana="モウシタテ ハナコ",
                  birth_date="1990-04-01", sex="female", address="東京都千代田区霞が関1-2-2", phone="03-5253-1111")
        demo.bring("初診・該当資格なし")
        self.enter_pin("1234")
        self.status_says("該当資格なし")
        rules = [b.get_attribute("data-rule") for b in browser.find_elements(By.CSS_SELECTOR, "#r-steps button")]
        self.assertEqual(rules, ["R-M2", "R-M3", "R-M4", "R-M5", "R-M7"], "the rules' order, R-M8 not with a card")
        self.shot("reception-nodata")
        self.click_rule("R-M7")
        self.until(lambda: browser.find_element(By.ID, "statement").is_displayed(), "the 申立書 screen")
        self.assertEqual(self.field("s-form", "name").get_attribute("value"), "申立　花子", "prefilled from reception")
        browser.find_element(By.CSS_SELECTOR, '#s-form input[name="insurance"][value="kokuho"]').click()
        browser.find_element(By.CSS_SELECTOR, "#s-form > button").click()
        self.until(lambda: browser.find_element(By.ID, "s-actions").is_displayed(), "the form made")
        sheet = browser.execute_script("return document.getElementById('s-sheet').shadowRoot.textContent")
        self.assertIn("被保険者資格申立書", sheet)
        self.assertIn("申立　花子", sheet)
        self.assertIn("03-5253-1111", sheet)
        self.shot("statement")
        # Printed as the browser prints it (DevTools Page.printToPDF), on the paper the page's print
        # stylesheet asks for (@page A4): the form alone.
        pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True})["data"])
        with open(os.path.join(OUT, "statement.pdf"), "wb") as f:
            f.write(pdf)
        self.assertTrue(pdf.startswith(b"%PDF-"))
        self.assertEqual(len(re.findall(rb"/Type\s*/Page\b", pdf)), 1, "one A4 page")
        box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
        self.assertAlmostEqual(float(box.group(1)), 595.3, delta=2, msg="A4 width in points")
        self.assertAlmostEqual(float(box.group(2)), 841.9, delta=2, msg="A4 height in points")
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        try:
            self.assertFalse(browser.find_element(By.ID, "s-form").is_displayed(), "no controls on paper")
            self.assertFalse(browser.find_element(By.TAG_NAME, "header").is_displayed())
            self.assertTrue(browser.find_element(By.ID, "s-sheet").is_displayed())
            self.shot("statement-print")
        finally:
            browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        browser.find_element(By.ID, "s-claim").click()
        self.until(lambda: browser.find_elements(By.CSS_SELECTOR, "#s-bill .route"), "the 不詳 claim")
        route = browser.find_element(By.CSS_SELECTOR, "#s-bill .route").get_attribute("data-route")
        self.assertEqual(route, "R-CLAIM-C")
        self.assertIn("77777777", self.text("s-bill"), "不詳: 7 for every digit")
        self.assertIn("不詳レセプト", self.assert_reason_in_japanese("s-bill", "R-CLAIM-C"))
        self.assert_nothing_kept_or_shown()

    def test_6_a_disaster_look_up_refuses_before_consent_and_shows_the_drugs_after(self):
        """R-DISASTER: declared by a doctor; the search is refused until consent is recorded; then the
        drug history as a table; the audit trail for the responsible role only."""
        self.sign_in()
        self.screen("disaster")
        self.fill("d-operator", id="dr-001", role="doctor")
        until = (jst_today() + datetime.timedelta(days=7)).isoformat()
        self.fill("d-declare", reference="令和6年能登半島地震 事務連絡", area="13101, 17", closes_at=until)
        browser.find_element(By.CSS_SELECTOR, "#d-declare button").click()
        self.until(lambda: "災害時モード 有効" in self.text("d-status"), "declared")
        self.fill("d-lookup", name="山崎 徳子", birthdate="1947-11-20", sex="female", address="七尾市")
        browser.find_element(By.CSS_SELECTOR, "#d-lookup > button").click()
        self.until(lambda: browser.find_elements(By.CSS_SELECTOR, '#d-result [data-refused="ONSHI_E_REFUSED"]'),
                   "refused without consent")
        self.assertIn("consent", self.text("d-result"))
        self.assertEqual(browser.find_elements(By.CSS_SELECTOR, "#d-result table.drugs"), [])
        self.shot("disaster-refused")
        browser.find_element(By.CSS_SELECTOR, '#d-lookup input[name="consent"][value="verbal"]').click()
        browser.find_element(By.CSS_SELECTOR, "#d-lookup > button").click()
        self.until(lambda: browser.find_elements(By.CSS_SELECTOR, "#d-result table.drugs tbody tr"), "the drugs")
        self.assertIn("ご本人を確認しました", self.text("d-result"))
        self.assertIn("ドネペジル", self.text("d-result"))
        self.shot("disaster-drugs")
        browser.find_element(By.ID, "d-audit").click()
        self.until(lambda: browser.find_elements(By.CSS_SELECTOR, '#d-audit-log tr[data-event="consent_recorded"]'),
                   "the audit trail, with the consent")
        self.assertIn("改ざんなし", self.text("d-audit-log"))
        self.shot("disaster-audit")
        self.fill("d-operator", role="clerk")
        self.assertFalse(browser.find_element(By.ID, "d-audit-panel").is_displayed(), "a clerk sees no audit trail")
        self.assertTrue(browser.find_element(By.ID, "d-audit-note").is_displayed())
        self.fill("d-operator", role="doctor")
        self.fill("d-end", reason="訓練終了")
        browser.find_element(By.CSS_SELECTOR, "#d-end button").click()
        self.until(lambda: "災害時モードではありません" in self.text("d-status"), "ended")

    def test_7_month_end(self):
        """R-RATE: the rate over the month's history, the visits to watch for 返戻, the bulk 再照会."""
        self.sign_in()
        self.screen("month")
        month = jst_today().strftime("%Y-%m")
        history = demo.api("/v1/onshi.eligibility-records/1/history_find",
                           {"schema": "onshi.eligibility.history-query/1", "since": month.replace("-", "") + "01",
                            "until": month.replace("-", "") + "31"})["entries"]
        self.assertTrue(history, "the earlier tests' verifications are the month's")
        counted = [h for h in history if h["how"] != "bulk" and not (h["kind"] == "failed" and h["stage"] == "transport")]
        cards = [h for h in counted if h["how"] != "insured"]
        self.until(lambda: browser.find_elements(By.CSS_SELECTOR, "#m-rate .big-figure"), "the rate")
        rate = float(browser.find_element(By.CSS_SELECTOR, "#m-rate .big-figure").get_attribute("data-rate"))
        self.assertAlmostEqual(rate, len(cards) / len(counted))
        watched = [h for h in history if h["kind"] in ("lost", "lost_with_new", "no_data")]
        rows = browser.find_elements(By.CSS_SELECTOR, "#m-watch tbody tr")
        self.assertEqual(len(rows), len(watched))
        self.shot("month")
        browser.find_element(By.ID, "m-bulk").click()
        self.until(lambda: browser.find_elements(By.CSS_SELECTOR, "#m-bulk-result [data-done]"), "the bulk job done", 60)
        progress = browser.find_element(By.ID, "m-progress")
        self.assertEqual(progress.get_attribute("value"), progress.get_attribute("max"))
        self.assertIn("再照会 完了", self.text("m-bulk-result"))
        self.shot("month-bulk")


    # ---- a small reception screen, keyboard only

    # The controls of 受付 a receptionist must see and reach, whatever the screen.
    CONTROLS = ("#nav button", "#signout", "#r-status", "#r-steps button", "#r-numbers input:not([type=hidden])",
                "#r-numbers button", "#r-new", "#r-nocard", "#r-patient input", "#r-patient select",
                "#r-expect input", "#r-expect button", "#r-bill .route", "#r-bill .ratio")

    def keys(self, *keys):
        ActionChains(browser).send_keys(*keys).perform()

    def tab_to(self, selector, backwards=False):
        """Tab (or Shift+Tab) until the element `selector` has the focus, as a keyboard user does."""
        for _ in range(40):
            if browser.execute_script("return document.activeElement.matches(arguments[0])", selector):
                return browser.switch_to.active_element
            if backwards:
                ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
            else:
                self.keys(Keys.TAB)
        raise AssertionError("Tab never reaches " + selector)

    def type_date(self, yyyy_mm_dd):
        """Into the focused date field as typed, in the order of the browser's language (年/月/日 or
        月/日/年): two digits move on by themselves, a year (up to 6 digits) needs →."""
        typed = dict(zip(("year", "month", "day"), yyyy_mm_dd.split("-")))
        order = browser.execute_script("""return new Intl.DateTimeFormat(navigator.language).formatToParts(new Date())
                                              .map((p) => p.type).filter((t) => ['year', 'month', 'day'].includes(t))""")
        for i, part in enumerate(order):
            self.keys(typed[part], *([Keys.ARROW_RIGHT] if part == "year" and i < 2 else []))

    def assert_controls_fit(self, size):
        """Every visible control lies within the screen's width (nothing cut off, no sideways scrolling)
        and is the element under its own centre (nothing covers it); no two controls overlap."""
        seen = browser.execute_script("""
            const out = [];
            for (const sel of arguments[0]) for (const e of document.querySelectorAll(sel)) {
              if (!e.getClientRects().length) continue;  // not shown (hidden or in a hidden part)
              e.scrollIntoView({block: 'center', inline: 'nearest'});
              const r = e.getBoundingClientRect();
              const under = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
              out.push({what: sel + ' ' + (e.name || e.id || e.textContent).slice(0, 24),
                        left: r.left + scrollX, top: r.top + scrollY, right: r.right + scrollX, bottom: r.bottom + scrollY,
                        covered: !(under === e || e.contains(under))});
            }
            return {controls: out, width: document.documentElement.clientWidth,
                    scrolls: document.documentElement.scrollWidth};""", self.CONTROLS)
        self.assertLessEqual(seen["scrolls"], seen["width"], "%s: the page scrolls sideways" % size)
        controls = seen["controls"]
        self.assertGreater(len(controls), 15, size)
        for c in controls:
            self.assertGreaterEqual(c["left"], 0, "%s: %s cut off on the left" % (size, c["what"]))
            self.assertLessEqual(c["right"], seen["width"], "%s: %s cut off on the right" % (size, c["what"]))
            self.assertGreater(c["bottom"] - c["top"], 10, "%s: %s has no height" % (size, c["what"]))
            self.assertFalse(c["covered"], "%s: %s is covered by something else" % (size, c["what"]))
        for i, a in enumerate(controls):
            for b in controls[i + 1:]:
                apart = a["right"] <= b["left"] or b["right"] <= a["left"] or a["bottom"] <= b["top"] or b["bottom"] <= a["top"]
                self.assertTrue(apart, "%s: %s overlaps %s" % (size, a["what"], b["what"]))

    def test_8_a_small_reception_screen_works_by_keyboard_alone(self):
        """On the small screens of a reception window (800×600: one column; 1024×768: two), every control
        of 受付 is on the screen, uncut and uncovered, and the day's main actions are reached with Tab and
        done with Enter: sign in, the patient from the chart, マイナ保険証なし, the 資格確認書 (R-M4) with
        its numbers checked as typed (R-ACCURACY), the bill (R-CLAIM-OK)."""
        for width, height in ((800, 600), (1024, 768)):
            size = "%d×%d" % (width, height)
            with self.subTest(size):
                browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
                try:
                    self.work_the_window_by_keyboard(size)
                finally:
                    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def work_the_window_by_keyboard(self, size):
        browser.get(demo.url)
        self.tab_to("#token")
        self.keys(demo.token, Keys.ENTER)
        self.until(lambda: browser.find_element(By.ID, "reception").is_displayed() and "接続中" in self.text("live"),
                   "signed in by keyboard")
        self.tab_to('#r-patient [name="name"]')
        self.keys("窓口　小画面")
        self.tab_to('#r-patient [name="birth_date"]')
        self.type_date("1985-07-07")
        self.tab_to("#r-nocard").send_keys(Keys.ENTER)
        self.status_says("マイナ保険証なし")
        self.assertEqual(self.bill()[:2], ("R-M8", 10), "R-M8: nothing shown yet, 10割")
        self.tab_to('#r-steps button[data-rule="R-M4"]', backwards=True).send_keys(Keys.ENTER)
        self.until(lambda: browser.find_element(By.ID, "r-numbers").is_displayed(), "the numbers form")
        self.assertEqual(browser.switch_to.active_element.get_attribute("name"), "insurer_number",
                         "the form takes the keyboard at its first field")
        self.keys("06139993")
        self.until(lambda: "✗" in self.text("r-insurer-check"), "a wrong 検証番号 is refused as typed")
        self.keys(Keys.BACKSPACE, "2")
        self.until(lambda: "✓" in self.text("r-insurer-check"), "the right number is accepted")
        self.tab_to('#r-numbers [name="symbol"]')
        self.keys("12")
        self.tab_to('#r-numbers [name="number"]')
        self.keys("345")
        self.shot("reception-%s-numbers" % size.replace("×", "x"))
        self.assert_controls_fit(size)
        self.keys(Keys.ENTER)  # submits the form from its field
        self.until(lambda: not browser.find_elements(By.CSS_SELECTOR, '#r-bill .route[data-route="R-M8"]'),
                   "the bill on the numbers")
        route, ratio, text = self.bill()
        self.assertEqual(route, "R-CLAIM-OK")
        self.assertIn("R-M4", text)
        columns = browser.execute_script("""
            const [main, side] = ['.main-col', '.side-col'].map((s) => document.querySelector(s).getBoundingClientRect());
            return side.top >= main.bottom ? 1 : 2;""")
        self.assertEqual(columns, 1 if browser.execute_script("return innerWidth") < 900 else 2, size)
        self.shot("reception-%s-bill" % size.replace("×", "x"))
        self.assert_controls_fit(size)
        self.assert_nothing_kept_or_shown()


if __name__ == "__main__":
    unittest.main()
