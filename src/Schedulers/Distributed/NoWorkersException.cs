namespace TaskGraph.Distributed;

/// <summary>
/// No worker consumed the cluster's work queue for the scheduler's worker timeout (all died, none was started, or
/// they serve another queue): the computation stops instead of waiting for ever. The message names the queue, the
/// broker (password redacted) and how many tasks were left.
/// </summary>
public sealed class NoWorkersException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NoWorkersException(string message) : base(message) { }
}
