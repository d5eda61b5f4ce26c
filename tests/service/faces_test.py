"""Face-reader results to the desk whose patient it is: each desk says whom it expects (overlapping
time windows), a result goes to the one desk expecting it, anything else (nobody, or two desks alike)
waits in the clinic-wide queue until one desk claims it; never to two desks."""
import unittest

from serve_fixture import PERSONAS, Events, ServiceTest, wait_for


def birth_of(event):
    return event["data"]["qualifications"][0]["birthdate"]


class FaceRouting(ServiceTest):
    def test_each_result_reaches_the_one_desk_expecting_it_or_the_queue_and_never_two(self):
        sim = self.sim()
        desks = ["desk-%d" % i for i in range(5)]
        s = self.service(desks)
        streams = {d: Events(s, d) for d in desks}
        expected = {}
        for desk, persona in zip(desks[:4], PERSONAS):  # windows that all overlap
            status, doc, _ = s.request("POST", "/v1/desk/expectations", desk,
                                       {"birth_date": persona[3], "window_seconds": 600})
            self.assertEqual(status, 201, doc)
            expected[desk] = persona[3]
        # desk-4 expects the same person as desk-3: that result goes to neither, but to the queue.
        s.request("POST", "/v1/desk/expectations", "desk-4", {"birth_date": PERSONAS[3][3][:4] + "-" + PERSONAS[3][3][4:6]
                                                              + "-" + PERSONAS[3][3][6:]})
        nobody = PERSONAS[6]
        sim.push_faces([p[0] for p in PERSONAS[:4]] + [nobody[0]])
        for desk in desks[:3]:
            self.assertTrue(streams[desk].wait(lambda e: e.of_kind("face")), desk)
        queued = wait_for(lambda: len(s.request("GET", "/v1/queue", "desk-0")[1]["entries"]) == 2)
        self.assertTrue(queued, s.request("GET", "/v1/queue", "desk-0")[1])
        for desk in desks[:3]:
            faces = streams[desk].of_kind("face")
            self.assertEqual([birth_of(e) for e in faces], [expected[desk]], desk)
            self.assertIn("expectation", faces[0]["data"])
        for desk in desks[3:]:
            self.assertEqual(streams[desk].of_kind("face"), [], desk + ": expected alike with another desk")
        entries = s.request("GET", "/v1/queue", "desk-4")[1]["entries"]
        self.assertEqual(sorted(birth_of(e) for e in entries), sorted([PERSONAS[3][3], nobody[3]]))
        for desk in desks:  # every desk hears that something waits in the queue
            self.assertTrue(streams[desk].wait(lambda e: len(e.of_kind("queue")) >= 2), desk)

        first = entries[0]
        status, doc, _ = s.request("POST", first["claim"], "desk-3")
        self.assertEqual((status, doc["desk"]), (200, "desk-3"))
        self.assertEqual(birth_of(doc), birth_of(first))
        status, doc, _ = s.request("POST", first["claim"], "desk-4")
        self.assertEqual((status, doc["status"]), (409, "ONSHI_E_REFUSED"), "the first claim wins")
        self.assertEqual(s.request("POST", "/v1/queue/nonexistent/claim", "desk-4")[0], 404)
        self.assertTrue(streams["desk-3"].wait(lambda e: e.of_kind("face")))
        self.assertEqual(streams["desk-4"].of_kind("face"), [])
        self.assertEqual(len(s.request("GET", "/v1/queue", "desk-0")[1]["entries"]), 1)
        # An expectation serves one result: the same person again goes to the queue.
        sim.push_faces([PERSONAS[0][0]])
        self.assertTrue(wait_for(lambda: len(s.request("GET", "/v1/queue", "desk-0")[1]["entries"]) == 2))
        self.assertEqual(len(streams["desk-0"].of_kind("face")), 1)
        for st in streams.values():
            st.close()

    def test_many_results_in_overlapping_windows_each_reach_their_desk_once(self):
        # The test-sized run of bench/serve_bench.cpp's face routing: 4 desks, 20 pushes in a mix.
        sim = self.sim()
        desks = ["desk-%d" % i for i in range(4)]
        s = self.service(desks)
        streams = {d: Events(s, d) for d in desks}
        pushes = [PERSONAS[p % len(desks)] for p in range(20)]
        for desk, persona in zip(desks, PERSONAS):
            for _ in range(pushes.count(persona)):  # one expectation per result, all windows open at once
                self.assertEqual(s.request("POST", "/v1/desk/expectations", desk,
                                           {"birth_date": persona[3], "window_seconds": 600})[0], 201)
        sim.push_faces([p[0] for p in pushes])
        delivered = lambda: sum(len(st.of_kind("face")) for st in streams.values())
        self.assertTrue(wait_for(lambda: delivered() >= 20, 30), delivered())
        expectations = []
        for desk, persona in zip(desks, PERSONAS):
            faces = streams[desk].of_kind("face")
            self.assertEqual({birth_of(e) for e in faces}, {persona[3]}, desk + ": another desk's patient")
            self.assertEqual(len(faces), pushes.count(persona), desk)
            expectations += [e["data"]["expectation"] for e in faces]
        self.assertEqual(len(set(expectations)), 20, "an expectation served two results")
        self.assertEqual(s.request("GET", "/v1/queue", "desk-0")[1]["entries"], [])
        for st in streams.values():
            st.close()

    def test_an_expectation_names_its_patient(self):
        s = self.service(["desk-0"])
        for bad in ({}, {"reader": "Face Reader 1"}, {"birth_date": "1980"}, {"birth_date": "19800515", "window_seconds": 0}):
            status, doc, _ = s.request("POST", "/v1/desk/expectations", "desk-0", bad)
            self.assertEqual(status, 400, bad)
        status, doc, _ = s.request("POST", "/v1/desk/expectations", "desk-0", {"reference_number": "K-000123"})
        self.assertEqual(status, 201)
        listed = s.request("GET", "/v1/desk/expectations", "desk-0")[1]["expectations"]
        self.assertEqual([e["expectation"] for e in listed], [doc["expectation"]])
        self.assertEqual(s.request("DELETE", doc["href"], "desk-0")[0], 204)
        self.assertEqual(s.request("DELETE", doc["href"], "desk-0")[0], 404)


if __name__ == "__main__":
    unittest.main()
