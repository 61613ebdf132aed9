using System.Diagnostics;

namespace TaskGraph.Diagnostics;

/// <summary>Counts finished tasks of one computation; read by a renderer on its own schedule.</summary>
internal sealed class ProgressTracker
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private int _done;
    private volatile ProgressSnapshot? _final;

    /// <summary>Starts tracking <paramref name="plan"/>.</summary>
    public ProgressTracker(ExecutionPlan plan) => Plan = plan;

    /// <summary>The computation tracked.</summary>
    public ExecutionPlan Plan { get; }

    /// <summary>One more task finished (called from worker threads).</summary>
    public void TaskFinished() => Interlocked.Increment(ref _done);

    /// <summary>Freezes the figures when the computation ends.</summary>
    public ProgressSnapshot Finish(Exception? error)
    {
        var final = Snapshot() with { Finished = true, Error = error };
        _final = final;
        return final;
    }

    /// <summary>The figures now (the final ones once finished).</summary>
    public ProgressSnapshot Snapshot() => _final ?? new ProgressSnapshot
    {
        Done = Math.Min(Volatile.Read(ref _done), Plan.Count),
        Total = Plan.Count,
        Elapsed = Stopwatch.GetElapsedTime(_started),
    };
}
