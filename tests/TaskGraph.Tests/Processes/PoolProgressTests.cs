using System.Diagnostics;
using System.Net.Sockets;

namespace TaskGraph.Tests.Processes;

/// <summary>
/// The process pool keeps making progress: graphs of hundreds of small blocks finish, a computation that cannot
/// finish fails with a description of where it stopped (the stall watchdog), a worker stuck on an abandoned task
/// is replaced, and no socket file outlives its parent. Deadlines here are hang detectors, not timings.
/// </summary>
[NonParallelizable]
public class PoolProgressTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);
    private string _dir = null!;

    [SetUp]
    public void MakeDirectory() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "tg-progress-" + Guid.NewGuid().ToString("N")[..8]));

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    /// <summary>Runs <paramref name="compute"/> and fails the test (and cancels it) if it does not end within <see cref="Bound"/>.</summary>
    internal static T WithDeadline<T>(string what, Func<CancellationToken, Task<T>> compute)
    {
        using var cts = new CancellationTokenSource();
        var run = compute(cts.Token);
        try
        {
            return run.WaitAsync(Bound).GetAwaiter().GetResult();
        }
        catch (TimeoutException) when (!run.IsCompleted)
        {
            cts.Cancel();
            Assert.Fail($"{what} made no progress within {Bound.TotalSeconds} s (a hang).");
            throw;
        }
    }

    [Test]
    public void HundredsOfSmallBlocksFinish()
    {
        // Issue 13, finding 4: 1000×777 in 7×389 chunks hung for ever (sum over axis 0 in half the runs). Each
        // block (21 KB) comes back to the parent and goes out again as an input, so a batch carried megabytes
        // while its answers filled the pipe the other way: both processes blocked writing.
        using var pool = new ProcessPoolScheduler(2);
        var rnd = new Random(13);
        var data = Enumerable.Range(0, 1000 * 777).Select(_ => rnd.NextDouble()).ToArray();
        var x = NdArray.FromArray(data, [1000, 777], [7, 389]);
        var on = new ComputeOptions { Scheduler = pool };
        for (int run = 0; run < 2; run++)
        {
            var sum = WithDeadline($"sum over axis 0 (run {run})", t => Task.Run(() => x.Sum(0).Compute(on with { CancellationToken = t })));
            Assert.That(sum.Data, Is.EqualTo(x.Sum(0).Compute(Scheduler.Threads()).Data).Within(1e-9));
        }
        var argmax = WithDeadline("argmax over axis 0", t => Task.Run(() => x.ArgMax(0).Compute(on with { CancellationToken = t })));
        Assert.That(argmax.Data, Is.EqualTo(x.ArgMax(0).Compute(Scheduler.Threads()).Data));
        var y = x.MatMul(x.T);
        var product = WithDeadline("matmul", t => Task.Run(() => y.Compute(on with { CancellationToken = t })));
        Assert.That(product.Data, Is.EqualTo(y.Compute(Scheduler.Threads()).Data).Within(1e-9));
    }

    [Test]
    public void AStalledComputationFailsWithAStateDumpNamingTheStuckTask()
    {
        using var pool = new ProcessPoolScheduler(2);
        // Waits on a semaphore nobody releases, using no CPU: nothing starts or finishes any more.
        var stuck = Delayed.Value(1).Then(x => { new SemaphoreSlim(0).Wait(); return x; });
        var after = stuck.Then(x => x + 1);
        var options = new ComputeOptions { Scheduler = pool, StallTimeout = TimeSpan.FromSeconds(2), Fuse = false };
        var e = Assert.Throws<ComputeStalledException>(() => WithDeadline("the stalled computation", t => after.ComputeAsync(options with { CancellationToken = t })))!;
        Assert.That(e.StallTimeout, Is.EqualTo(TimeSpan.FromSeconds(2)));
        Assert.That(e.Message, Does.Contain("Running (1):").And.Contain($"{stuck.Key} on process-"));
        Assert.That(e.Message, Does.Contain("Waiting (1):").And.Contain(after.Key.ToString()));
        Assert.That(e.Message, Does.Match(@"Worker process-\d: pid \d+, alive; dispatcher dispatching"));
        // The watchdog ended the computation like a failure: the stuck worker is replaced and the pool still works.
        var next = WithDeadline("a computation after the stall", t => Delayed.Value(20).Then(x => x + 1).ComputeAsync(new ComputeOptions { Scheduler = pool, CancellationToken = t }));
        Assert.That(next, Is.EqualTo(21));
    }

    [Test]
    public void TheStallTimeoutAppliesOnThreadsWhenSet()
    {
        var gate = new SemaphoreSlim(0);
        try
        {
            var stuck = Delayed.Run(() => { gate.Wait(); return 1; }).Impure();
            var options = new ComputeOptions { Scheduler = Scheduler.Threads(2), StallTimeout = TimeSpan.FromMilliseconds(500) };
            var e = Assert.Throws<ComputeStalledException>(() => WithDeadline("the stalled computation", t => stuck.ComputeAsync(options with { CancellationToken = t })))!;
            Assert.That(e.Message, Does.Contain($"{stuck.Key} on taskgraph-thread-"));
        }
        finally
        {
            gate.Release();
        }
    }

    [Test]
    public void StallTimeoutMustBePositive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new ComputeOptions { StallTimeout = TimeSpan.Zero });
        Assert.That(new ComputeOptions { StallTimeout = Timeout.InfiniteTimeSpan }.StallTimeout, Is.EqualTo(Timeout.InfiniteTimeSpan));
    }

    [Test]
    public void AWorkerStuckOnAnAbandonedTaskIsReplacedAndThePoolIsBackAtFullWidth()
    {
        // Issue 12, finding 7: after a cancellation the worker still running the abandoned task was never replaced.
        using var pool = new ProcessPoolScheduler(2);
        var pidFile = Path.Combine(_dir, "stuck-pid");
        var stuck = Delayed.Run(() =>
        {
            File.WriteAllText(pidFile + ".tmp", Environment.ProcessId.ToString());
            File.Move(pidFile + ".tmp", pidFile);
            Thread.Sleep(Timeout.Infinite);
            return 0;
        }).Impure();
        using var cts = new CancellationTokenSource();
        var run = stuck.ComputeAsync(new ComputeOptions { Scheduler = pool, CancellationToken = cts.Token });
        int stuckPid = WaitForPid(pidFile);
        cts.Cancel();
        Assert.CatchAsync<OperationCanceledException>(async () => await run.WaitAsync(Bound));

        // At once, two tasks that each wait at a barrier for the other: they finish only if two workers run them
        // side by side, so the slot of the stuck worker must serve again.
        var barrier = Path.Combine(_dir, "barrier");
        Directory.CreateDirectory(barrier);
        var pair = Enumerable.Range(0, 2).Select(i => Delayed.Value(i).Then(_ => MeetAt(barrier, 2))).ToList();
        var pids = WithDeadline("the computation after the cancellation", t => Delayed.All(pair).ComputeAsync(new ComputeOptions { Scheduler = pool, Fuse = false, CancellationToken = t }));
        Assert.That(pids, Has.All.GreaterThan(0), "both tasks met at the barrier: two ran at the same time");
        Assert.That(pids.Distinct().Count(), Is.EqualTo(2));
        Assert.That(pids, Does.Not.Contain(stuckPid));
        Assert.That(ProcessPoolTests.WaitForExit(stuckPid), Is.True, "the stuck worker's process is gone");
        Assert.That(pool.WorkerProcessIds.Distinct().Count(), Is.EqualTo(2));
        Assert.That(pool.WorkerProcessIds, Does.Not.Contain(stuckPid));
    }

    /// <summary>Registers this process at <paramref name="dir"/> and waits until <paramref name="parties"/> have; its pid, negated on a timeout.</summary>
    private static int MeetAt(string dir, int parties)
    {
        int pid = Environment.ProcessId;
        File.WriteAllText(Path.Combine(dir, pid.ToString()), "");
        var deadline = Stopwatch.StartNew();
        while (Directory.GetFiles(dir).Length < parties)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(60)) return -pid;
            Thread.Sleep(10);
        }
        return pid;
    }

    [Test, Platform(Exclude = "Win", Reason = "Windows named pipes are not files.")]
    public void AKilledParentLeavesNoSocketFiles()
    {
        using var parent = StartOrphanCheckParent();
        var line = parent.StandardOutput.ReadLineAsync();
        Assert.That(line.Wait(Bound), Is.True, "the parent printed its workers");
        parent.Kill(); // SIGKILL: no chance to clean up
        parent.WaitForExit();
        Assert.That(SocketFilesOf(parent.Id), Is.Empty, "a parent's socket files are gone once its workers are connected");
    }

    [Test, Platform(Exclude = "Win", Reason = "Windows named pipes are not files.")]
    public void SocketFilesOfDeadParentsAreRemovedWhenAPoolStarts()
    {
        // A parent killed while a worker was starting leaves the socket its worker had not connected to yet. Make
        // exactly that: a process that is gone, and a socket bound where .NET binds a pipe of that parent.
        using var gone = StartOrphanCheckParent();
        gone.Kill();
        gone.WaitForExit();
        var leftover = Path.Combine(Path.GetTempPath(), $"CoreFxPipe_tg{gone.Id}-0-deadbeeft");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(leftover)); // kept open: closing it would unlink the file
        Assert.That(File.Exists(leftover), Is.True);
        using var pool = new ProcessPoolScheduler(1);
        Assert.That(pool.WorkerProcessIds, Has.Count.EqualTo(1));
        Assert.That(File.Exists(leftover), Is.False, "the next pool to start removes a dead parent's socket files");
        Assert.That(SocketFilesOf(Environment.ProcessId), Is.Empty, "a live pool's own sockets are unlinked once connected");
    }

    private static Process StartOrphanCheckParent()
    {
        var launch = WorkerLaunch.ForThisProcess;
        var psi = new ProcessStartInfo(launch.Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in launch.Arguments()) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("--orphan-check");
        psi.ArgumentList.Add("1");
        return Process.Start(psi)!;
    }

    private static string[] SocketFilesOf(int pid)
        => Directory.GetFiles(Path.GetTempPath(), $"CoreFxPipe_tg{pid}-*");

    private static int WaitForPid(string file)
    {
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(file) && deadline.Elapsed < Bound) Thread.Sleep(10);
        Assert.That(File.Exists(file), Is.True, "the task started");
        return int.Parse(File.ReadAllText(file));
    }
}
