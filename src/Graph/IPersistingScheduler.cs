namespace TaskGraph;

/// <summary>
/// A scheduler that keeps computed results where they were made, for later computations (<c>Persist</c>). The
/// process pool and the cluster implement it by leaving large results in their worker processes. A scheduler without it persists
/// by computing the values into this process (see <see cref="Persisted{T}"/>).
/// </summary>
public interface IPersistingScheduler : IScheduler
{
    /// <summary>
    /// Runs <paramref name="plan"/> and keeps its outputs. The answer has one task per output, under the output's
    /// key, that later graphs read instead of recomputing it; disposing the answer releases what is kept.
    /// </summary>
    Task<PersistedResults> PersistAsync(ExecutionPlan plan, ComputeContext context);
}

/// <summary>
/// The outputs of a persisted computation: one task per output (same key, no inputs) that yields the kept result,
/// and what releases them. Disposing twice is harmless.
/// </summary>
public sealed class PersistedResults : IDisposable
{
    private Action? _release;

    /// <summary>Wraps <paramref name="specs"/> (one per output, in output order) and the action that releases them.</summary>
    public PersistedResults(IReadOnlyList<TaskSpec> specs, Action? release)
    {
        Specs = specs;
        _release = release;
    }

    /// <summary>The tasks standing for the kept outputs, in the order of the plan's outputs.</summary>
    public IReadOnlyList<TaskSpec> Specs { get; }

    /// <summary>Releases the kept results (the tasks above stop working where they read from a worker).</summary>
    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
}
