using System.Collections.Concurrent;

namespace TaskGraph.DataPlane;

/// <summary>
/// The results a worker keeps, by computation and node: the one store of the worker runtime. The process pool's
/// worker (<c>WorkerTaskRunner</c>) and the cluster's worker (<c>DistributedWorker</c>) put results here; the
/// data plane (<see cref="DataServer"/>, which both workers run) serves them to peers and releases them when the
/// client says nobody needs them any more. Persisted results are kept here too, under their persist's id in place of
/// a computation's (<see cref="PinnedResults"/>): no computation's end drops them, their client does.
/// <para>A computation once dropped stays dropped (a late task of an ended computation must not store a result
/// that nobody would ever release); the set of dropped computations is bounded.</para>
/// </summary>
internal sealed class ResultStore
{
    private readonly ConcurrentDictionary<(string Compute, int Node), object?> _values = new();
    private readonly ConcurrentDictionary<string, bool> _dropped = new(StringComparer.Ordinal);

    /// <summary>Results held now.</summary>
    public int Count => _values.Count;

    /// <summary>Keeps <paramref name="value"/> as node <paramref name="node"/>'s result of <paramref name="compute"/> (ignored once that computation is dropped).</summary>
    public void Put(string compute, int node, object? value)
    {
        if (_dropped.ContainsKey(compute)) return;
        _values[(compute, node)] = value;
        // A drop that raced with this put removes the value again.
        if (_dropped.ContainsKey(compute)) _values.TryRemove((compute, node), out _);
    }

    /// <summary>The result of node <paramref name="node"/> of <paramref name="compute"/>, when held here.</summary>
    public bool TryGet(string compute, int node, out object? value) => _values.TryGetValue((compute, node), out value);

    /// <summary>Forgets one result (nobody needs it any more).</summary>
    public void Release(string compute, int node) => _values.TryRemove((compute, node), out _);

    /// <summary>True once <paramref name="compute"/> was dropped (its runs are skipped).</summary>
    public bool IsDropped(string compute) => _dropped.ContainsKey(compute);

    /// <summary>Forgets every result of <paramref name="compute"/> and refuses later ones.</summary>
    public void Drop(string compute)
    {
        if (_dropped.Count > 100_000) _dropped.Clear();
        _dropped[compute] = true;
        foreach (var k in _values.Keys)
            if (k.Compute == compute) _values.TryRemove(k, out _);
    }

    /// <summary>The computations that have results here (for a worker dropping those of clients that are gone).</summary>
    public IEnumerable<string> Computes() => _values.Keys.Select(k => k.Compute).Distinct(StringComparer.Ordinal).ToList();
}
