namespace TaskGraph.Tests;

/// <summary>
/// A broadcast join's shape, for the out-of-process tests of placement: one large input that every probe reads
/// (an index, 2.4 MB) and per probe one partition of its own (1.2 MB), each made on a worker. A probe should run
/// where its partition was made, fetching the shared input once per worker — not queue behind the worker that made
/// the shared input while every partition is shipped to it (dask/distributed#5325). The answer is known by loops.
/// </summary>
internal static class BroadcastCase
{
    public const int Partitions = 8, PartitionValues = 150_000, SharedValues = 300_000;
    public const string PartitionName = "broadcast-partition", ProbeName = "broadcast-probe";

    /// <summary>The probes, each returning (its partition, the sum of partition[j] * shared[j]), partition i holding i + j.</summary>
    public static Delayed<double>[] Probes()
    {
        var shared = Delayed.Run(() => Enumerable.Range(0, SharedValues).Select(j => (double)(j % 7)).ToArray(), "broadcast-shared");
        return Enumerable.Range(0, Partitions).Select(i =>
        {
            var partition = Delayed.Run(() =>
            {
                Thread.Sleep(30); // long enough that each worker takes partitions one at a time
                return Enumerable.Range(0, PartitionValues).Select(j => (double)(i + j)).ToArray();
            }, PartitionName);
            return Delayed.Combine(partition, shared, (p, s) =>
            {
                Thread.Sleep(30);
                double sum = 0;
                for (int j = 0; j < p.Length; j++) sum += p[j] * s[j];
                return sum;
            }, ProbeName);
        }).ToArray();
    }

    /// <summary>Probe <paramref name="i"/>'s answer by loops.</summary>
    public static double Expected(int i)
    {
        double sum = 0;
        for (int j = 0; j < PartitionValues; j++) sum += (double)(i + j) * (j % 7);
        return sum;
    }

    /// <summary>Records which worker ran each partition and each probe (by partition number, from the task's position among its kind).</summary>
    public sealed class Placement : IComputeListener
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _workerOf = new();
        private readonly Dictionary<string, (string Kind, int Index)> _keys;

        /// <summary>Listens for the tasks of <paramref name="probes"/> (their keys are known before the compute).</summary>
        public Placement(Delayed<double>[] probes)
        {
            _keys = new(StringComparer.Ordinal);
            for (int i = 0; i < probes.Length; i++)
            {
                _keys[probes[i].Key.ToString()] = (ProbeName, i);
                foreach (var dep in probes[i].Spec.Dependencies)
                    if (dep.Key.ToString().Contains(PartitionName, StringComparison.Ordinal)) _keys[dep.Key.ToString()] = (PartitionName, i);
            }
        }

        /// <summary>The worker that ran partition <paramref name="i"/>, and the one that ran its probe.</summary>
        public (string Partition, string Probe) Of(int i)
            => (_workerOf.GetValueOrDefault($"{PartitionName}/{i}", "?"), _workerOf.GetValueOrDefault($"{ProbeName}/{i}", "?"));

        public void OnTaskFinished(ExecutionPlan plan, int node, string worker, bool failed)
        {
            if (_keys.TryGetValue(plan.KeyOf(node).ToString(), out var what)) _workerOf[$"{what.Kind}/{what.Index}"] = worker;
        }
    }
}
