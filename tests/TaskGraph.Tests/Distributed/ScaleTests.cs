namespace TaskGraph.Tests.Distributed;

/// <summary>
/// <see cref="LocalCluster.Scale"/>: workers added during a compute take its tasks, and workers removed during one
/// finish what they hold while the rest goes on elsewhere (after dask/distributed's
/// <c>distributed/deploy/tests/test_local.py::test_scale_up_and_down</c>, here with a compute running).
/// </summary>
public class ScaleTests
{
    /// <summary>Waits (in the worker) until <paramref name="gate"/> exists, then returns the worker's process id.</summary>
    private static int HoldThenPid(string gate, int i)
    {
        var until = DateTime.UtcNow.AddMinutes(2);
        while (!File.Exists(gate) && DateTime.UtcNow < until) Thread.Sleep(5);
        Thread.Sleep(50 + i % 3);
        return Environment.ProcessId;
    }

    private static bool Alive(int pid)
    {
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [Test]
    public async Task WorkersAddedDuringAComputeTakeItsTasksAndRemovedOnesLeaveNothingBehind()
    {
        using var cluster = TestCluster.Start("taskgraph.tests.scale", workers: 1, threads: 1);
        var first = cluster.Workers[0].Id;
        var gate = Path.Combine(Path.GetTempPath(), "taskgraph-scale-gate-" + Guid.NewGuid().ToString("N"));
        try
        {
            // One worker of one thread takes the first task and waits on the gate; the other 23 wait in the queue.
            var pids = Enumerable.Range(0, 24).Select(i => Delayed.Run(() => HoldThenPid(gate, i), "hold").Impure()).ToList();
            var compute = Delayed.All(pids, "gather").ComputeAsync(new ComputeOptions { Scheduler = cluster, Fuse = false });

            cluster.Scale(3);
            Assert.That(cluster.Workers, Has.Count.EqualTo(3));
            File.WriteAllText(gate, "");
            var ran = await compute;
            Assert.That(ran, Has.Length.EqualTo(24));
            var by = ran.GroupBy(p => p).ToDictionary(g => g.Key, g => g.Count());
            Assert.That(by.Keys, Is.SubsetOf(cluster.Workers.Select(w => w.Id)));
            Assert.That(by.Keys, Has.Count.GreaterThanOrEqualTo(2), $"tasks per worker process: {string.Join(", ", by)}");
            Assert.That(by.Keys.Any(p => p != first), "a worker started during the compute ran some of its tasks");
        }
        finally
        {
            File.Delete(gate);
        }

        // Shrinking during a compute: the removed workers finish the task in hand; nothing is lost.
        var leaving = cluster.Workers.Skip(1).Select(p => p.Id).ToList();
        var more = Enumerable.Range(0, 40).Select(i => Delayed.Run(() => { Thread.Sleep(20); return i * i; }, "square").Impure()).ToList();
        var sum = Delayed.All(more, "gather").Then(xs => xs.Sum(), "sum").ComputeAsync(new ComputeOptions { Scheduler = cluster, Fuse = false });
        cluster.Scale(1);
        Assert.That(cluster.Workers, Has.Count.EqualTo(1));
        Assert.That(leaving.Where(Alive), Is.Empty, "the removed workers exited");
        Assert.That(await sum, Is.EqualTo(Enumerable.Range(0, 40).Sum(i => i * i)));

        Assert.That(() => cluster.Scale(-1), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
