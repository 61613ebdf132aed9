namespace TaskGraph;

/// <summary>
/// A task threw. Names the task's key and function; the original exception, with its stack trace, is the
/// <see cref="Exception.InnerException"/>. The rest of the computation was cancelled.
/// </summary>
public sealed class TaskFailedException : Exception
{
    /// <summary>The failing task's key, as text.</summary>
    public string Key { get; }

    /// <summary>The failing task's function (declaring type and method).</summary>
    public string Function { get; }

    /// <summary>Inside a fused node, which member failed (0 runs first); -1 when not known.</summary>
    internal int Member { get; init; } = -1;

    /// <summary>Creates the exception.</summary>
    public TaskFailedException(string key, string function, Exception inner)
        : base($"Task '{key}' ({function}) failed: {inner.GetType().Name}: {inner.Message}", inner)
    {
        Key = key;
        Function = function;
    }
}

/// <summary>A graph has a cycle; the message lists the keys on it.</summary>
public sealed class GraphCycleException : InvalidOperationException
{
    /// <summary>The keys on the cycle, in dependency order, the first repeated at the end.</summary>
    public IReadOnlyList<string> Cycle { get; }

    /// <summary>Creates the exception.</summary>
    public GraphCycleException(IReadOnlyList<string> cycle)
        : base($"The task graph has a cycle: {string.Join(" -> ", cycle)}")
        => Cycle = cycle;
}
