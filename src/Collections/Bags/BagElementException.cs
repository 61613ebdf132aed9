namespace TaskGraph.Bags;

/// <summary>
/// A user function of a bag operation failed on one element: names the partition and the element's index within
/// it (the index in the partition's input, before any filter of the fused pipeline), with the user's exception as
/// <see cref="Exception.InnerException"/>. The scheduler wraps it in a <see cref="TaskFailedException"/> naming the task.
/// </summary>
public sealed class BagElementException : Exception
{
    /// <summary>The partition whose task failed.</summary>
    public int Partition { get; }

    /// <summary>The element's index within the partition's input, or -1 when the failure is not tied to one element.</summary>
    public long ElementIndex { get; }

    /// <summary>Where the element came from (for text: the file and the byte offset of its line), when known.</summary>
    public string? Origin { get; }

    /// <summary>Creates the exception for element <paramref name="elementIndex"/> of <paramref name="partition"/>.</summary>
    public BagElementException(int partition, long elementIndex, string? source, Exception inner)
        : base(Describe(partition, elementIndex, source, inner), inner)
    {
        Partition = partition;
        ElementIndex = elementIndex;
        Origin = source;
    }

    private static string Describe(int partition, long index, string? source, Exception inner)
    {
        var where = index >= 0 ? $"element {index} of partition {partition}" : $"partition {partition}";
        var from = source is null ? "" : $" ({source})";
        return $"A bag operation failed on {where}{from}: {inner.GetType().Name}: {inner.Message}";
    }
}
