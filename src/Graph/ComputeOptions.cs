namespace TaskGraph;

/// <summary>Options of one computation. Every property is optional.</summary>
public sealed record ComputeOptions
{
    /// <summary>The scheduler to run on; null uses the scoped or global default (<see cref="TaskGraphOptions.CurrentScheduler"/>).</summary>
    public IScheduler? Scheduler { get; init; }

    /// <summary>Fuse linear chains into single tasks (default true). Scheduler benchmarks switch it off so every task runs.</summary>
    public bool Fuse { get; init; } = true;

    /// <summary>Cancels the computation: it stops promptly with <see cref="OperationCanceledException"/>.</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Listeners for this computation only, in addition to the registered ones (<see cref="ComputeListeners"/>).</summary>
    public IReadOnlyList<IComputeListener> Listeners { get; init; } = [];
}

/// <summary>What a scheduler receives besides the plan.</summary>
public sealed class ComputeContext
{
    /// <summary>Creates a context.</summary>
    public ComputeContext(CancellationToken cancellationToken, IReadOnlyList<IComputeListener> listeners)
    {
        CancellationToken = cancellationToken;
        Listeners = listeners;
    }

    /// <summary>Cancels the computation.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Everything that observes this computation.</summary>
    public IReadOnlyList<IComputeListener> Listeners { get; }
}
