namespace TaskGraph.Diagnostics;

/// <summary>One task as a <see cref="Profiler"/> saw it run.</summary>
/// <param name="Key">The task's key.</param>
/// <param name="Function">Its function (<c>a → b</c> for a fused chain).</param>
/// <param name="Worker">Where it ran: a thread or process name given by the scheduler.</param>
/// <param name="Start">When it started (on the diagnostics clock shared with <see cref="ResourceProfiler"/>).</param>
/// <param name="End">When it finished.</param>
/// <param name="Failed">True when it threw.</param>
public sealed record TaskRecord(string Key, string Function, string Worker, TimeSpan Start, TimeSpan End, bool Failed)
{
    /// <summary>How long it ran.</summary>
    public TimeSpan Duration => End - Start;
}
