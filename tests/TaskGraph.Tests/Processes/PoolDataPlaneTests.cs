using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace TaskGraph.Tests.Processes;

/// <summary>
/// Issue 16 on the process pool, from outside (real worker processes): the workers keep their partitions and move
/// them to each other over the data plane (the cluster's protocol), never through the parent; a worker's data plane
/// refuses whoever does not hold the pool's secret, which is on no command line; a worker SIGKILLed in the middle of
/// a shuffle takes its results with it, and they are recomputed by lineage. The graph and its answer:
/// <see cref="ShuffleCase"/> (the cluster passes the same tests, <c>Distributed/DataStaysOnWorkersTests</c>).
/// </summary>
public class PoolDataPlaneTests
{
    [Test]
    public void NoShufflePartitionCrossesTheParent()
    {
        using var pool = new ProcessPoolScheduler(2);
        var seen = new WorkersSeen();
        long before = pool.BytesReceived;
        var g = ShuffleCase.ShuffledGroupBy().Compute(new ComputeOptions { Scheduler = pool, Listeners = [seen] });
        long received = pool.BytesReceived - before;
        TestContext.Progress.WriteLine($"parent received {received:N0} bytes");
        ShuffleCase.AssertRight(g);
        // The left side alone is 8 partitions of 960 KB, split four ways for the shuffle (~240 KB a piece); the
        // parent received only completions, the small right side, the group-by's partial sums and the output.
        Assert.That(received, Is.LessThan(ShuffleCase.OneSplitPiece), $"the parent received {received:N0} bytes");
        Assert.That(seen.Names, Has.Count.EqualTo(2), "both workers ran tasks: the merges read pieces made by the other worker");
    }

    [Test]
    public void EachProbeOfABroadcastRunsWhereItsPartitionWasMade()
    {
        // The shared input (2.4 MB) outweighs any one partition (1.2 MB), but it is read by 8 probes: each worker
        // fetches it once, so it must not pull every probe to the worker that made it (as it did: one worker read
        // the partitions and shipped each to the other, which probed them one after another).
        using var pool = new ProcessPoolScheduler(2);
        var probes = BroadcastCase.Probes();
        var placement = new BroadcastCase.Placement(probes);
        var sums = Delayed.Compute(probes, new ComputeOptions { Scheduler = pool, Listeners = [placement] });
        for (int i = 0; i < sums.Length; i++) Assert.That(sums[i], Is.EqualTo(BroadcastCase.Expected(i)), $"probe {i}");
        var where = Enumerable.Range(0, sums.Length).Select(placement.Of).ToArray();
        TestContext.Progress.WriteLine(string.Join("; ", where.Select((w, i) => $"{i}: {w.Partition} -> {w.Probe}")));
        Assert.That(where.Select(w => w.Partition).Distinct().Count(), Is.EqualTo(2), "both workers made partitions");
        for (int i = 0; i < where.Length; i++) Assert.That(where[i].Probe, Is.EqualTo(where[i].Partition), $"probe {i} ran where its partition was made");
    }

    [Test]
    public void APoolWorkersDataPlaneRefusesAStrangerAndTheSecretIsOnNoCommandLine()
    {
        using var pool = new ProcessPoolScheduler(2);
        var addresses = pool.WorkerDataAddresses;
        Assert.That(addresses, Has.Count.EqualTo(2));
        using var stranger = new DataPeers(new DataPlaneKey(RandomNumberGenerator.GetBytes(32)));
        using var member = new DataPeers(new DataPlaneKey(pool.DataKey.ToArray()));
        foreach (var address in addresses)
        {
            Assert.That(DataPeers.ParseAddress(address), Is.TypeOf<IPEndPoint>().And.Matches<IPEndPoint>(e => e is not null && IPAddress.IsLoopback(e.Address)), $"{address} listens on loopback");
            var e = Assert.Throws<DataPlaneException>(() => stranger.TryGet(address, "1", 0, out _))!;
            Assert.That(e.Message, Does.Contain("refused"));
            Assert.That(e.Unreachable, Is.False, "a refusal is not a dead worker");
            // No handshake at all, a request straight away: read as a wrong proof, answered by a single 0, then closed.
            using (var socket = new Socket(SocketType.Stream, ProtocolType.Tcp))
            {
                socket.Connect(DataPeers.ParseAddress(address));
                socket.ReceiveTimeout = 30_000;
                using var stream = new NetworkStream(socket);
                var hello = new byte[8 + DataPlaneKey.NonceBytes];
                stream.ReadExactly(hello);
                Assert.That(hello[..8], Is.EqualTo("TGDATA01"u8.ToArray()));
                var request = new byte[8 + DataPlaneKey.NonceBytes + DataPlaneKey.ProofBytes];
                RandomNumberGenerator.Fill(request);
                stream.Write(request);
                Assert.That(stream.ReadByte(), Is.EqualTo(0), "refused");
                Assert.That(stream.ReadByte(), Is.EqualTo(-1), "and closed");
            }
            // Whoever holds the pool's secret is let in (and told the worker holds no such result).
            Assert.That(member.TryGet(address, "no-such-computation", 0, out _), Is.False);
        }
        // The secret reached the workers over their pipes: neither their command lines nor their environments hold it.
        var key = pool.DataKey.ToArray();
        string[] spellings = [Convert.ToBase64String(key), Convert.ToHexString(key), Convert.ToHexString(key).ToLowerInvariant()];
        foreach (var pid in pool.WorkerProcessIds)
        foreach (var file in new[] { $"/proc/{pid}/cmdline", $"/proc/{pid}/environ" })
        {
            if (!File.Exists(file)) continue; // not Linux: no /proc to look in
            var bytes = File.ReadAllBytes(file);
            Assert.That(bytes.AsSpan().IndexOf(key), Is.EqualTo(-1), file);
            var text = System.Text.Encoding.Latin1.GetString(bytes);
            foreach (var s in spellings) Assert.That(text, Does.Not.Contain(s), file);
        }
        Assert.That(Delayed.Value(20).Then(x => x + 1).Compute(new ComputeOptions { Scheduler = pool }), Is.EqualTo(21), "the pool still works");
    }

    [Test]
    public void WorkerKilledMidShuffleIsRecoveredByLineage()
    {
        using var pool = new ProcessPoolScheduler(3);
        var killer = new KillOnFirstSplit(pool.WorkerProcessIds.ToArray());
        var g = ShuffleCase.ShuffledGroupBy().Compute(new ComputeOptions { Scheduler = pool, Listeners = [killer] });
        ShuffleCase.AssertRight(g);
        Assert.That(killer.Killed, Is.Not.Null, "a worker was killed during the shuffle");
        Assert.That(killer.Killed!.HasExited, Is.True);
        // The split finished on the killed worker was held there only, and no task had read it yet: it was recomputed.
        Assert.That(pool.RecomputedResults, Is.GreaterThan(0));
    }

    private sealed class WorkersSeen : IComputeListener
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _seen = new();

        public ICollection<string> Names => _seen.Keys;

        public void OnTaskFinished(ExecutionPlan plan, int node, string worker, bool failed)
        {
            if (worker != "parent") _seen[worker] = true;
        }
    }

    /// <summary>SIGKILLs the worker that finished the first left shuffle split, as soon as the parent hears of it (before any reader of that split is sent).</summary>
    private sealed class KillOnFirstSplit(int[] pids) : IComputeListener
    {
        public Process? Killed;

        public void OnTaskFinished(ExecutionPlan plan, int node, string worker, bool failed)
        {
            if (Killed is not null || failed || !worker.StartsWith("process-", StringComparison.Ordinal)
                || !plan.KeyOf(node).ToString().Contains(ShuffleCase.LeftSplit, StringComparison.Ordinal)) return;
            var p = Process.GetProcessById(pids[int.Parse(worker["process-".Length..])]);
            p.Kill(); // SIGKILL: no goodbye, its results die with it
            p.WaitForExit();
            Killed = p;
        }
    }
}
