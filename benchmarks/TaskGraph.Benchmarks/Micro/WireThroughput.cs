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
