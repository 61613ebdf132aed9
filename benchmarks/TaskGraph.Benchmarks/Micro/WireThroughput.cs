using BenchmarkDotNet.Attributes;
using TaskGraph.Wire;

namespace TaskGraph.Benchmarks.Micro;

/// <summary>
/// Moving a 100 MB <c>double[]</c> between the parent and a worker process: sent as a task input and returned
/// as its result (200 MB over the pipes per operation), and the codec alone in memory. Goal: ≥ 1 GB/s.
/// Run: <c>dotnet run -c Release --project benchmarks/TaskGraph.Benchmarks -- --filter *WireThroughput*</c>.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
// Micro-benchmarks measure one core with the runtime's default (workstation) GC; the comparison runner uses Server GC.
[GcServer(false)]
public class WireThroughput
{
    private const int Count = 100_000_000 / sizeof(double);
    private double[] _data = null!;
    private byte[] _encoded = null!;
    private ProcessPoolScheduler _pool = null!;
    private Delayed<double[]> _echo = null!;

    [GlobalSetup]
    public void Setup()
    {
        _data = new double[Count];
        for (int i = 0; i < _data.Length; i++) _data[i] = i * 0.5;
        _encoded = WireCodec.ToBytes(_data);
        _pool = new ProcessPoolScheduler(1);
        // The array is a task input (literal) and the task returns it: parent → worker → parent.
        _echo = Delayed.Combine(Delayed.Value(_data, "data"), Delayed.Value(0), (a, _) => a);
        _echo.Compute(new ComputeOptions { Scheduler = _pool });
    }

    [GlobalCleanup]
    public void Cleanup() => _pool.Dispose();

    /// <summary>100 MB to the worker and back (200 MB moved).</summary>
    [Benchmark]
    public int ParentToWorkerAndBack() => _echo.Compute(new ComputeOptions { Scheduler = _pool }).Length;

    /// <summary>Encoding 100 MB into one byte array (a memory copy).</summary>
    [Benchmark]
    public int EncodeInMemory() => WireCodec.ToBytes(_data).Length;

    /// <summary>Decoding 100 MB from bytes into a new array.</summary>
    [Benchmark]
    public int DecodeInMemory() => ((double[])WireCodec.FromBytes(_encoded)!).Length;
}

/// <summary>
/// The codec on many small values (per-value costs: tags, type identities, field setters, bounds checks):
/// 100,000 records with a string each, and 100,000 boxed values of mixed types in an <c>object[]</c>; with the
/// generated field accessors and with the reflection ones used where dynamic code is off (a file-based app's
/// default PublishAot=true).
/// Run: <c>dotnet run -c Release --project benchmarks/TaskGraph.Benchmarks -- --filter *WireSmallValues*</c>.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 10)]
[MemoryDiagnoser]
[GcServer(false)]
public class WireSmallValues
{
    /// <summary>A small record, sent field by field.</summary>
    public sealed record Row(int Id, string Name, double Score);

    private List<Row> _rows = null!;
    private byte[] _rowsEncoded = null!;
    private byte[] _mixedEncoded = null!;

    /// <summary>True: field accessors written as IL; false: reflection (<see cref="DynamicCode.Allowed"/>).</summary>
    [Params(true, false)]
    public bool GeneratedAccessors { get; set; } = true;

    [GlobalSetup]
    public void Setup()
    {
        DynamicCode.Allowed = GeneratedAccessors;
        _rows = Enumerable.Range(0, 100_000).Select(i => new Row(i, "name" + (i % 1000), i * 0.25)).ToList();
        _rowsEncoded = WireCodec.ToBytes(_rows);
        var mixed = new object?[100_000];
        for (int i = 0; i < mixed.Length; i++) mixed[i] = (i % 4) switch { 0 => i, 1 => "s" + (i % 100), 2 => i * 1.5, _ => (long)i };
        _mixedEncoded = WireCodec.ToBytes(mixed);
    }

    /// <summary>Encoding 100,000 records.</summary>
    [Benchmark]
    public int EncodeRecords() => WireCodec.ToBytes(_rows).Length;

    /// <summary>Decoding 100,000 records.</summary>
    [Benchmark]
    public int DecodeRecords() => ((List<Row>)WireCodec.FromBytes(_rowsEncoded)!).Count;

    /// <summary>Decoding 100,000 boxed values of mixed types.</summary>
    [Benchmark]
    public int DecodeMixed() => ((object?[])WireCodec.FromBytes(_mixedEncoded)!).Length;
}
