namespace TaskGraph;

/// <summary>
/// What a scheduler adds to the stall watchdog of <see cref="ExecutionState"/> (see
/// <see cref="ComputeOptions.StallTimeout"/>): its default timeout, a description of its own state for the failure
/// message, and a measure of activity that counts as progress.
/// </summary>
/// <param name="DefaultTimeout">Used when the computation's options set none; <see cref="Timeout.InfiniteTimeSpan"/>: off.</param>
/// <param name="Describe">The scheduler's state (workers, which holds what), appended to the failure message.</param>
/// <param name="Activity">
/// A number that changes while the computation is doing something the task counters cannot see — for the process
/// pool, the CPU time of its worker processes — so a long computing task is not mistaken for a stall.
/// </param>
public sealed record StallWatch(TimeSpan DefaultTimeout, Func<string>? Describe = null, Func<long>? Activity = null);

/// <summary>
/// A computation failed because tasks remained but none started or finished for
/// <see cref="ComputeOptions.StallTimeout"/>. The message carries a dump of the scheduler's state: the tasks
/// running (with their keys and workers), ready and waiting, and what the scheduler knows of its workers.
/// </summary>
public sealed class ComputeStalledException(TimeSpan timeout, string state)
    : TimeoutException($"The computation made no progress for {timeout.TotalSeconds:0.###} s (ComputeOptions.StallTimeout): tasks remain, but none started or finished. State:{Environment.NewLine}{state}")
{
    /// <summary>How long nothing happened.</summary>
    public TimeSpan StallTimeout { get; } = timeout;

    /// <summary>The scheduler's state when the computation was stopped.</summary>
    public string State { get; } = state;
}
