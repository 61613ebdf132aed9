namespace TaskGraph;

/// <summary>Where a <see cref="Future{T}"/> is (Dask's <c>future.status</c>).</summary>
public enum FutureStatus
{
    /// <summary>Not finished yet.</summary>
    Pending,

    /// <summary>Finished with a result.</summary>
    Finished,

    /// <summary>Its task (or one it depends on) failed: awaiting it throws a <see cref="TaskFailedException"/> naming the task's key.</summary>
    Error,

    /// <summary>Cancelled before it finished.</summary>
    Cancelled,
}
