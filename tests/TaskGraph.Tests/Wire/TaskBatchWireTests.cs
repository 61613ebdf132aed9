using TaskGraph.Tests.Distributed;

namespace TaskGraph.Tests.Wire;

/// <summary>
/// Batches of tasks and of results as a cluster worker and client receive them (<see cref="TaskBatch"/>,
/// <see cref="ResultBatch"/>): a well-formed batch decodes to its tasks in order and they run; every malformed batch
/// a peer holding the secret could send — too many tasks, none, a missing one, one of another computation, a node
/// twice, a malformed program inside — is refused with <see cref="WireException"/> before anything runs, naming
/// the culprit.
/// </summary>
public class TaskBatchWireTests
{
    private static int _runs;

    private static int Times(int x, int k)
    {
        Interlocked.Increment(ref _runs);
        return x * k;
    }

    private static RemoteTask TimesTen(string compute, int node, int x)
        => RemoteTasks.Call(compute, node, $"times-{node}", new Func<int, int, int>(Times), TaskInvokers.Call2<int, int, int>, x, 10);

    private static TaskBatch Batch(params RemoteTask[] tasks) => new() { Compute = "c", Tasks = tasks };

    [Test]
    public void ABatchDecodesToItsTasksInOrderAndTheyRun()
    {
        var tasks = TaskBatch.Decode(WireCodec.ToBytes(Batch(TimesTen("c", 4, 1), TimesTen("c", 2, 2), TimesTen("c", 9, 3))), out bool batched);
        Assert.That(batched, Is.True);
        Assert.That(tasks.Select(t => t.Node), Is.EqualTo(new[] { 4, 2, 9 }));
        Assert.That(tasks.Select(t => t.Run()), Is.EqualTo(new object[] { 10, 20, 30 }));
    }

    [Test]
    public void OneTaskIsAMessageOfItsOwn()
    {
        var tasks = TaskBatch.Decode(WireCodec.ToBytes(TimesTen("c", 5, 7)), out bool batched);
        Assert.That(batched, Is.False);
        Assert.That(tasks.Single().Run(), Is.EqualTo(70));
    }

    [Test]
    public void ABatchWritesEachFunctionOnce()
    {
        // Sixty-four tasks of one function: the codec sends the function's identity once and refers to it after, so
        // the batch is much smaller than sixty-four messages of one task.
        int one = WireCodec.ToBytes(TimesTen("c", 0, 0)).Length;
        var sameFunction = TimesTen("c", 0, 0).Program.Member(0).Function!;
        var tasks = Enumerable.Range(0, TaskBatch.MaxTasks).Select(i =>
        {
            var t = TimesTen("c", i, i);
            var spec = TaskSpec.Received(t.Program.Member(0).Key, sameFunction, t.Program.Member(0).ArgArray, null);
            return new RemoteTask { Compute = "c", Node = i, Key = t.Key, Program = new NodeProgram([spec], null, 0, 1, [0], [ArgumentSource.Literal, ArgumentSource.Literal], 0) };
        }).ToArray();
        int batch = WireCodec.ToBytes(Batch(tasks)).Length;
        TestContext.Progress.WriteLine($"one task: {one} bytes; a batch of {tasks.Length}: {batch} bytes ({batch / tasks.Length} per task)");
        Assert.That(batch, Is.LessThan(tasks.Length * one));
        Assert.That(TaskBatch.Decode(WireCodec.ToBytes(Batch(tasks)), out _).Select(t => t.Run()), Is.EqualTo(Enumerable.Range(0, tasks.Length).Select(i => (object)(i * 10))));
    }

    private static IEnumerable<TestCaseData> Malformed()
    {
        TestCaseData Case(string name, Func<object> make, string says) => new TestCaseData(make, says).SetName($"Refused batch: {name}");
        yield return Case("more tasks than allowed", () => Batch([.. Enumerable.Range(0, TaskBatch.MaxTasks + 1).Select(i => TimesTen("c", i, i))]), $"{TaskBatch.MaxTasks + 1} tasks (1 to {TaskBatch.MaxTasks})");
        yield return Case("no tasks", () => Batch(), "0 tasks");
        yield return Case("no task array", () => new TaskBatch { Compute = "c", Tasks = null! }, "0 tasks");
        yield return Case("a missing task", () => Batch(TimesTen("c", 0, 1), null!), "a task is missing");
        yield return Case("a task of another computation", () => Batch(TimesTen("c", 0, 1), TimesTen("other", 1, 2)), "task 'times-1' (node 1) belongs to computation 'other'");
        yield return Case("a node twice", () => Batch(TimesTen("c", 3, 1), TimesTen("c", 3, 2)), "node 3 ('times-3') is in it twice");
        yield return Case("a malformed program inside", () =>
        {
            var bad = TimesTen("c", 8, 1);
            bad.Program = new NodeProgram([bad.Program.Member(0)], null, 0, 1, [0], [ArgumentSource.Literal, ArgumentSource.Input(3)], 0);
            return Batch(TimesTen("c", 0, 1), bad);
        }, "Malformed task 'times-8' (node 8)");
        yield return Case("inputs missing in a task", () =>
        {
            var bad = TimesTen("c", 6, 1);
            bad.Inputs = null!;
            return Batch(bad);
        }, "Malformed task 'times-6' (node 6): no inputs");
        yield return Case("a pin id too long", () =>
        {
            var bad = TimesTen("c", 5, 1);
            bad.Pin = new string('p', RemoteTask.MaxStoreIdLength + 1);
            return Batch(bad);
        }, $"Malformed task 'times-5' (node 5): a pin id of {RemoteTask.MaxStoreIdLength + 1} characters");
        yield return Case("a held input's store id too long", () =>
        {
            var bad = TimesTen("c", 7, 1);
            bad.Program = new NodeProgram([bad.Program.Member(0)], null, 0, 1, [0], [ArgumentSource.Input(0), ArgumentSource.Literal], 1);
            bad.Inputs = [null];
            bad.Held = [new HeldInput { Node = 3, Holder = "127.0.0.1:1", Store = new string('s', RemoteTask.MaxStoreIdLength + 1) }];
            return Batch(bad);
        }, $"Malformed task 'times-7' (node 7): a held input's store id of {RemoteTask.MaxStoreIdLength + 1} characters");
        yield return Case("neither a task nor a batch", () => new RemoteResult { Compute = "c" }, "expected a task or a batch of tasks");
    }

    [TestCaseSource(nameof(Malformed))]
    public void AMalformedBatchIsRefusedBeforeAnythingRuns(Func<object> make, string says)
    {
        var bytes = WireCodec.ToBytes(make());
        int runs = Volatile.Read(ref _runs);
        var e = Assert.Throws<WireException>(() =>
        {
            foreach (var t in TaskBatch.Decode(bytes, out _)) t.Run();
        })!;
        Assert.That(e.Message, Does.Contain(says));
        Assert.That(Volatile.Read(ref _runs), Is.EqualTo(runs), "nothing ran");
    }

    [Test]
    public void ResultsComeOneOrInABatch()
    {
        Assert.That(ResultBatch.Decode(WireCodec.ToBytes(new RemoteResult { Compute = "c", Node = 3, Value = 30 })).Single().Value, Is.EqualTo(30));
        var batch = new ResultBatch { Results = [new RemoteResult { Compute = "c", Node = 1, Value = 10 }, new RemoteResult { Compute = "c", Node = 2, Value = 20 }] };
        Assert.That(ResultBatch.Decode(WireCodec.ToBytes(batch)).Select(r => (r.Node, r.Value)), Is.EqualTo(new[] { (1, (object?)10), (2, (object?)20) }));
    }

    [TestCase(0, "0 results")]
    [TestCase(TaskBatch.MaxTasks + 1, "65 results")]
    public void AResultBatchOfTheWrongSizeIsRefused(int count, string says)
    {
        var batch = new ResultBatch { Results = [.. Enumerable.Range(0, count).Select(i => new RemoteResult { Compute = "c", Node = i })] };
        Assert.That(() => ResultBatch.Decode(WireCodec.ToBytes(batch)), Throws.TypeOf<WireException>().With.Message.Contains(says));
    }

    [Test]
    public void AResultBatchWithAHoleOrAStrangerIsRefused()
    {
        Assert.That(() => ResultBatch.Decode(WireCodec.ToBytes(new ResultBatch { Results = [new RemoteResult(), null!] })),
            Throws.TypeOf<WireException>().With.Message.Contains("a result is missing"));
        Assert.That(() => ResultBatch.Decode(WireCodec.ToBytes(new ResultBatch { Results = null! })),
            Throws.TypeOf<WireException>().With.Message.Contains("0 results"));
        Assert.That(() => ResultBatch.Decode(WireCodec.ToBytes(TimesTen("c", 0, 1))),
            Throws.TypeOf<WireException>().With.Message.Contains("not a task result"));
    }
}
