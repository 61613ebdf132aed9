namespace TaskGraph.Wire;

/// <summary>
/// The error for a task that cannot be sent to another process (a capture or argument the codec refuses): names the
/// task, its function and the field path. Shared by the process pool and the distributed scheduler, so both report
/// it alike, before any work runs.
/// </summary>
internal static class SendFailure
{
    /// <summary>The failure of sending <paramref name="spec"/>, caused by <paramref name="error"/>.</summary>
    public static TaskFailedException For(TaskSpec spec, WireException error) => new(
        spec.Key.ToString(), spec.Function?.ToString() ?? spec.Key.Name,
        new WireException("The task cannot be sent to a worker process: " + WithoutPath(error), error.Path, error));

    // The new exception appends the path itself: taken from the cause's message too, it would be printed twice.
    private static string WithoutPath(WireException error)
    {
        var suffix = $" (at '{error.Path}')";
        return error.Path.Length > 0 && error.Message.EndsWith(suffix, StringComparison.Ordinal) ? error.Message[..^suffix.Length] : error.Message;
    }
}
