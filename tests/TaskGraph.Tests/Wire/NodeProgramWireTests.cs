using System.Runtime.CompilerServices;
using TaskGraph.Tests.Distributed;

namespace TaskGraph.Tests.Wire;

/// <summary>
/// A node's program (<see cref="NodeProgram"/>) as a cluster worker receives it: compiled once by the plan, detached,
/// encoded, decoded and run with the same result as in process; and every malformed program a peer could send —
/// sources out of range, inconsistent lengths, a previous result for the first member, missing parts — refused
/// with <see cref="WireException"/> naming the task before anything runs.
/// <code>
///   a = 3    b = 4                 (literal nodes)
///   f(a, 7, b, a)                  head: inputs [a, b], a literal, a repeated input
///   g(f, f) -> h(g, 1)             fused behind f: previous twice, previous and a literal
/// </code>
/// </summary>
public class NodeProgramWireTests
{
    private static int _runs;

    private static int Head(int x, int k, int y, int x2) { Interlocked.Increment(ref _runs); return x * 1000 + k * 100 + y * 10 + x2; }
    private static int Twice(int v, int w) => v + w;
    private static int Plus(int v, int z) => v + z;

    private static (ExecutionPlan Plan, int Node, object?[] Results) Chain()
    {
        var a = TaskSpec.Literal(3);
        var b = TaskSpec.Literal(4);
        var f = TaskSpec.Call(TaskFunction.Create(new Func<int, int, int, int, int>(Head), TaskInvokers.Call4<int, int, int, int, int>),
            TaskArg.Of(a), TaskArg.Value(7), TaskArg.Of(b), TaskArg.Of(a));
        var g = TaskSpec.Call(TaskFunction.Create(new Func<int, int, int>(Twice), TaskInvokers.Call2<int, int, int>), TaskArg.Of(f), TaskArg.Of(f));
        var h = TaskSpec.Call(TaskFunction.Create(new Func<int, int, int>(Plus), TaskInvokers.Call2<int, int, int>), TaskArg.Of(g), TaskArg.Value(1));
        var plan = ExecutionPlan.Compile([h]);
        int node = plan.Outputs[0];
        var results = new object?[plan.Count];
        foreach (var d in plan.Dependencies[node]) results[d] = plan.ResultTask(d).Value;
        return (plan, node, results);
    }

    // f = 3*1000 + 7*100 + 4*10 + 3, g = f + f, h = g + 1
    private const int Expected = (3 * 1000 + 7 * 100 + 4 * 10 + 3) * 2 + 1;

    [Test]
    public void ThePlanCompilesEachArgumentsSourceOnce()
    {
        var (plan, node, _) = Chain();
        var p = plan.Program(node);
        Assert.That(p.MemberCount, Is.EqualTo(3), "f, g and h are one fused node");
        Assert.That(p.InputCount, Is.EqualTo(2), "its inputs are a and b, each once");
        var deps = plan.Dependencies[node].ToArray();
        Assert.That(deps.Select(d => plan.ResultTask(d).Value), Is.EqualTo(new object[] { 3, 4 }), "input 0 is a, input 1 is b");
        Assert.That(Enumerable.Range(0, 4).Select(a => p.Source(0, a)),
            Is.EqualTo(new[] { ArgumentSource.Input(0), ArgumentSource.Literal, ArgumentSource.Input(1), ArgumentSource.Input(0) }));
        Assert.That(new[] { p.Source(1, 0), p.Source(1, 1), p.Source(2, 0), p.Source(2, 1) },
            Is.EqualTo(new[] { ArgumentSource.Previous, ArgumentSource.Previous, ArgumentSource.Previous, ArgumentSource.Literal }));
        Assert.That(plan.Run(node, [.. Enumerable.Range(0, plan.Count).Select(n => n == node ? null : plan.ResultTask(n).Value)]), Is.EqualTo(Expected));
    }

    [Test]
    public void ADetachedProgramRoundTripsAndRunsLikeThePlan()
    {
        var (plan, node, results) = Chain();
        var task = RemoteTask.Pack("c", plan, node, n => (results[n], null));
        var bytes = WireCodec.ToBytes(task);
        var back = RemoteTask.Decode(bytes);
        Assert.That(back.Program.MemberCount, Is.EqualTo(3));
        for (int m = 0; m < 3; m++)
        {
            var (sent, got) = (plan.Program(node).Member(m), back.Program.Member(m));
            Assert.That(got.Key, Is.EqualTo(sent.Key));
            Assert.That(got.Function!.Method, Is.EqualTo(sent.Function!.Method));
            Assert.That(got.Args.ToArray().Any(a => a.IsDependency), Is.False, "dependencies are not sent, their values come from the sources");
            for (int a = 0; a < sent.Args.Length; a++) Assert.That(back.Program.Source(m, a), Is.EqualTo(plan.Program(node).Source(m, a)));
        }
        Assert.That(back.Inputs, Is.EqualTo(new object[] { 3, 4 }));
        Assert.That(back.Run(), Is.EqualTo(Expected));
        Assert.That(plan.Run(node, results), Is.EqualTo(Expected));
    }

    [Test]
    public void AFailureInsideTheChainNamesTheMember()
    {
        var x = Delayed.Value(5);
        var chain = x.Then(v => v + 1).Then(v => v > 0 ? throw new InvalidOperationException("middle") : v).Then(v => v * 2);
        var plan = ExecutionPlan.Compile([chain.Spec]);
        int node = plan.Outputs[0];
        Assert.That(plan.Program(node).MemberCount, Is.GreaterThanOrEqualTo(3));
        var results = new object?[plan.Count];
        foreach (var d in plan.Dependencies[node]) results[d] = plan.ResultTask(d).Value;
        var task = RemoteTask.Decode(WireCodec.ToBytes(RemoteTask.Pack("c", plan, node, n => (results[n], null))));
        var e = Assert.Throws<TaskFailedException>(() => task.Run())!;
        var program = plan.Program(node);
        var middle = program.Member(program.MemberCount - 2);
        Assert.That(e.Key, Is.EqualTo(middle.Key.ToString()));
        Assert.That(e.InnerException!.Message, Is.EqualTo("middle"));
    }

    // ---- Malformed programs, as a peer holding the secret could encode them ----

    private static TaskSpec HeadSpec(params TaskArg[] args)
        => TaskSpec.Call(TaskKey.Named("head"), TaskFunction.Create(new Func<int, int, int, int, int>(Head), TaskInvokers.Call4<int, int, int, int, int>), args);

    private static readonly TaskArg[] FourLiterals = [TaskArg.Value(1), TaskArg.Value(2), TaskArg.Value(3), TaskArg.Value(4)];
    private static readonly ArgumentSource[] FourFromLiterals = [ArgumentSource.Literal, ArgumentSource.Literal, ArgumentSource.Literal, ArgumentSource.Literal];

    private static RemoteTask Message(NodeProgram program, params object?[] inputs)
        => new() { Compute = "c", Node = 9, Key = "evil-node", Program = program, Inputs = inputs };

    private static NodeProgram One(TaskSpec spec, ArgumentSource[] sources, int inputs = 0, int[]? argStart = null)
        => new([spec], null, 0, 1, argStart ?? [0], sources, inputs);

    private static ArgumentSource[] With(int index, ArgumentSource s)
    {
        var copy = (ArgumentSource[])FourFromLiterals.Clone();
        copy[index] = s;
        return copy;
    }

    private static TaskFunction WithoutDelegate()
    {
        var f = (TaskFunction)RuntimeHelpers.GetUninitializedObject(typeof(TaskFunction));
        typeof(TaskFunction).GetField("<Invoker>k__BackingField", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!
            .SetValue(f, (TaskInvoker)TaskInvokers.Call4<int, int, int, int, int>);
        return f;
    }

    private static IEnumerable<TestCaseData> Malformed()
    {
        var ok = HeadSpec(FourLiterals);
        TestCaseData Case(string name, Func<RemoteTask> make, string says) => new TestCaseData(new Func<object>(make), says).SetName($"Refused: {name}");
        yield return Case("input beyond the node's inputs", () => Message(One(ok, With(2, ArgumentSource.Input(5)), inputs: 1), 10), "reads input 5, but the node has 1 inputs");
        yield return Case("a source of no kind", () => Message(One(ok, With(1, ArgumentSource.FromCode(-7)))), "has source invalid (-7)");
        yield return Case("previous result for the first member", () => Message(One(ok, With(0, ArgumentSource.Previous))), "first member");
        yield return Case("argument sources beyond the sources sent", () => Message(One(ok, FourFromLiterals, argStart: [2])), "outside the 4 sources sent");
        yield return Case("a negative argument start", () => Message(One(ok, FourFromLiterals, argStart: [-1])), "start at -1");
        yield return Case("fewer sources than arguments", () => Message(One(ok, [ArgumentSource.Literal])), "outside the 1 sources sent");
        yield return Case("no argument start for a member", () => Message(One(ok, FourFromLiterals, argStart: [])), "no argument start");
        yield return Case("no members", () => Message(new NodeProgram([ok], null, 0, 0, [0], FourFromLiterals, 0)), "0 members");
        yield return Case("more members than tasks", () => Message(new NodeProgram([ok], null, 0, 3, [0], FourFromLiterals, 0)), "outside the 1 tasks sent");
        yield return Case("a member index beyond the tasks", () => Message(new NodeProgram([ok], [0, 7], 0, 2, [0], FourFromLiterals, 0)), "member 1 is task 7");
        yield return Case("a member range beyond the member list", () => Message(new NodeProgram([ok], [0], 3, 1, [0], FourFromLiterals, 0)), "outside the member list");
        yield return Case("inputs missing from the message", () => Message(One(ok, With(0, ArgumentSource.Input(1)), inputs: 2), 10), "reads 2 inputs but 1 were supplied");
        yield return Case("no task table", () => Message(new NodeProgram(null!, null, 0, 1, [0], FourFromLiterals, 0)), "arrays are missing");
        yield return Case("no sources", () => Message(new NodeProgram([ok], null, 0, 1, [0], null!, 0)), "arrays are missing");
        yield return Case("a missing member", () => Message(new NodeProgram([null!], null, 0, 1, [0], [], 0)), "member 0 is missing");
        yield return Case("a function without a delegate",
            () => Message(One(TaskSpec.Received(TaskKey.Named("head"), WithoutDelegate(), FourLiterals, null), FourFromLiterals)), "without a delegate");
        yield return Case("a literal member with arguments",
            () => Message(One(TaskSpec.Received(TaskKey.Named("head"), null, [TaskArg.Value(1)], 5), [ArgumentSource.Literal])), "literal with 1 arguments");
        yield return Case("an argument naming another task",
            () => Message(One(HeadSpec(TaskArg.Of(TaskSpec.Literal(1)), TaskArg.Value(2), TaskArg.Value(3), TaskArg.Value(4)), FourFromLiterals)), "names another task");
    }

    [TestCaseSource(nameof(Malformed))]
    public void AMalformedProgramIsRefusedBeforeAnythingRuns(Func<object> make, string says)
    {
        var bytes = WireCodec.ToBytes(make());
        int runs = Volatile.Read(ref _runs);
        var e = Assert.Throws<WireException>(() => RemoteTask.Decode(bytes).Run())!;
        Assert.That(e.Message, Does.Contain("Malformed task 'evil-node' (node 9)").And.Contain(says));
        Assert.That(Volatile.Read(ref _runs), Is.EqualTo(runs), "nothing ran");
    }

    [Test]
    public void TheWellFormedNeighbourOfEachCaseRuns()
    {
        // The cases above differ from this message in one part only: it decodes and runs.
        var task = Message(One(HeadSpec(FourLiterals), With(2, ArgumentSource.Input(0)), inputs: 1), 9);
        Assert.That(RemoteTask.Decode(WireCodec.ToBytes(task)).Run(), Is.EqualTo(1000 + 200 + 90 + 4));
    }
}
