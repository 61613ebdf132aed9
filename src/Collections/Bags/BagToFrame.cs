namespace TaskGraph.Bags;

public sealed partial class Bag<T>
{
    /// <summary>
    /// The bag as a frame (Dask's <c>to_dataframe</c>): one partition per bag partition, one column per public
    /// property or field of <typeparamref name="T"/>. The schema comes from the type, so nothing is computed.
    /// </summary>
    public Frame ToFrame()
        => Frame.FromDelayed(ToDelayedPartitions().Select(p => p.Then(static list => Table.FromRecords(list), "to-table")),
            Table.FromRecords(Array.Empty<T>()).Schema);
}
