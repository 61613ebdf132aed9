using BenchmarkDotNet.Attributes;

namespace TaskGraph.Benchmarks.Micro;

/// <summary>
/// Window functions over 1M in-memory rows in 8 partitions on the thread pool, against a plain whole-frame sum of the
/// same column: a cumulative sum (edge totals, a chain of carries, one scan per partition) and a rolling mean of 10
/// rows (each partition borrows 9 rows from the one before), each followed by a sum of the new column so that no
/// benchmark pays for gathering a 1M-row result. The target: a window within a small factor of the plain sum.
/// Run: <c>dotnet run -c Release --project benchmarks/TaskGraph.Benchmarks -- --filter *FrameWindowBenchmarks*</c>
/// (add <c>--inProcess</c> on a loaded machine).
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class FrameWindowBenchmarks
{
    private const int Rows = 1_000_000;
    private Frame _frame = null!;
    private IScheduler _threads = null!;

    /// <summary>Builds the rows once (a fare column with a few missing values).</summary>
    [GlobalSetup]
    public void Setup()
    {
        _threads = Scheduler.Threads(2);
        var rnd = new Random(42);
        var fare = new double[Rows];
        var valid = new bool[Rows];
        for (int i = 0; i < Rows; i++) { fare[i] = rnd.NextDouble() * 80; valid[i] = i % 97 != 0; }
        _frame = Frame.FromTable(Table.Create(("fare", Column.Of(fare, valid))), 8);
    }

    /// <summary>The baseline: a whole-frame sum.</summary>
    [Benchmark(Baseline = true)]
    public int Sum() => _frame.Agg(Agg.Sum("fare")).Compute(_threads).RowCount;

    /// <summary>The running sum across partitions, then its sum.</summary>
    [Benchmark]
    public int CumSum() => _frame.WithColumn("c", Window.CumSum("fare")).Agg(Agg.Sum("c")).Compute(_threads).RowCount;

    /// <summary>A trailing 10-row mean across partitions, then its sum.</summary>
    [Benchmark]
    public int RollingMean10() => _frame.WithColumn("m", Window.Rolling("fare", 10).Mean()).Agg(Agg.Sum("m")).Compute(_threads).RowCount;
}
