#!/usr/bin/env bash
# Every Dask comparison the issues ask for, group by group (each group: Dask then TaskGraph, back to back, so the
# ratios in one table come from one run). Needs the data (../shared/bench/gen_data.py) and, for the distributed
# group, a broker (started here on 127.0.0.1 if TASKGRAPH_BROKER is unset). Output: one Markdown table per group.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
data=${1:-/tmp/tg-data}
run() { echo; echo "### $1"; shift; bash "$here/compare.sh" --data "$data" "$@"; }
if [ -z "${TASKGRAPH_BROKER:-}" ]; then
  source "$here/../.ci/rabbitmq.sh"
  RABBIT_PORT=5681 RABBIT_DIR=/tmp/taskgraph-rabbit-bench
  rabbit_start >/dev/null && export TASKGRAPH_BROKER=$TASKGRAPH_TEST_BROKER && trap rabbit_stop EXIT
fi
run "Scheduler overhead (issue 2)" --dask-schedulers sync,threads --tg-schedulers sync,threads delayed_overhead delayed_chain
run "Process pool overhead (issue 5)" --dask-schedulers processes --tg-schedulers processes delayed_overhead delayed_chain -- --size-override delayed_n:processes=20000
run "Distributed overhead (issue 6)" --dask-schedulers distributed --tg-schedulers distributed delayed_overhead
run "Frames (issue 3)" --dask-schedulers pandas,threads --tg-schedulers threads,processes csv_groupby merge_riders merge_vendors
run "Frames, hash join (issue 3)" --dask-schedulers threads --tg-schedulers threads merge_riders_shuffle
run "Arrays (issue 4)" --dask-schedulers numpy,threads --tg-schedulers sync,threads array_reduce array_matmul
run "Text (issues 5, 6, 8)" --dask-schedulers python,processes --tg-schedulers sync,threads,processes,distributed tokenize
