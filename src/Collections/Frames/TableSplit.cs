namespace TaskGraph.Frames;

/// <summary>
/// The split body of every hash shuffle of frames (a hash merge's two sides, drop-duplicates): a partition cut into
/// <see cref="Buckets"/> tables by the stable hash of its <see cref="Keys"/> columns (see <see cref="HashShuffle"/>).
/// A record of plain data: it is the split tasks' parameter and enters their keys.
/// </summary>
internal sealed record TableSplit(string[] Keys, int Buckets)
{
    /// <summary>The buckets of one partition, rows in order within each.</summary>
    public static Table[] Run(TableSplit p, Table t)
    {
        var rows = HashShuffle.RowsByHash(JoinIndex.RowHashes(t, p.Keys), p.Buckets);
        var parts = new Table[rows.Length];
        for (int b = 0; b < rows.Length; b++) parts[b] = t.Take(rows[b], rows[b].Length);
        return parts;
    }

    /// <summary>The split step of a layer (named <paramref name="name"/>, e.g. <c>shuffle-split-left</c>).</summary>
    public LayerStep Step(string name) => LayerStep.Split<TableSplit, Table, Table>(name, Run, this);
}
