namespace TaskGraph;

/// <summary>
/// Runs every task on the calling thread, in priority order: the debugging scheduler. A failing task's exception
/// (with its original stack trace) is the inner exception of the <see cref="TaskFailedException"/>.
/// </summary>
public sealed class SynchronousScheduler : IScheduler
{
    /// <summary>The shared instance (it has no state of its own; disposing it does nothing).</summary>
    public static readonly SynchronousScheduler Instance = new();

    private SynchronousScheduler() { }

    /// <inheritdoc />
    public string Name => "sync";

    /// <inheritdoc />
    public Task<object?[]> ExecuteAsync(ExecutionPlan plan, ComputeContext context)
    {
        var state = new ExecutionState(plan, context);
        state.RunWorker($"sync-{Environment.CurrentManagedThreadId}");
        return state.Completion;
    }

    /// <summary>Nothing to release.</summary>
    public void Dispose() { }

    /// <inheritdoc />
    public override string ToString() => "Scheduler.Synchronous";
}
