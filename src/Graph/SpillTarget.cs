namespace TaskGraph;

/// <summary>
/// Where the tasks of one computation may put data that does not fit in memory: a literal argument that a task
/// which can spill (a shuffle's split) receives. Graphs are built with <see cref="None"/> in that place;
/// a computation with <see cref="ComputeOptions.MemoryLimit"/> replaces it with its own target (see
/// <see cref="ExecutionPlan.WithSpillTarget"/>), creates the <see cref="Directory"/> before the first task runs and
/// deletes it, with every file in it, when the computation ends, fails or is cancelled. Tasks only create files in
/// that directory, never the directory itself, so a task still running after the end cannot leave one behind.
/// Plain data: it crosses the wire to worker processes with the task (they share the machine's disk).
/// </summary>
public sealed class SpillTarget
{
    /// <summary>Creates a target.</summary>
    public SpillTarget(string? directory, long memoryLimit)
    {
        Directory = directory;
        MemoryLimit = memoryLimit;
    }

    /// <summary>No spilling: the placeholder graphs are built with.</summary>
    public static SpillTarget None { get; } = new(null, 0);

    /// <summary>The computation's spill directory (it exists while the computation runs); null: no spilling.</summary>
    public string? Directory { get; }

    /// <summary>The computation's memory limit in bytes (<see cref="ComputeOptions.MemoryLimit"/>).</summary>
    public long MemoryLimit { get; }

    /// <summary>True when tasks may spill.</summary>
    public bool Enabled => Directory is not null;

    /// <summary>
    /// True when a task about to hold more data should write it to <see cref="Directory"/> instead: this process's
    /// managed heap is past half the limit (the other half is room for the tasks reading the data back and for
    /// what the collector has not yet returned).
    /// </summary>
    public bool ShouldSpill => Enabled && GC.GetTotalMemory(forceFullCollection: false) > MemoryLimit / 2;

    /// <inheritdoc />
    public override string ToString() => Directory is null ? "no spill" : $"spill to {Directory} (limit {MemoryLimit:N0} B)";
}
