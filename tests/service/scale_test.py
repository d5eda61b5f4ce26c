"""Several desks at once through one service (the test-sized run of bench/serve_bench.py): every
verification answered, none twice, none to the wrong desk."""
import sys
import unittest

from serve_fixture import ServiceTest
from serve_load import run_desks


class Scale(ServiceTest):
    def test_desks_at_once_lose_nothing_duplicate_nothing_misdeliver_nothing(self):
        self.sim()
        desks = ["desk-%d" % i for i in range(4)]
        s = self.service(desks)
        report = run_desks(s, desks, per_desk=25)
        self.assertEqual(report["answered"], 100, report)
        self.assertEqual(report["lost"], 0, report)
        self.assertEqual(report["duplicated"], 0, report)
        self.assertEqual(report["wrong_desk"], 0, report)
        self.assertEqual(report["wrong_patient"], 0, report)


if __name__ == "__main__":
    unittest.main()
