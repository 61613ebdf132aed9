using static TaskGraph.Frames.Agg;
using static TaskGraph.Frames.Expr;

namespace TaskGraph.Tests.Processes;

/// <summary>
/// Randomized graphs with many blocks (array sums, arg-maxima, matrix products, rechunks; frame group-bys, merges
/// and repartitions over small in-memory tables) on the out-of-process schedulers, each computation under a
/// deadline (a hang detector) and compared with the thread pool. Block sizes straddle the 64 KB line, so results
/// both travel back to the parent and stay in workers to be fetched peer to peer.
/// </summary>
[TestFixtureSource(nameof(Cases))]
[NonParallelizable]
public class RemoteStressTests(string schedulerName, int seeds, int maxBlocks)
{
    /// <summary>
    /// The schedulers, how many random graphs each runs and at most how many row blocks (the cluster is slower per
    /// task). Hundreds of small blocks is what once filled the pool's pipes both ways (issue 13, finding 4).
    /// </summary>
    public static IEnumerable<object[]> Cases() => [["processes", 3, 150], ["distributed", 2, 12]];

    private IScheduler _s = null!;
    private readonly IScheduler _threads = Scheduler.Threads(2);

    [OneTimeSetUp]
    public void Create() => _s = SchedulerCases.Create(schedulerName);

    private T OnBoth<T>(string what, Func<IScheduler, CancellationToken, T> compute, Action<T, T> compare)
    {
        var got = PoolProgressTests.WithDeadline($"{what} on {schedulerName}", t => Task.Run(() => compute(_s, t)));
        compare(got, compute(_threads, CancellationToken.None));
        return got;
    }

    private static ComputeOptions On(IScheduler s, CancellationToken t) => new() { Scheduler = s, CancellationToken = t };

    /// <summary>A chunk size for an axis: mostly small (up to <paramref name="blocks"/> blocks), sometimes one large enough to stay in its worker.</summary>
    private static int RandomChunk(Random r, int length, int blocks)
    {
        int least = (length + blocks - 1) / blocks;
        return r.Next(5) == 0 ? r.Next(length / 2 + 1, length + 1) : r.Next(least, 2 * least + 1);
    }

    [Test]
    public void RandomArrayGraphsMatchTheThreadPool()
    {
        for (int seed = 0; seed < seeds; seed++)
        {
            var r = new Random(1000 + seed);
            int rows = r.Next(300, 1000), cols = r.Next(300, 800), k = r.Next(10, 100);
            var data = Enumerable.Range(0, rows * cols).Select(_ => r.NextDouble() - 0.5).ToArray();
            var x = NdArray.FromArray(data, [rows, cols], [RandomChunk(r, rows, maxBlocks), RandomChunk(r, cols, 2)]);
            var w = NdArray.Random([cols, k], [RandomChunk(r, cols, 2), r.Next(k / 3 + 1, k + 1)], seed: (ulong)seed);
            string at = $"seed {seed}: {rows}×{cols} in {string.Join('×', x.Chunks.Select(c => c[0]))}";
            Action<DenseArray<double>, DenseArray<double>> close = (a, b) => Assert.That(a.Data, Is.EqualTo(b.Data).Within(1e-9), at);
            int axis = r.Next(2);
            OnBoth($"sum over axis {axis}, {at}", (s, t) => x.Sum(axis).Compute(On(s, t)), close);
            OnBoth($"argmax over axis {axis}, {at}", (s, t) => x.ArgMax(axis).Compute(On(s, t)), (a, b) => Assert.That(a.Data, Is.EqualTo(b.Data), at));
            OnBoth($"matmul, {at}", (s, t) => (x.MatMul(w) * 2.0 + 1.0).Compute(On(s, t)), close);
            var re = x.Rechunk(RandomChunk(r, rows, maxBlocks), RandomChunk(r, cols, 2));
            OnBoth($"rechunk then mean, {at}", (s, t) => (re - x.T.T).Mean(1 - axis).Compute(On(s, t)), close);
            OnBoth($"whole sum, {at}", (s, t) => (x * x).Sum().Compute(On(s, t)), close);
        }
    }

    [Test]
    public void RandomFrameGraphsMatchTheThreadPool()
    {
        for (int seed = 0; seed < seeds; seed++)
        {
            var r = new Random(2000 + seed);
            int n = r.Next(200, 3000), keys = r.Next(2, 60), parts = r.Next(4, 4 + maxBlocks / 2);
            var left = Table.Create(
                ("k", Column.Of(Enumerable.Range(0, n).Select(_ => (long)r.Next(keys)).ToArray())),
                ("g", Column.Of(Enumerable.Range(0, n).Select(_ => $"g{r.Next(5)}").ToArray())),
                ("v", Column.Of(Enumerable.Range(0, n).Select(_ => Math.Round(r.NextDouble() * 100, 3)).ToArray())));
            var right = Table.Create(
                ("k", Column.Of(Enumerable.Range(0, keys).Select(i => (long)i).Where(_ => r.Next(4) > 0).ToArray())));
            right = Table.Create(("k", right["k"]), ("w", Column.Of(Enumerable.Range(0, right.RowCount).Select(i => (double)i).ToArray())));
            var f = Frame.FromTable(left, parts);
            var other = Frame.FromTable(right, r.Next(1, 6));
            int splitEvery = r.Next(2, 9), repartition = r.Next(2, 20);
            string at = $"seed {seed}: {n} rows, {keys} keys, {parts} partitions";
            Action<Table, Table> same = (a, b) => Assert.That(a.ContentEqualsUnordered(b, 1e-9), Is.True, at);
            OnBoth($"group-by, {at}", (s, t) => f.GroupBy("k", "g").SplitEvery(splitEvery).Agg(Sum("v"), Count(), Max("v")).Compute(On(s, t)), same);
            OnBoth($"merge then group-by, {at}", (s, t) => f.Merge(other, on: ["k"]).WithColumn("vw", Col("v") * Col("w")).GroupBy("g").Agg(Sum("vw"), Mean("v")).Compute(On(s, t)), same);
            OnBoth($"repartition then filter, {at}", (s, t) => f.Repartition(repartition).Filter(Col("v") > 50.0).Compute(On(s, t)), same);
        }
    }
}
