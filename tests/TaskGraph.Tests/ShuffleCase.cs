using static TaskGraph.Frames.Agg;

namespace TaskGraph.Tests;

/// <summary>
/// A hash-shuffled merge then a group-by whose partitions are made on the workers (never in the client), with its
/// answer by loops: the shared case of the out-of-process tests that data stays on the workers (the process pool's
/// and the cluster's), that it moves worker to worker, and that a worker killed mid-shuffle is recovered by lineage.
/// </summary>
internal static class ShuffleCase
{
    public const int LeftPartitions = 8, RowsPerPartition = 60_000, Keys = 1_500;

    /// <summary>
    /// The encoded size of one piece of a split left partition: 960 KB per partition, split four ways for the shuffle.
    /// A client that received less than this saw no piece of the shuffle.
    /// </summary>
    public const long OneSplitPiece = RowsPerPartition * 16L / 4;

    /// <summary>The key part of the left side's shuffle splits (a listener picks them out by it).</summary>
    public const string LeftSplit = "shuffle-split-left";

    // id = partition * rows + row; k = id mod 1500; v = id mod 97.
    private static Table Left(int partition)
    {
        var k = new long[RowsPerPartition];
        var v = new double[RowsPerPartition];
        for (int r = 0; r < RowsPerPartition; r++)
        {
            long id = (long)partition * RowsPerPartition + r;
            k[r] = id % Keys;
            v[r] = id % 97;
        }
        return Table.Create(("k", Column.Of(k)), ("v", Column.Of(v)));
    }

    // Three partitions of 500 keys each, w = 2k: every left row matches exactly one right row.
    private static Table Right(int partition)
    {
        var k = Enumerable.Range(partition * 500, 500).Select(x => (long)x).ToArray();
        return Table.Create(("k", Column.Of(k)), ("w", Column.Of(k.Select(x => 2.0 * x).ToArray())));
    }

    /// <summary>Merge with a hash shuffle (no broadcast), then a group-by: per key the sum of v, of w and the row count.</summary>
    public static Frame ShuffledGroupBy()
    {
        var left = Frame.FromDelayed(Enumerable.Range(0, LeftPartitions).Select(i => Delayed.Run(() => Left(i))), Schema.Of(("k", ColumnType.Int64), ("v", ColumnType.Double)));
        var right = Frame.FromDelayed(Enumerable.Range(0, 3).Select(i => Delayed.Run(() => Right(i))), Schema.Of(("k", ColumnType.Int64), ("w", ColumnType.Double)));
        return left.Merge(right, on: ["k"], broadcastMaxPartitions: 0, partitions: 4)
            .GroupBy("k").Agg(Sum("v").As("sv"), Sum("w").As("sw"), Count().As("n"));
    }

    /// <summary>The answer by loops over the same rows.</summary>
    public static void AssertRight(Table g)
    {
        var sv = new double[Keys];
        var n = new long[Keys];
        for (long id = 0; id < (long)LeftPartitions * RowsPerPartition; id++)
        {
            sv[id % Keys] += id % 97;
            n[id % Keys]++;
        }
        Assert.That(g.RowCount, Is.EqualTo(Keys));
        var ks = g["k"].Int64s;
        for (int i = 0; i < g.RowCount; i++)
        {
            long k = ks[i];
            Assert.That(g["sv"].Doubles[i], Is.EqualTo(sv[k]), $"sum of v for key {k}");
            Assert.That(g["sw"].Doubles[i], Is.EqualTo(2.0 * k * n[k]), $"sum of w for key {k}");
            Assert.That(g["n"].Int64s[i], Is.EqualTo(n[k]), $"rows of key {k}");
        }
        Assert.That(ks.Take(g.RowCount).Distinct().Count(), Is.EqualTo(Keys));
    }
}
