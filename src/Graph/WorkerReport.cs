namespace TaskGraph;

/// <summary>
/// What a worker on another machine says about its process, sampled by the worker itself (a cluster worker cannot be
/// sampled from the client). It arrives with the worker's task results, at most a few times a second.
/// </summary>
/// <param name="Worker">The worker's name (as passed to <see cref="IComputeListener.OnTaskFinished(ExecutionPlan, int, string, bool)"/>).</param>
/// <param name="ProcessId">The worker's operating-system process id, on its own machine.</param>
/// <param name="CpuTime">The processor time the worker process has used since it started.</param>
/// <param name="WorkingSet">The worker process's resident memory, in bytes.</param>
/// <param name="HeldBytes">Bytes of results the worker keeps for the scheduler, when it knows them.</param>
public readonly record struct WorkerReport(string Worker, int ProcessId, TimeSpan CpuTime, long WorkingSet, long? HeldBytes = null);
