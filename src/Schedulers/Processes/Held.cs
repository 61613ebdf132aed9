namespace TaskGraph.Processes;

/// <summary>
/// Where a finished node's result is, as the process pool records it (this object is the node's result in the
/// shared <see cref="ExecutionState"/>, so the state's release of a node is visible here as a null entry).
/// </summary>
internal sealed class Held
{
    /// <summary>The value, when the parent has it (<see cref="InParent"/>).</summary>
    public object? Value;

    /// <summary>True when <see cref="Value"/> is the result (small results and outputs travel back).</summary>
    public bool InParent;

    /// <summary>Bit i set: worker slot i has the result in its store.</summary>
    public long Holders;

    /// <summary>Encoded size of a result left in a worker.</summary>
    public long Size;

    /// <summary>
    /// For a persisted result pinned in a worker (<see cref="DataPlane.WorkerResident"/>): the persist's id it is kept
    /// under there instead of this computation's, its node there (<see cref="StoredAs"/>) and the slot of that
    /// worker (<see cref="PinnedBy"/>). Null for the computation's own results.
    /// </summary>
    public string? Store;

    /// <summary>The node a persisted result is kept under in <see cref="Store"/>.</summary>
    public int StoredAs;

    /// <summary>The slot of the worker that pinned a persisted result (with <see cref="Store"/>).</summary>
    public int PinnedBy;

    public static long Bit(int slot) => slot < 64 ? 1L << slot : 0;

    public bool IsHeldBy(int slot) => (Volatile.Read(ref Holders) & Bit(slot)) != 0;

    public void AddHolder(int slot) => Interlocked.Or(ref Holders, Bit(slot));

    public void RemoveHolder(int slot) => Interlocked.And(ref Holders, ~Bit(slot));
}

/// <summary>A worker process died while running (or preparing) a batch.</summary>
internal sealed class WorkerLostException(int running, IReadOnlyList<int> unfinished, Exception? inner = null)
    : Exception("The worker process died.", inner)
{
    /// <summary>The node the worker was running when it died (the first without an answer), or -1.</summary>
    public int Running { get; } = running;

    /// <summary>Nodes sent (or about to be) without an answer, <see cref="Running"/> first.</summary>
    public IReadOnlyList<int> Unfinished { get; } = unfinished;
}
