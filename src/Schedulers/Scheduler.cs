using System.Runtime.CompilerServices;

namespace TaskGraph;

/// <summary>
/// Chooses where computations run. Per call: <c>d.Compute(Scheduler.Synchronous)</c>; scoped:
/// <c>using (Scheduler.Use(Scheduler.Threads(4))) { ... }</c> (flows through async code); global:
/// <see cref="TaskGraphOptions.DefaultScheduler"/> or the <c>TASKGRAPH_SCHEDULER</c> environment variable.
/// </summary>
public static class Scheduler
{
    private static readonly Lazy<ThreadPoolScheduler> SharedThreads = new(() => new ThreadPoolScheduler());
    private static readonly Lazy<ProcessPoolScheduler> SharedProcesses = new(() => new ProcessPoolScheduler());

    /// <summary>Everything on the calling thread, in priority order (for debugging).</summary>
    public static IScheduler Synchronous => SynchronousScheduler.Instance;

    /// <summary>A thread pool of <paramref name="workers"/> threads (default: one per core).</summary>
    public static IScheduler Threads(int? workers = null) => workers is null ? SharedThreads.Value : new ThreadPoolScheduler(workers);

    /// <summary>
    /// A pool of <paramref name="workers"/> worker processes (default: one per core, shared by every caller of
    /// <c>Processes()</c>). Workers start on the first computation and live until the pool is disposed or this
    /// process exits.
    /// </summary>
    public static IScheduler Processes(int? workers = null) => workers is null ? SharedProcesses.Value : new ProcessPoolScheduler(workers);

    /// <summary>The scheduler registered under <paramref name="name"/> (<c>sync</c>, <c>threads</c>, …).</summary>
    public static IScheduler FromName(string name) => SchedulerRegistry.Create(name);

    /// <summary>
    /// Makes <paramref name="scheduler"/> the default for the current async flow until the returned handle is
    /// disposed (then the previous one is back).
    /// </summary>
    public static IDisposable Use(IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        var previous = TaskGraphOptions.Scoped.Value;
        TaskGraphOptions.Scoped.Value = scheduler;
        return new Restore(previous);
    }

    private sealed class Restore(IScheduler? previous) : IDisposable
    {
        public void Dispose() => TaskGraphOptions.Scoped.Value = previous;
    }

    // Registration runs when this assembly loads, so TASKGRAPH_SCHEDULER=sync works without code naming this class.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void RegisterBuiltIns()
    {
        SchedulerRegistry.Register("sync", () => Synchronous);
        SchedulerRegistry.Register("synchronous", () => Synchronous);
        SchedulerRegistry.Register("threads", () => Threads());
    }
}
