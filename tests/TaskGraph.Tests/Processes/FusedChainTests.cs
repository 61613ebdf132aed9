namespace TaskGraph.Tests.Processes;

/// <summary>
/// Fused chains on real pool worker processes: each node runs its <see cref="NodeProgram"/> (members, previous
/// results, literals, inputs found in the worker's store) in the worker, with the results a loop in this process
/// computes, and a failure inside a chain names the member that threw.
/// <code>
///   big[i] (≥ 64 KB, stays in a worker) ─┐
///   small[i] ─────────────────────────────┴─ join(big, 3, small, big) -> scale -> sum    (one fused node each)
/// </code>
/// </summary>
[NonParallelizable]
public class FusedChainTests
{
    private ProcessPoolScheduler _pool = null!;

    [OneTimeSetUp]
    public void StartPool() => _pool = new ProcessPoolScheduler(2);

    [OneTimeTearDown]
    public void StopPool() => _pool.Dispose();

    private ComputeOptions On => new() { Scheduler = _pool };

    private static double[] Big(int i) => Enumerable.Range(0, 20_000).Select(k => (double)(k % 97) + i).ToArray();

    [Test]
    public void ChainsReadingInputsLiteralsAndPreviousResultsMatchALoop()
    {
        const int n = 6;
        var joined = new Delayed<double>[n];
        for (int i = 0; i < n; i++)
        {
            int seed = i;
            var big = Delayed.Run(() => Big(seed));
            var small = Delayed.Run(() => seed * 0.5);
            // The same input twice and a literal in the head; then two members that read the previous result only.
            joined[i] = Delayed.Combine(big, Delayed.Value(3.0), small, big, (b, k, s, b2) => b.Zip(b2, (x, y) => x + y).Select(v => v * k + s).ToArray())
                .Then(v => v.Select(x => x / 2).ToArray())
                .Then(v => v.Sum());
        }
        var total = Delayed.All(joined);

        var plan = ExecutionPlan.Compile(joined.Select(j => j.Spec).ToArray());
        Assert.That(Enumerable.Range(0, plan.Count).Count(g => plan.Members(g).Length == 3), Is.EqualTo(n), "each chain is one node of three members");

        var expected = Enumerable.Range(0, n).Select(i =>
        {
            var b = Big(i);
            double sum = 0;
            foreach (var x in b) sum += ((x + x) * 3.0 + i * 0.5) / 2;
            return sum;
        }).ToArray();
        var got = total.Compute(On);
        for (int i = 0; i < n; i++) Assert.That(got[i], Is.EqualTo(expected[i]).Within(1e-9 * Math.Abs(expected[i])));
    }

    [Test]
    public void AChainHeadedByALiteralRunsInAWorker()
    {
        var chain = Delayed.Value(7).Then(x => x * 3).Then(x => (x, Environment.ProcessId));
        var plan = ExecutionPlan.Compile([chain.Spec]);
        Assert.That(plan.Members(plan.Outputs[0]).Length, Is.EqualTo(3), "literal, then two calls, fused");
        var (value, pid) = chain.Compute(On);
        Assert.That(value, Is.EqualTo(21));
        Assert.That(pid, Is.AnyOf(_pool.WorkerProcessIds.ToArray()));
    }

    [Test]
    public void AFailureInTheMiddleOfAChainNamesThatMember()
    {
        var head = Delayed.Run(() => 4);
        var middle = head.Then(x => x > 0 ? throw new ArgumentException($"no {x}") : x);
        var chain = middle.Then(x => x + 1);
        var plan = ExecutionPlan.Compile([chain.Spec]);
        Assert.That(plan.Members(plan.Outputs[0]).Length, Is.EqualTo(3));
        var e = Assert.Throws<TaskFailedException>(() => chain.Compute(On))!;
        Assert.That(e.Key, Is.EqualTo(middle.Key.ToString()));
        Assert.That(e.InnerException, Is.InstanceOf<ArgumentException>());
        Assert.That(e.InnerException!.Message, Is.EqualTo("no 4"));
    }
}
