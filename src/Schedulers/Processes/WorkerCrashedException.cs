namespace TaskGraph.Processes;

/// <summary>
/// A task's worker process died every time the task ran (three times): the task is reported as failed with this
/// exception inside <see cref="TaskFailedException"/>, since it most likely kills any process it runs in.
/// </summary>
public sealed class WorkerCrashedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WorkerCrashedException(string message) : base(message) { }
}
