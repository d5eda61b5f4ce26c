"""What an administrator does with `onshi serve` (README: "A clinic with several desks"): a token made
by `--new-token` opens the service to its desk, `--check-config` says what is wrong before a start
(the LAN without TLS, a plugin that is not there), it listens on loopback unless told otherwise, and
the systemd unit's own command lines check, start and stop it."""
import json
import os
import re
import signal
import subprocess
import unittest

from serve_fixture import CLI, PLUGINS, ServiceTest, read_text, wait_for

UNIT = os.environ["ONSHI_SERVE_UNIT"]


class Operations(ServiceTest):
    def write_config(self, **fields):
        config = {"state_dir": os.path.join(self.work, "state"), "plugin_dirs": [PLUGINS],
                  "use_default_plugin_dirs": False,
                  "plugins": {"onshi.eligibility": {"folder": {"root": self.oqs}}},
                  "desks": [{"name": "reception-1", "token_sha256": "0" * 64}]}
        config.update(fields)
        path = os.path.join(self.work, "serve.json")
        with open(path, "w") as f:
            json.dump(config, f)
        return path

    def check(self, path):
        run = subprocess.run([CLI, "serve", "--check-config", path], capture_output=True, text=True, timeout=30)
        return run.returncode, json.loads(run.stdout)

    def test_check_config_says_what_is_wrong_before_a_start(self):
        code, report = self.check(self.write_config())
        self.assertEqual((code, report["ok"]), (0, True), report)
        self.assertEqual(report["listen"], "127.0.0.1:8740", "loopback unless serving the LAN is said")
        self.assertEqual(report["desks"], ["reception-1"])
        self.assertGreater(report["functions"], 0)

        code, report = self.check(self.write_config(listen="0.0.0.0:8740"))
        self.assertNotEqual(code, 0)
        self.assertFalse(report["ok"])
        self.assertIn("listen", report["error"]["message"])
        self.assertIn("without TLS", report["error"]["message"])
        self.assertIn("plain_http_on_lan", report["error"]["hint"])
        code, report = self.check(self.write_config(listen="0.0.0.0:8740", plain_http_on_lan=True))
        self.assertEqual((code, report["ok"]), (0, True), "said by name")

        code, report = self.check(self.write_config(plugins={"onshi.eligibility": {"folder": {"root": self.oqs}},
                                                             "vendor.not-installed": {}}))
        self.assertNotEqual(code, 0)
        self.assertEqual([p["plugin"] for p in report["plugins_not_loaded"]], ["vendor.not-installed"])
        self.assertIn("plugin_dirs", report["plugins_not_loaded"][0]["hint"])
        self.assertFalse(os.path.exists(os.path.join(self.work, "state", "onshi.db")), "a check keeps nothing")

    def test_a_token_from_new_token_opens_the_service_to_its_desk_alone(self):
        made = json.loads(subprocess.run([CLI, "serve", "--new-token"], capture_output=True, text=True,
                                         check=True).stdout)
        self.assertRegex(made["token_sha256"], "^[0-9a-f]{64}$")
        self.assertNotIn(made["token"], made["token_sha256"])
        s = self.service([{"name": "kaikei", "token_sha256": made["token_sha256"]}])
        status, doc, _ = s.request("GET", "/v1/status", token=made["token"])
        self.assertEqual((status, doc["desk"]), (200, "kaikei"))
        self.assertEqual(s.request("GET", "/v1/status", token=made["token_sha256"])[0], 401, "the hash is no token")
        self.assertNotIn(made["token"], s.log_text())

    def test_the_systemd_units_commands_check_start_and_stop_the_service(self):
        unit = read_text(UNIT)
        commands = dict(re.findall(r"^(ExecStartPre|ExecStart)=(.+)$", unit, re.M))
        self.assertEqual(set(commands), {"ExecStartPre", "ExecStart"})
        config = self.write_config(listen="127.0.0.1:0")

        def argv(line):  # the unit's command as installed, with this test's program and configuration
            return [CLI if a.endswith("/onshi") else config if a == "/etc/onshi/serve.json" else a
                    for a in line.split()]

        self.assertEqual(subprocess.run(argv(commands["ExecStartPre"]), capture_output=True, timeout=30).returncode, 0)
        log_path = os.path.join(self.work, "journal.log")
        with open(log_path, "w") as log:
            proc = subprocess.Popen(argv(commands["ExecStart"]), stdout=log, stderr=subprocess.STDOUT)
            try:
                self.assertTrue(wait_for(lambda: '"event":"listening"' in read_text(log_path), 15), read_text(log_path))
                lines = [json.loads(line) for line in read_text(log_path).splitlines()]
                self.assertTrue(all("ts" in line and "level" in line for line in lines), "one JSON object a line")
                proc.send_signal(signal.SIGTERM)  # systemctl stop
                self.assertEqual(proc.wait(15), 0)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        self.assertIn('"event":"stopping"', read_text(log_path))
        self.assertIn("Restart=on-failure", unit, "a crash is restarted; what was accepted is carried on")


if __name__ == "__main__":
    unittest.main()
