namespace TaskGraph;

/// <summary>
/// Observes computations (progress bars, profilers). Called from worker threads, concurrently: implementations
/// must be thread-safe and quick. Every method has an empty default, so a listener implements only what it needs.
/// </summary>
public interface IComputeListener
{
    /// <summary>
    /// <c>Compute</c> hands <paramref name="plan"/> to <paramref name="scheduler"/> (before <see cref="OnComputeStarted"/>;
    /// not called when a scheduler is driven directly). Lets diagnostics find the scheduler's worker processes.
    /// </summary>
    void OnComputeScheduled(ExecutionPlan plan, IScheduler scheduler) { }

    /// <summary>A computation of <paramref name="plan"/> starts.</summary>
    void OnComputeStarted(ExecutionPlan plan) { }

    /// <summary>Task <paramref name="node"/> starts on worker <paramref name="worker"/> (a thread or process name).</summary>
    void OnTaskStarted(ExecutionPlan plan, int node, string worker) { }

    /// <summary>Task <paramref name="node"/> finished (<paramref name="failed"/> when it threw).</summary>
    void OnTaskFinished(ExecutionPlan plan, int node, string worker, bool failed) { }

    /// <summary>The computation ended: <paramref name="error"/> is null on success.</summary>
    void OnComputeFinished(ExecutionPlan plan, Exception? error) { }
}
