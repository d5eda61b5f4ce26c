"""One req folder, many writers: two `onshi serve` on one share and a stray program writing there too.
Nobody's file is ever replaced, every answer goes to the one who asked (matched by the identifier and
the echoed search keys inside the file, not by its name), and a forged answer under our name is left
alone."""
import datetime
import os
import re
import threading
import time
import unittest

from serve_fixture import read_text, PERSONAS, ServiceTest, query, wait_for

STRAY_REQUEST = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<XmlMsg><MessageHeader><QualificationConfirmationDate>{day}</QualificationConfirmationDate>
<MedicalInstitutionCode>1311111111</MedicalInstitutionCode><ArbitraryFileIdentifier>stray-{n}</ArbitraryFileIdentifier>
</MessageHeader><MessageBody><QualificationConfirmSearchInfo><InsurerNumber>{insurer}</InsurerNumber>
<InsuredIdentificationNumber>{number}</InsuredIdentificationNumber><Birthdate>{birth}</Birthdate>
<LimitApplicationCertificateRelatedConsFlg>0</LimitApplicationCertificateRelatedConsFlg>
</QualificationConfirmSearchInfo></MessageBody></XmlMsg>
"""


class OneFolderManyWriters(ServiceTest):
    def test_two_services_and_a_stray_program_each_get_their_own_answers(self):
        sim = self.sim()
        a = self.service(["desk-a"], name="serve-a")
        b = self.service(["desk-b"], name="serve-b")  # its own state folder: its own request counter
        req = os.path.join(self.oqs, "req")
        day = datetime.datetime.utcnow() + datetime.timedelta(hours=9)
        stray_names = []

        def stray():  # 12-digit names from the same daily counter as ours, written the careless way
            for n in range(1, 21):
                _, insurer, number, birth = PERSONAS[n % len(PERSONAS)]
                name = "OQSsiquc01req_%s%04d.xml" % (day.strftime("%Y%m%d"), n)
                tmp = os.path.join(self.work, name)
                with open(tmp, "w") as f:
                    f.write(STRAY_REQUEST.format(day=day.strftime("%Y%m%d"), n=n, insurer=insurer.rjust(8),
                                                 number=number, birth=birth))
                os.rename(tmp, os.path.join(req, name))
                stray_names.append((name, number))
                time.sleep(0.01)

        results = []
        lock = threading.Lock()

        def desk(service, name, offset):
            for i in range(12):
                _, insurer, number, birth = PERSONAS[(i + offset) % len(PERSONAS)]
                status, doc, _ = service.request("POST", "/v1/onshi.eligibility/1/query", name, query(insurer, number, birth))
                with lock:
                    results.append((name, number, status, doc))

        threads = [threading.Thread(target=stray), threading.Thread(target=desk, args=(a, "desk-a", 0)),
                   threading.Thread(target=desk, args=(b, "desk-b", 5))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(len(results), 24)
        for name, number, status, doc in results:
            self.assertEqual(status, 200, doc)
            self.assertEqual(doc["qualifications"][0]["insured_identification_number"], number, "someone else's answer")
        res = os.path.join(self.oqs, "res")
        for name, number in stray_names:  # each of the stray's requests reached the terminal as it wrote it
            answer = os.path.join(res, name.replace("req_", "res_"))
            self.assertTrue(wait_for(lambda: os.path.exists(answer)), name)
            text = read_text(answer)
            self.assertIn("<ArbitraryFileIdentifier>stray-%d</ArbitraryFileIdentifier>" % int(name[-8:-4]), text)
            self.assertIn("<InsuredIdentificationNumber>%s</InsuredIdentificationNumber>" % number, text)
        self.assertEqual(sim.answered(), 44, "every request, ours and the stray's, reached the terminal once")

    def test_a_forged_answer_under_our_name_is_left_for_its_owner(self):
        # The terminal looks at req every 500 ms and answers 400 ms later: the forger (every 5 ms) comes
        # first even on a loaded machine (with the default 100 ms the terminal could take it first).
        sim = self.sim("--poll", "500", "--delay", "400")
        s = self.service(["desk-a"])
        req, res = os.path.join(self.oqs, "req"), os.path.join(self.oqs, "res")
        forged = []

        def forger():  # sees our request and puts another patient's answer under its name at once
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not forged:
                for name in os.listdir(req):
                    if name.endswith(".xml") and not name.startswith("."):
                        other = sorted(os.listdir(res)) or []
                        text = read_text(os.path.join(res, other[0])) if other else ""
                        text = re.sub(r"<ArbitraryFileIdentifier>[^<]*<", "<ArbitraryFileIdentifier>0000forged0000<", text)
                        with open(os.path.join(res, name.replace("req_", "res_")), "w") as f:
                            f.write(text)
                        forged.append(name)
                        break
                time.sleep(0.005)

        _, insurer, number, birth = PERSONAS[2]
        self.assertEqual(s.request("POST", "/v1/onshi.eligibility/1/query", "desk-a", query(*PERSONAS[1][1:]))[0], 200)
        t = threading.Thread(target=forger)
        t.start()
        status, doc, _ = s.request("POST", "/v1/onshi.eligibility/1/query", "desk-a", query(insurer, number, birth))
        t.join()
        self.assertEqual(len(forged), 1, "the forger wrote its answer")
        self.assertEqual(status, 200)
        self.assertEqual(doc["qualifications"][0]["insured_identification_number"], number, "the forged answer was taken")


if __name__ == "__main__":
    unittest.main()
