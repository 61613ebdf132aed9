namespace TaskGraph;

/// <summary>
/// Process-wide settings. The scheduler used by <c>Compute()</c> is, in order: the one passed to the call,
/// the scoped one (<c>Scheduler.Use</c>, flowing through async code), <see cref="DefaultScheduler"/>.
/// </summary>
public static class TaskGraphOptions
{
    /// <summary>The environment variable naming the default scheduler.</summary>
    public const string SchedulerVariable = "TASKGRAPH_SCHEDULER";

    private static IScheduler? _default;
    internal static readonly AsyncLocal<IScheduler?> Scoped = new();

    /// <summary>
    /// The global default scheduler. Unless set, it is the one named by <c>TASKGRAPH_SCHEDULER</c>
    /// (<c>sync</c>, <c>threads</c>, <c>processes</c>, <c>distributed</c>), else the thread pool.
    /// </summary>
    public static IScheduler DefaultScheduler
    {
        get
        {
            var s = Volatile.Read(ref _default);
            if (s is not null) return s;
            var name = Environment.GetEnvironmentVariable(SchedulerVariable);
            s = SchedulerRegistry.Create(string.IsNullOrWhiteSpace(name) ? "threads" : name);
            return Interlocked.CompareExchange(ref _default, s, null) ?? s;
        }
        set => Volatile.Write(ref _default, value);
    }

    /// <summary>The scheduler a computation without an explicit one runs on now.</summary>
    public static IScheduler CurrentScheduler => Scoped.Value ?? DefaultScheduler;

    /// <summary>Forgets the global default, so the next use reads <c>TASKGRAPH_SCHEDULER</c> again.</summary>
    public static void ResetDefaultScheduler() => Volatile.Write(ref _default, null);
}
