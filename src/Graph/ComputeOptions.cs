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

    /// <summary>
    /// Fails the computation with a <c>ComputeStalledException</c> (and a dump of the scheduler's state) when tasks
    /// remain but none has started or finished for this long — and, on the process pool, no worker process used
    /// any CPU. Null: the scheduler's default (5 minutes on the process pool; off elsewhere);
    /// <see cref="Timeout.InfiniteTimeSpan"/>: never. Set it above your longest task that waits without computing
    /// (on a lock, a file, the network).
    /// </summary>
    public TimeSpan? StallTimeout
    {
        get => _stallTimeout;
        init => _stallTimeout = value is { } t && t <= TimeSpan.Zero && t != Timeout.InfiniteTimeSpan
            ? throw new ArgumentOutOfRangeException(nameof(StallTimeout), t, "A stall timeout must be positive (or Timeout.InfiniteTimeSpan to switch it off).")
            : value;
    }

    private readonly TimeSpan? _stallTimeout;

    /// <summary>
    /// A memory limit in bytes, or null for none (the default). Under a limit, the hash shuffles of frames (a merge
    /// by hash join, a group-by with <c>splitOut</c>, a sort, drop-duplicates) write the buckets they exchange to
    /// local disk, LZ4-compressed, whenever the process's managed heap is past half the limit, and the tasks that
    /// gather them read them back. The files live in a directory of this computation under
    /// <see cref="SpillDirectory"/>, removed when the computation ends, fails or is cancelled. Worker processes
    /// of the process pool and of a one-machine cluster write to the same disk; a cluster spread over several
    /// machines needs <see cref="SpillDirectory"/> on a disk they all share.
    /// </summary>
    public long? MemoryLimit
    {
        get => _memoryLimit;
        init => _memoryLimit = value is { } b && b <= 0
            ? throw new ArgumentOutOfRangeException(nameof(MemoryLimit), b, "A memory limit must be a positive number of bytes (or null for none).")
            : value;
    }

    private readonly long? _memoryLimit;

    /// <summary>Where a computation under <see cref="MemoryLimit"/> makes its spill directory; null: the system's temporary folder.</summary>
    public string? SpillDirectory { get; init; }
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

    /// <summary>See <see cref="ComputeOptions.StallTimeout"/>; null: the scheduler's default.</summary>
    public TimeSpan? StallTimeout { get; init; }

    /// <summary>
    /// Told each output's key and value as soon as it is known, before the computation ends (futures resolve one
    /// by one from one graph). Called under the execution state's lock: it must only hand the value on.
    /// </summary>
    internal Action<TaskKey, object?>? OutputCompleted { get; init; }
}
