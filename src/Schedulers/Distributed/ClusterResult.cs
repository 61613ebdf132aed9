namespace TaskGraph.Distributed;

/// <summary>
/// Where a finished node's result is, as the cluster's client records it (this object is the node's result in the
/// shared <see cref="ExecutionState"/>): its value, when it came back inline (small results and outputs), or the
/// data plane address of the worker holding it and its size.
/// </summary>
internal sealed class ClusterResult
{
    /// <summary>The value, when <see cref="Holder"/> is empty.</summary>
    public object? Value;

    /// <summary>The holding worker's data plane address; empty when the value is here.</summary>
    public string Holder = "";

    /// <summary>The holding worker's name (its own queue is <see cref="Topology.WorkerQueue"/>).</summary>
    public string Worker = "";

    /// <summary>The encoded size of a held result.</summary>
    public long Size;

    /// <summary>
    /// For a persisted result (<see cref="WorkerResident"/>): the id its holder keeps it under instead of this
    /// computation's, and its node there. Null for the computation's own results.
    /// </summary>
    public string? Store;

    /// <summary>The node a persisted result is kept under in <see cref="Store"/>.</summary>
    public int StoredAs;

    /// <summary>Other workers that fetched a held result and keep a copy (<see cref="HeldInput.KeepCopy"/>): released with it.</summary>
    public List<string>? Copies;

    /// <summary>True once the result is gone: released (nobody needed it) or lost with its worker.</summary>
    public bool Released;
}
