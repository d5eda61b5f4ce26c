"""onshi serve with the card reader plugin, against onshi-vcard in the real pcscd + vpcd (the machine-wide
`pcscd` fixture, like every card test): the card put down and taken away reaches the desk at that reader
only, and a PIN sent through POST /v1/onshi.card-reader/1/verify_pin is in no audit record, no byte the
service keeps and no line it logs, even verbose (R-PIN)."""
import os
import signal
import subprocess
import unittest

from serve_fixture import Events, desk, ServiceTest, WebSocketEvents, query, wait_for

VCARD = os.environ["ONSHI_VCARD_EXE"]
VCARD_STATE = os.environ["ONSHI_VCARD_STATE"]  # its keys, made once and reused
READER = "Virtual PCD 00 00"        # vpcd slot 0: our card
OTHER_READER = "Virtual PCD 00 01"  # vpcd slot 1: never a card
PIN, WRONG_PIN = "4821", "1593"


class VirtualCard:
    """onshi-vcard in vpcd slot 0 until stop()."""

    def __init__(self, work, *args):
        self.log = open(os.path.join(work, "vcard.log"), "w")
        self.proc = subprocess.Popen([VCARD, "--state-dir", VCARD_STATE, *args], stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)
        self.log.close()


class CardAtTheService(ServiceTest):
    def card_info(self, s, name):
        return s.request("POST", "/v1/onshi.card-reader/1/card_info", name, {"reader": READER})

    def test_card_events_reach_the_desk_at_that_reader_and_a_pin_is_never_kept(self):
        s = self.service([desk("kensa", readers=[READER]), desk("kaikei", readers=[OTHER_READER]), "reception-1"],
                         extra={"verbose": True}, plugins={"onshi.reader.pcsc": {}, "onshi.eligibility": {"folder": {"root": self.oqs}}})
        # Whoever used the reader before may have left a card pcscd still shows.
        self.assertTrue(wait_for(lambda: self.card_info(s, "kensa")[0] == 409, 10), self.card_info(s, "kensa"))
        at_reader, elsewhere, anywhere = WebSocketEvents(s, "kensa"), Events(s, "kaikei"), Events(s, "reception-1")
        card = VirtualCard(self.work, "--pin", PIN)
        self.to_stop.append(card)
        inserted = at_reader.wait(lambda e: e.of_kind("card"))
        self.assertTrue(inserted, "the desk at the reader hears the card put down")
        self.assertEqual(inserted[0]["data"], {"event": "card_inserted", "reader": READER})
        self.assertEqual(inserted[0]["plugin"], "onshi.reader.pcsc")

        status, doc, _ = s.request("POST", "/v1/onshi.card-reader/1/verify_pin", "kensa",
                                   {"reader": READER, "pin": WRONG_PIN})
        self.assertEqual((status, doc["status"], doc["native_code"]), (422, "ONSHI_E_PIN_WRONG", 2), doc)
        status, doc, _ = s.request("POST", "/v1/onshi.card-reader/1/verify_pin", "kensa", {"reader": READER, "pin": PIN})
        self.assertEqual((status, doc["verified"]), (200, True), doc)
        card.stop()
        removed = at_reader.wait(lambda e: len(e.of_kind("card")) >= 2 and e.of_kind("card"))
        self.assertTrue(removed, at_reader.events)
        self.assertEqual([e["data"]["event"] for e in removed], ["card_inserted", "card_removed"])

        # The other desks' streams are in order and alive: each hears its own job end, an event after
        # the card's, so a card event for them would have come first.
        for name, stream in (("kaikei", elsewhere), ("reception-1", anywhere)):
            status, doc, _ = s.request("POST", "/v1/onshi.eligibility/1/query", name, query("06139992", "5678", "19800515"),
                                       {"Prefer": "respond-async"})
            self.assertEqual(status, 202, doc)
            self.assertEqual(s.request("DELETE", doc["href"], name)[0], 202)
            self.assertTrue(stream.wait(lambda e: e.of_kind("job")), name)
            self.assertGreater(stream.of_kind("job")[0]["seq"], removed[1]["seq"])
            self.assertEqual(stream.of_kind("card"), [], name + " is not at the card's reader")

        verify_pin = lambda: [r for r in s.audit() if r["route"] == "/v1/onshi.card-reader/1/verify_pin"]
        pin_calls = wait_for(lambda: len(verify_pin()) >= 2 and verify_pin(), 5)
        self.assertEqual([(r["desk"], r["method"], r["status"]) for r in pin_calls], [("kensa", "POST", 422), ("kensa", "POST", 200)])
        for secret in (PIN, WRONG_PIN):
            self.assertNowhere(secret, s)
        for stream in (at_reader, elsewhere, anywhere):
            stream.close()


if __name__ == "__main__":
    unittest.main()
