namespace TaskGraph;

/// <summary>
/// Implemented by schedulers whose workers are other processes (a process pool), so diagnostics can look at
/// them: the resource profiler samples the CPU and memory of every process listed here besides its own.
/// </summary>
public interface IWorkerProcessSource
{
    /// <summary>The worker processes alive now (the list may change between calls as workers start and stop).</summary>
    IReadOnlyList<WorkerProcess> WorkerProcesses { get; }
}
