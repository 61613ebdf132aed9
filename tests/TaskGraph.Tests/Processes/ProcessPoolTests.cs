using System.Diagnostics;
using System.Runtime.Loader;
using TaskGraph.Wire;

namespace TaskGraph.Tests.Processes;

/// <summary>
/// What only a process pool has: tasks and captures crossing the boundary, worker crashes, exceptions and
/// console output coming back, cancellation, data left in workers, and no orphan processes. (Behaviour shared
/// with every scheduler is in <see cref="SchedulerSuite"/>, which runs on "processes" too.) The fixture reuses
/// one pool of two workers; tests that kill or dispose workers make their own small pool.
/// </summary>
[NonParallelizable]
public class ProcessPoolTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private ProcessPoolScheduler _pool = null!;
    private string _dir = null!;

    [OneTimeSetUp]
    public void StartPool() => _pool = new ProcessPoolScheduler(2);

    [OneTimeTearDown]
    public void StopPool() => _pool.Dispose();

    [SetUp]
    public void MakeDirectory() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "tg-proc-" + Guid.NewGuid().ToString("N")[..8]));

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private ComputeOptions On => new() { Scheduler = _pool };

    public sealed class CustomFailure(string message) : Exception(message);

    private static int ThrowCustom(int x) => throw new CustomFailure($"custom {x}");

    [Test]
    public void WorkerExceptionCrossesWithTypeMessageAndWorkerStack()
    {
        var bad = Delayed.Value(7).Then(ThrowCustom);
        var e = Assert.Throws<TaskFailedException>(() => bad.Compute(On))!;
        Assert.That(e.Key, Is.EqualTo(bad.Key.ToString()));
        Assert.That(e.InnerException, Is.TypeOf<CustomFailure>());
        Assert.That(e.InnerException!.Message, Is.EqualTo("custom 7"));
        Assert.That(e.InnerException.StackTrace, Does.Contain(nameof(ThrowCustom)).And.Contain("worker process"));
    }

    [Test]
    public void UnsendableCaptureFailsAtComputeBeforeAnyWorkRuns()
    {
        var marker = Path.Combine(_dir, "ran");
        using var stream = new MemoryStream();
        var first = Delayed.Run(() => { File.WriteAllText(marker, "x"); return 1L; });
        var bad = first.Then(x => x + stream.Length);
        var e = Assert.Throws<TaskFailedException>(() => bad.Compute(On))!;
        Assert.That(e.Key, Is.EqualTo(bad.Key.ToString()));
        Assert.That(e.InnerException, Is.TypeOf<WireException>());
        Assert.That(((WireException)e.InnerException!).Path, Does.EndWith("target.stream"));
        Assert.That(e.Message, Does.Contain("MemoryStream").And.Contain("a stream"));
        Assert.That(File.Exists(marker), Is.False, "no task may run when one of them cannot be sent");
    }

    [Test]
    public void CapturesALambdaDoesNotReadAreNotSent()
    {
        using var stream = new MemoryStream();
        int factor = 3;
        Func<long> unrelated = () => stream.Length; // same closure object as the task below
        var ok = Delayed.Value(5).Then(x => x * factor);
        Assert.That(ok.Compute(On), Is.EqualTo(15));
        Assert.That(unrelated(), Is.Zero);
    }

    [Test]
    public void StaticInstanceAndCapturingFunctionsAllRun()
    {
        var helper = new Scaler(4);
        var a = Delayed.Value(2).Then(helper.Scale);               // instance method: the target object travels
        var b = a.Then(Math.Abs);                                   // framework static method
        string suffix = "!";
        var c = Delayed.Combine(a, b, (x, y) => $"{x + y}{suffix}");
        Assert.That(c.Compute(On), Is.EqualTo("16!"));
    }

    private sealed class Scaler(int factor)
    {
        public int Scale(int x) => x * factor;
    }

    [Test]
    public void CodeCompiledInMemoryIsShippedToTheWorkers()
    {
        // A notebook cell or script: its assembly has no file (Location == ""). Loading this test assembly from
        // bytes gives exactly that; the pool sends those bytes to its workers (NotebookCellTests has real cells).
        var alc = new AssemblyLoadContext("cell", isCollectible: true);
        try
        {
            var asm = alc.LoadFromStream(new MemoryStream(File.ReadAllBytes(typeof(ProcessPoolTests).Assembly.Location)));
            Assert.That(asm.Location, Is.Empty);
            var seven = asm.GetType(typeof(CellFunctions).FullName!)!.GetMethod(nameof(CellFunctions.Seven))!.CreateDelegate<Func<int>>();
            Assert.That(Delayed.Run(seven).Compute(On), Is.EqualTo(7));
        }
        finally
        {
            alc.Unload();
        }
    }

    [Test]
    public void WorkerConsoleOutputReachesTheParentPrefixed()
    {
        var captured = new StringWriter();
        var original = Console.Out;
        Console.SetOut(TextWriter.Synchronized(captured));
        try
        {
            var token = Guid.NewGuid().ToString("N");
            Assert.That(Delayed.Run(() => { Console.WriteLine($"hello {token}"); return 1; }).Impure().Compute(On), Is.EqualTo(1));
            var deadline = Stopwatch.StartNew();
            while (!captured.ToString().Contains($"hello {token}") && deadline.Elapsed < Bound) Thread.Sleep(20);
            Assert.That(captured.ToString(), Does.Match($@"\[worker \d+\] hello {token}"));
        }
        finally
        {
            Console.SetOut(original);
        }
    }

    [Test]
    public void LargeResultsStayInTheWorkerWhenOnlyItsTasksNeedThem()
    {
        const int n = 1_000_000; // 8 MB
        var big = Delayed.Run(() => Enumerable.Range(0, n).Select(i => (double)i).ToArray()).Impure();
        var length = big.Then(a => a.Length);
        long before = _pool.BytesMoved;
        Assert.That(length.Compute(On with { Fuse = false }), Is.EqualTo(n));
        Assert.That(_pool.BytesMoved - before, Is.LessThan(1_000_000), "the 8 MB array must not travel: its only reader runs where it is");
    }

    [Test]
    public void LargeOutputsAndInputsFromSeveralWorkersArriveIntact()
    {
        var parts = Enumerable.Range(0, 4)
            .Select(p => Delayed.Run(() => Enumerable.Range(0, 300_000).Select(i => (double)(i + p)).ToArray()).Impure())
            .ToList();
        var total = Delayed.All(parts).Then(arrays => arrays.Sum(a => a.Sum()));
        double expected = Enumerable.Range(0, 4).Sum(p => Enumerable.Range(0, 300_000).Sum(i => (double)(i + p)));
        Assert.That(total.Compute(On with { Fuse = false }), Is.EqualTo(expected));
        var array = Delayed.Value(5).Then(k => Enumerable.Repeat(1.5, 2_000_000 + k).ToArray());
        Assert.That(array.Compute(On), Has.Length.EqualTo(2_000_005).And.All.EqualTo(1.5));
    }

    [Test]
    public void KilledWorkerIsReplacedAndItsTaskRetriedWithLostInputsRecomputed()
    {
        // One worker, so the input it held is lost with it and must be recomputed, not fetched.
        using var pool = new ProcessPoolScheduler(1);
        var pidFile = Path.Combine(_dir, "pid");
        var big = Delayed.Run(() => Enumerable.Range(0, 200_000).Select(i => (double)i).ToArray());
        var sum = big.Then(a =>
        {
            if (!File.Exists(pidFile))
            {
                File.WriteAllText(pidFile + ".tmp", Environment.ProcessId.ToString());
                File.Move(pidFile + ".tmp", pidFile);
                Thread.Sleep(TimeSpan.FromMinutes(2));
            }
            return a.Sum();
        });
        var run = sum.ComputeAsync(new ComputeOptions { Scheduler = pool, Fuse = false });
        int pid = WaitForPid(pidFile);
        Process.GetProcessById(pid).Kill(); // SIGKILL
        Assert.That(run.Wait(Bound), Is.True, "the retried task must finish");
        Assert.That(run.Result, Is.EqualTo(Enumerable.Range(0, 200_000).Sum(i => (double)i)));
        Assert.That(pool.WorkerProcessIds, Does.Not.Contain(pid));
    }

    [Test]
    public void TaskThatKillsItsWorkerThreeTimesFailsNamingTheTask()
    {
        using var pool = new ProcessPoolScheduler(1);
        var killer = Delayed.Value(1).Then(x => { Process.GetCurrentProcess().Kill(); return x; });
        var e = Assert.Throws<TaskFailedException>(() => killer.Compute(new ComputeOptions { Scheduler = pool }))!;
        Assert.That(e.Key, Is.EqualTo(killer.Key.ToString()));
        Assert.That(e.InnerException, Is.TypeOf<WorkerCrashedException>());
        Assert.That(e.Message, Does.Contain("3 times"));
        Assert.That(Delayed.Value(1).Then(x => x + 1).Compute(new ComputeOptions { Scheduler = pool }), Is.EqualTo(2), "the pool still works");
    }

    [Test]
    public void CancellationStopsWaitingAndLeavesThePoolUsable()
    {
        var started = Path.Combine(_dir, "started");
        var slow = Delayed.Run(() => { File.WriteAllText(started, ""); Thread.Sleep(TimeSpan.FromMinutes(2)); return 1; }).Impure();
        using var cts = new CancellationTokenSource();
        var run = slow.ComputeAsync(On with { CancellationToken = cts.Token });
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(started) && deadline.Elapsed < Bound) Thread.Sleep(10);
        Assert.That(File.Exists(started), Is.True);
        cts.Cancel();
        Assert.CatchAsync<OperationCanceledException>(async () => await run.WaitAsync(TimeSpan.FromSeconds(10)));
        // Both workers serve the next computations (the one running the abandoned task is replaced).
        var next = Delayed.All(Enumerable.Range(0, 10).Select(i => Delayed.Value(i).Then(x => x * 2)))
            .ComputeAsync(On with { Fuse = false });
        Assert.That(next.Wait(Bound), Is.True);
        Assert.That(next.Result, Is.EqualTo(Enumerable.Range(0, 10).Select(i => i * 2).ToArray()));
    }

    [Test]
    public void DisposingThePoolStopsItsWorkers()
    {
        var pool = new ProcessPoolScheduler(2);
        var pids = pool.WorkerProcessIds;
        pool.Dispose();
        foreach (var pid in pids) Assert.That(WaitForExit(pid), Is.True, $"worker {pid} still runs");
        Assert.Throws<ObjectDisposedException>(() => Delayed.Value(1).Then(x => x).Compute(new ComputeOptions { Scheduler = pool }));
    }

    [Test]
    public void WorkersExitWhenTheirParentIsKilled()
    {
        // A real parent: the worker executable in its diagnostic mode creates a pool and prints its workers' ids.
        var launch = WorkerLaunch.ForThisProcess;
        var psi = new ProcessStartInfo(launch.Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in launch.Arguments()) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("--orphan-check");
        psi.ArgumentList.Add("2");
        using var parent = Process.Start(psi)!;
        try
        {
            var line = parent.StandardOutput.ReadLineAsync();
            Assert.That(line.Wait(Bound), Is.True, "the parent printed its workers");
            var pids = line.Result!.Split(' ').Skip(1).Select(int.Parse).ToArray();
            Assert.That(pids, Has.Length.EqualTo(2));
            parent.Kill(); // SIGKILL: no chance to clean up
            foreach (var pid in pids) Assert.That(WaitForExit(pid), Is.True, $"orphan worker {pid} still runs");
        }
        finally
        {
            if (!parent.HasExited) parent.Kill(entireProcessTree: true);
        }
    }

    private static int WaitForPid(string file)
    {
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(file) && deadline.Elapsed < Bound) Thread.Sleep(10);
        Assert.That(File.Exists(file), Is.True, "the task started");
        return int.Parse(File.ReadAllText(file));
    }

    /// <summary>True once <paramref name="pid"/> is gone (a zombie left for a non-reaping init counts as gone).</summary>
    internal static bool WaitForExit(int pid)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (!IsRunning(pid)) return true;
            Thread.Sleep(50);
        }
        return false;
    }

    private static bool IsRunning(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
            }
            catch (IOException) { return false; }
        }
        try { return !Process.GetProcessById(pid).HasExited; }
        catch (ArgumentException) { return false; }
    }
}

/// <summary>Functions the in-memory test loads from a byte copy of this assembly.</summary>
public static class CellFunctions
{
    /// <summary>Returns 7.</summary>
    public static int Seven() => 7;
}
