"""Several desks at once through one service (the test-sized run of bench/serve_bench.cpp): every
verification answered, none twice, none to the wrong desk, and every request at the terminal under a
name of its own."""
import sys
import unittest

from serve_fixture import ServiceTest, wait_for
from serve_load import run_desks


class Scale(ServiceTest):
    def test_desks_at_once_lose_nothing_duplicate_nothing_misdeliver_nothing(self):
        sim = self.sim()
        desks = ["desk-%d" % i for i in range(4)]
        s = self.service(desks)
        report = run_desks(s, desks, per_desk=25)
        self.assertEqual(report["answered"], 100, report)
        self.assertEqual(report["lost"], 0, report)
        self.assertEqual(report["duplicated"], 0, report)
        self.assertEqual(report["wrong_desk"], 0, report)
        self.assertEqual(report["wrong_patient"], 0, report)
        names = wait_for(lambda: len(sim.answered_names()) >= 100 and sim.answered_names())
        self.assertEqual(len(names), 100, "each verification reached the terminal once")
        self.assertEqual(len(set(names)), 100, "a request name was used twice")


if __name__ == "__main__":
    unittest.main()
