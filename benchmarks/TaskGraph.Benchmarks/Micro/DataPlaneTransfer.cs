using BenchmarkDotNet.Attributes;
using TaskGraph.DataPlane;
using TaskGraph.Frames;

namespace TaskGraph.Benchmarks.Micro;

/// <summary>
/// Worker-to-worker transfer over the data plane on loopback: a peer fetches a held result from a
/// <see cref="DataServer"/> through an authenticated connection (the connection is pooled, as between workers),
/// decoding it with the wire codec. Goal: ≥ 1 GB/s. Both ends run in this process over a real TCP socket.
/// Run: <c>dotnet run -c Release --project benchmarks/TaskGraph.Benchmarks -- --filter *DataPlaneTransfer*</c>.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
[GcServer(false)]
public class DataPlaneTransfer
{
    private const int Doubles = 100_000_000 / sizeof(double);
    private const int Rows = 4_000_000;
    private DataServer _server = null!;
    private DataPeers _peers = null!;

    [GlobalSetup]
    public void Setup()
    {
        var store = Store();
        var key = new DataPlaneKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        _server = new DataServer(store, key);
        _peers = new DataPeers(key);
        _peers.TryGet(_server.Address, "bench", 1, out _); // connect and authenticate once, like a worker's pooled connection
    }

    /// <summary>
    /// The values served: node 0 a 100 MB <c>double[]</c>, node 1 a table of 4 million rows (two 32 MB columns),
    /// node 2 a 1 KB <c>double[]</c> (per-request cost). Shared with <see cref="TransportComparison"/>.
    /// </summary>
    internal static ResultStore Store()
    {
        var store = new ResultStore();
        var data = new double[Doubles];
        for (int i = 0; i < data.Length; i++) data[i] = i * 0.5;
        store.Put("bench", 0, data);
        var k = new long[Rows];
        var v = new double[Rows];
        for (int i = 0; i < Rows; i++) { k[i] = i % 1000; v[i] = i; }
        store.Put("bench", 1, Table.Create(("k", Column.Of(k)), ("v", Column.Of(v))));
        store.Put("bench", 2, Enumerable.Range(0, 128).Select(i => (double)i).ToArray());
        return store;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _peers.Dispose();
        _server.Dispose();
    }

    /// <summary>A 100 MB <c>double[]</c> from a peer.</summary>
    [Benchmark]
    public int Fetch100MBDoubles() => _peers.TryGet(_server.Address, "bench", 0, out var v) ? ((double[])v!).Length : -1;

    /// <summary>A frame partition of 4 million rows (two 32 MB columns) from a peer.</summary>
    [Benchmark]
    public int Fetch64MBTable() => _peers.TryGet(_server.Address, "bench", 1, out var v) ? ((Table)v!).RowCount : -1;
}
