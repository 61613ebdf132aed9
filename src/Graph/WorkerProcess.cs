namespace TaskGraph;

/// <summary>A worker process of a scheduler: the name its tasks report as their worker, and its operating-system id.</summary>
/// <param name="Name">The worker's name (as passed to <see cref="IComputeListener.OnTaskStarted"/>).</param>
/// <param name="ProcessId">The operating-system process id.</param>
public readonly record struct WorkerProcess(string Name, int ProcessId)
{
    /// <summary>Bytes of results the worker keeps for the scheduler now, when the scheduler knows them (null otherwise).</summary>
    public long? HeldBytes { get; init; }
}
