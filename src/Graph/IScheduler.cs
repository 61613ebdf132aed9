namespace TaskGraph;

/// <summary>
/// Runs an <see cref="ExecutionPlan"/>. Schedulers differ only in <em>where</em> a ready task runs (the calling
/// thread, a pool of threads, worker processes, machines); the bookkeeping is shared (docs/ARCHITECTURE.md, "Execution state").
/// </summary>
public interface IScheduler : IDisposable
{
    /// <summary>The scheduler's name as accepted by <c>TASKGRAPH_SCHEDULER</c> (<c>sync</c>, <c>threads</c>, …).</summary>
    string Name { get; }

    /// <summary>
    /// Runs every task of <paramref name="plan"/> and returns the results of its outputs, in the order of
    /// <see cref="ExecutionPlan.Outputs"/>. A failed task makes the returned task fault with a
    /// <see cref="TaskFailedException"/>; cancellation makes it cancel.
    /// </summary>
    Task<object?[]> ExecuteAsync(ExecutionPlan plan, ComputeContext context);
}
