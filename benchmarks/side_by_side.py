#!/usr/bin/python3
"""Puts Dask's and TaskGraph's JSON lines (same workload names and checksums) side by side.

Usage: side_by_side.py dask.jsonl taskgraph.jsonl
For every TaskGraph line: its time, Dask's time for the same scheduler (and Dask's threads and the
single-threaded reference where they exist), the ratios, per-task overheads, and whether the checksums agree.
"""
import json
import sys

REF = {"csv_groupby": "pandas", "merge_riders": "pandas", "merge_vendors": "pandas",
       "merge_riders_shuffle": "pandas", "array_reduce": "numpy", "array_matmul": "numpy",
       "tokenize": "python"}
TOLERANT = {"array_reduce", "merge_riders", "merge_riders_shuffle"}  # float checksums compared with tolerance


def load(path):
    return [json.loads(l) for l in open(path) if l.strip()]


def same(w, a, b):
    if a is None or b is None:
        return "?"
    if w == "array_reduce":  # statistical: both must be within the README's tolerances
        ok = lambda c: abs(c["colmean_sum"] - c.get("expect_colmean_sum", 20000)) < 3 and abs(c["std"] - 0.288675) < 3e-5
        return "ok" if ok(a) and ok(b) else "DIFF"
    if w in TOLERANT:
        keys = set(a) | set(b)
        return "ok" if all(abs(float(a.get(k, 0)) - float(b.get(k, 0))) <= 1e-6 * max(1, abs(float(a.get(k, 0)))) for k in keys) else "DIFF"
    return "ok" if a == b else "DIFF"


def main(dask_path, tg_path):
    dask = {(r["workload"], r["scheduler"]): r for r in load(dask_path)}
    print("| workload | scheduler | size | TaskGraph s | Dask same-scheduler s | ratio | vs Dask threads | vs single-thread ref | us/task (TG / Dask) | checksum |")
    print("|---|---|---|---:|---:|---:|---:|---:|---|---|")
    for r in load(tg_path):
        w, s = r["workload"], r["scheduler"]
        if "error" in r:
            print(f"| {w} | {s} | | **failed** | | | | | | {r['error'][:100]} |")
            continue
        d = dask.get((w, s))
        dt = dask.get((w, "threads"))
        ref = dask.get((w, REF.get(w, "sync")))
        size = r.get("size", {})
        size_txt = ", ".join(f"{k}={v:,}" for k, v in size.items()) if size else ""
        def ratio(x):
            if not x or "seconds" not in x:
                return ""
            if x.get("size") != r.get("size"):
                return "(other size)"
            return f"{x['seconds'] / r['seconds']:.1f}x"
        us = ""
        if "us_per_task" in r:
            us = f"{r['us_per_task']} / {d['us_per_task'] if d and 'us_per_task' in d else '-'}"
        print(f"| {w} | {s} | {size_txt} | {r['seconds']:.4f} | {d['seconds'] if d and 'seconds' in d else '-'} | {ratio(d)} | {ratio(dt)} | {ratio(ref)} | {us} | {same(w, r.get('checksum'), (d or dt or ref or {}).get('checksum'))} |")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
