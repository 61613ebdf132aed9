#!/usr/bin/env bash
# Runs Dask (../shared/bench/dask_bench.py) and TaskGraph (the compare runner) on the same workloads, back to
# back, and prints them side by side with ratios: one run, one machine, comparable figures.
#   benchmarks/compare.sh [--data DIR] [--dask-schedulers LIST] [--tg-schedulers LIST] [--runs N] WORKLOAD...
# Extra options after `--` go to both runners (e.g. -- --size-override delayed_n:processes=20000).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shared=${SHARED_DIR:-$here/../../shared}
data=/tmp/tg-data; dask_s=""; tg_s=""; runs=3; workloads=(); extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data=$2; shift 2 ;;
    --dask-schedulers) dask_s=$2; shift 2 ;;
    --tg-schedulers) tg_s=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) workloads+=("$1"); shift ;;
  esac
done
stamp=$(date +%Y%m%d-%H%M%S)
out=${OUT_DIR:-/tmp}/compare-$stamp
mkdir -p "$out"
only=$(IFS=,; echo "${workloads[*]}")
dask_args=(--data "$data" --runs "$runs" --out "$out/dask.jsonl")
[ -n "$only" ] && dask_args+=(--only "$only")
[ -n "$dask_s" ] && dask_args+=(--schedulers "$dask_s")
tg_args=(compare --data "$data" --runs "$runs" --out "$out/taskgraph.jsonl")
[ -n "$tg_s" ] && tg_args+=(--schedulers "$tg_s")
echo "[compare.sh] Dask: ${dask_args[*]} ${extra[*]}" >&2
# dask_bench.py exits 1 when a workload fails (e.g. delayed_chain on processes cannot be pickled): its line records
# the error, and TaskGraph still runs.
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 /usr/bin/python3 "$shared/bench/dask_bench.py" "${dask_args[@]}" "${extra[@]}" >/dev/null \
  || echo "[compare.sh] Dask reported a failed workload (see its line)" >&2
echo "[compare.sh] TaskGraph: ${tg_args[*]} ${workloads[*]} ${extra[*]}" >&2
dotnet run -c Release --project "$here/TaskGraph.Benchmarks" -- "${tg_args[@]}" "${extra[@]}" "${workloads[@]}" >/dev/null \
  || echo "[compare.sh] TaskGraph reported a failed workload (see its line)" >&2
/usr/bin/python3 "$here/side_by_side.py" "$out/dask.jsonl" "$out/taskgraph.jsonl"
echo "(raw lines: $out)" >&2
