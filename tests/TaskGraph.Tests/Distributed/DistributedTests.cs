using System.Diagnostics;

namespace TaskGraph.Tests.Distributed;

/// <summary>What only a cluster has: workers that die, brokers that are missing, secrets that must not leak.</summary>
[NonParallelizable]
public class DistributedTests
{
    private static int SlowSquare(int x)
    {
        Thread.Sleep(300);
        return x * x;
    }

    [Test]
    public void WorkerKilledMidTaskIsSurvived()
    {
        using var cluster = TestCluster.Start("taskgraph.tests.fault", workers: 2, threads: 1);
        var square = Delayed.Wrap<int, int>(SlowSquare);
        var total = Delayed.All(Enumerable.Range(0, 16).Select(i => square(i))).Then(v => v.Sum());
        var run = Task.Run(() => total.Compute(cluster.Scheduler));
        Thread.Sleep(1_000); // both workers are busy with a task by now
        var victim = cluster.Workers[0];
        Process.Start("kill", ["-KILL", victim.Id.ToString()])!.WaitForExit();
        Assert.That(run.Wait(TimeSpan.FromSeconds(120)), Is.True, "the compute did not finish after a worker died");
        Assert.That(run.Result, Is.EqualTo(Enumerable.Range(0, 16).Sum(i => i * i)));
        Assert.That(victim.HasExited, Is.True);
    }

    [Test]
    public void LosingTheBrokerMidComputeFailsClearlyInsteadOfHanging()
    {
        // A broker of its own, shut down while a computation is running on it.
        var (port, dir) = TestBroker.Spare(11);
        TestBroker.RunScript(port, dir, "rabbit_start");
        try
        {
            using var cluster = new LocalCluster($"amqp://guest:guest@127.0.0.1:{port}/", workers: 1, threadsPerWorker: 1, queue: "taskgraph.tests.restart",
                log: line => TestContext.Progress.WriteLine(line));
            // 50 s of work for one worker: the broker's shutdown (several seconds on a loaded machine) comes mid-compute.
            var slow = Enumerable.Range(0, 200).Select(i => Delayed.Run(() => { Thread.Sleep(250); return i; }).Impure());
            var run = Task.Run(() => Delayed.All(slow).Compute(cluster));
            Thread.Sleep(1_500);
            Assert.That(run.IsCompleted, Is.False, "the computation should still be running when the broker goes");
            TestBroker.RunScript(port, dir, "rabbit_stop");
            var e = Assert.Throws<AggregateException>(() => run.Wait(TimeSpan.FromSeconds(60)))!;
            Assert.That(e.InnerException, Is.TypeOf<BrokerUnavailableException>());
            Assert.That(e.InnerException!.Message, Does.Contain($"127.0.0.1:{port}").And.Not.Contain("guest:guest"));
        }
        finally
        {
            TestBroker.RunScript(port, dir, "rabbit_stop");
        }
    }

    [Test]
    public async Task UnreachableBrokerFailsFastWithoutTheSecret()
    {
        using var s = Scheduler.Distributed("amqp://dave:wh1sper@127.0.0.1:1/", secret: ClusterSecret.Generate(out _));
        var e = await Assert.ThrowsAsync<BrokerUnavailableException>(() => Delayed.Value(1).Then(x => x + 1).ComputeAsync(new ComputeOptions { Scheduler = s }));
        Assert.That(e!.Message, Does.Contain("127.0.0.1:1").And.Not.Contain("wh1sper"));
        Assert.That(s.ToString(), Does.Not.Contain("wh1sper"));
    }

    [Test]
    public void SchedulerIsFoundByName()
    {
        Environment.SetEnvironmentVariable(BrokerAddress.Variable, TestBroker.Uri);
        Environment.SetEnvironmentVariable(ClusterSecret.Variable, "a-test-secret-of-enough-length");
        try
        {
            using var s = Scheduler.FromName("distributed");
            Assert.That(s, Is.TypeOf<DistributedScheduler>());
        }
        finally
        {
            Environment.SetEnvironmentVariable(BrokerAddress.Variable, null);
            Environment.SetEnvironmentVariable(ClusterSecret.Variable, null);
        }
    }

    [Test]
    public void NoSecretNoClient()
    {
        // There is no default secret: without one, a client would sign with a key anyone could guess.
        Environment.SetEnvironmentVariable(ClusterSecret.Variable, null);
        Environment.SetEnvironmentVariable(ClusterSecret.FileVariable, null);
        var e = Assert.Throws<InvalidOperationException>(() => Scheduler.Distributed("amqp://127.0.0.1/"))!;
        Assert.That(e.Message, Does.Contain(ClusterSecret.Variable).And.Contain(ClusterSecret.FileVariable));
        Assert.Throws<ArgumentException>(() => ClusterSecret.FromText("short"));
    }

    [Test]
    public void MissingBrokerSettingIsExplained()
    {
        Environment.SetEnvironmentVariable(BrokerAddress.Variable, null);
        var e = Assert.Throws<InvalidOperationException>(() => Scheduler.Distributed())!;
        Assert.That(e.Message, Does.Contain("TASKGRAPH_BROKER"));
    }

    [Test]
    public void LargeResultsComeBackInChunks()
    {
        // 40 MB of doubles back from a worker: more than the 16 MiB chunk size, so the reply is split.
        var big = Delayed.Run(() => Enumerable.Range(0, 5_000_000).Select(i => (double)i).ToArray()).Then(a => a);
        var result = big.Compute(TestCluster.Shared.Scheduler);
        Assert.That(result, Has.Length.EqualTo(5_000_000));
        Assert.That(result[4_999_999], Is.EqualTo(4_999_999d));
    }

    [Test]
    public void UnserializableCaptureFailsBeforeAnyWork()
    {
        using var stream = new MemoryStream();
        var d = Delayed.Run(() => stream.Length);
        var e = Assert.Throws<TaskFailedException>(() => d.Compute(TestCluster.Shared.Scheduler))!;
        Assert.That(e.Message, Does.Contain("stream").IgnoreCase);
    }
}
