"""Desks that verify at once through one `onshi serve` and check what came back (tests/service's
scale test): each desk streams its events and sends its queries; afterwards every answer is matched
to the query that asked it."""
import threading
import time

from serve_fixture import PERSONAS, Events, query, wait_for


def run_desks(service, desks, per_desk, threads_per_desk=4):
    streams = {d: Events(service, d) for d in desks}
    asked = {}  # job → (desk, number)
    answers = {}  # job → outcome
    latencies = []
    lock = threading.Lock()

    def worker(desk, indexes):
        for i in indexes:
            _, insurer, number, birth = PERSONAS[i % len(PERSONAS)]
            started = time.monotonic()
            status, doc, r = service.request("POST", "/v1/onshi.eligibility/1/query", desk, query(insurer, number, birth))
            elapsed = time.monotonic() - started
            job = r.getheader("X-Onshi-Job") or ""
            with lock:
                latencies.append(elapsed)
                if status == 200:
                    answers.setdefault(job or id(doc), []).append((desk, number, doc))
                    if job:
                        asked[job] = (desk, number)

    started = time.monotonic()
    threads = []
    for d_index, desk in enumerate(desks):
        for t in range(threads_per_desk):
            indexes = range(d_index * 7 + t, d_index * 7 + per_desk, threads_per_desk)
            threads.append(threading.Thread(target=worker, args=(desk, list(indexes))))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    # Each desk's stream says "done" once per job of its own, and never a job of another desk.
    for desk in desks:
        mine = {j for j, (d, _) in asked.items() if d == desk}
        wait_for(lambda: {e["data"]["job"] for e in streams[desk].of_kind("job") if e["data"]["state"] == "done"} >= mine, 30)
    done_events = {desk: [e["data"]["job"] for e in streams[desk].of_kind("job") if e["data"]["state"] == "done"]
                   for desk in desks}
    for s in streams.values():
        s.close()
    wrong_desk = sum(1 for desk, jobs in done_events.items() for j in jobs if asked.get(j, (desk,))[0] != desk)
    duplicated = sum(len(jobs) - len(set(jobs)) for jobs in done_events.values())
    duplicated += sum(len(v) - 1 for v in answers.values())
    wrong_patient = sum(1 for v in answers.values() for (_, number, doc) in v
                        if doc.get("qualifications", [{}])[0].get("insured_identification_number") != number)
    total = per_desk * len(desks)
    latencies.sort()
    return {
        "desks": len(desks), "per_desk": per_desk, "answered": sum(len(v) for v in answers.values()),
        "lost": total - sum(len(v) for v in answers.values()), "duplicated": duplicated, "wrong_desk": wrong_desk,
        "wrong_patient": wrong_patient, "seconds": elapsed, "answers_per_second": total / elapsed if elapsed else 0,
        "median_ms": 1000 * latencies[len(latencies) // 2] if latencies else 0,
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99) - 1] if latencies else 0,
    }
