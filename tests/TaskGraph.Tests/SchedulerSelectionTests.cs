namespace TaskGraph.Tests;

/// <summary>Choosing a scheduler: per call, scoped, global default, environment variable.</summary>
[NonParallelizable]
public class SchedulerSelectionTests
{
    [TearDown]
    public void Reset()
    {
        Environment.SetEnvironmentVariable(TaskGraphOptions.SchedulerVariable, null);
        TaskGraphOptions.ResetDefaultScheduler();
    }

    [Test]
    public void DefaultIsTheThreadPool() => Assert.That(TaskGraphOptions.DefaultScheduler.Name, Is.EqualTo("threads"));

    [Test]
    public void EnvironmentVariableChoosesTheDefault()
    {
        Environment.SetEnvironmentVariable(TaskGraphOptions.SchedulerVariable, "sync");
        TaskGraphOptions.ResetDefaultScheduler();
        Assert.That(TaskGraphOptions.DefaultScheduler, Is.SameAs(Scheduler.Synchronous));
    }

    [Test]
    public void UnknownNameListsTheValidOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => Scheduler.FromName("quantum"))!;
        Assert.That(e.Message, Does.Contain("quantum").And.Contain("sync").And.Contain("threads"));
    }

    [Test]
    public void GlobalDefaultCanBeSet()
    {
        TaskGraphOptions.DefaultScheduler = Scheduler.Synchronous;
        Assert.That(TaskGraphOptions.CurrentScheduler, Is.SameAs(Scheduler.Synchronous));
    }

    [Test]
    public async Task ScopeFlowsThroughAsyncCodeAndEnds()
    {
        var threads = Scheduler.Threads(3);
        using (Scheduler.Use(threads))
        {
            await Task.Yield();
            var seen = await Task.Run(() => TaskGraphOptions.CurrentScheduler);
            Assert.That(seen, Is.SameAs(threads));
            using (Scheduler.Use(Scheduler.Synchronous))
                Assert.That(TaskGraphOptions.CurrentScheduler, Is.SameAs(Scheduler.Synchronous));
            Assert.That(TaskGraphOptions.CurrentScheduler, Is.SameAs(threads));
        }
        Assert.That(TaskGraphOptions.CurrentScheduler, Is.Not.SameAs(threads));
    }

    [Test]
    public void PerCallSchedulerWinsOverScope()
    {
        var scoped = new RecordingScheduler();
        using (Scheduler.Use(scoped))
        {
            Delayed.Value(1).Then(x => x + 1).Compute(Scheduler.Synchronous);
            Assert.That(scoped.Calls, Is.Zero);
            Delayed.Value(1).Then(x => x + 1).Compute();
            Assert.That(scoped.Calls, Is.EqualTo(1));
        }
    }

    [Test]
    public void DisposedThreadPoolRefusesWork()
    {
        var s = Scheduler.Threads(2);
        s.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => Delayed.Value(1).Then(x => x).Compute(s))!;
        Assert.That(e.ObjectName, Does.Contain("ThreadPoolScheduler"));
    }

    [Test]
    public void ZeroWorkersIsRejected()
        => Assert.Throws<ArgumentOutOfRangeException>(() => Scheduler.Threads(0));

    private sealed class RecordingScheduler : IScheduler
    {
        public int Calls;
        public string Name => "recording";
        public Task<object?[]> ExecuteAsync(ExecutionPlan plan, ComputeContext context)
        {
            Calls++;
            return Scheduler.Synchronous.ExecuteAsync(plan, context);
        }
        public void Dispose() { }
    }
}
