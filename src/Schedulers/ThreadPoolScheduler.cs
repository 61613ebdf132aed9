namespace TaskGraph;

/// <summary>
/// Runs tasks on N worker threads (default: one per core). Each computation gets its own dedicated threads, so a
/// task may itself call <c>Compute</c> without starving anything; they take ready tasks lowest priority first,
/// and each finished task releases the inputs nobody needs any more.
/// </summary>
public sealed class ThreadPoolScheduler : IScheduler
{
    private volatile bool _disposed;

    /// <summary>Creates a scheduler with <paramref name="workers"/> threads (null: <see cref="Environment.ProcessorCount"/>).</summary>
    public ThreadPoolScheduler(int? workers = null)
    {
        if (workers is < 1) throw new ArgumentOutOfRangeException(nameof(workers), workers, "A thread pool needs at least one worker.");
        Workers = workers ?? Environment.ProcessorCount;
    }

    /// <summary>Number of worker threads.</summary>
    public int Workers { get; }

    /// <inheritdoc />
    public string Name => "threads";

    /// <inheritdoc />
    public Task<object?[]> ExecuteAsync(ExecutionPlan plan, ComputeContext context)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var state = new ExecutionState(plan, context);
        // More threads than nodes would only wait.
        int threads = Math.Min(Workers, plan.Count);
        for (int i = 0; i < threads; i++)
        {
            var name = $"taskgraph-thread-{i}";
            var t = new Thread(() => state.RunWorker(name)) { IsBackground = true, Name = name };
            t.Start();
        }
        return state.Completion;
    }

    /// <summary>Refuses further computations (running ones finish).</summary>
    public void Dispose() => _disposed = true;

    /// <inheritdoc />
    public override string ToString() => $"Scheduler.Threads({Workers})";
}
