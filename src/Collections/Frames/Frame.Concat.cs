namespace TaskGraph.Frames;

public sealed partial class Frame
{
    /// <summary>
    /// Stacks frames one after another (Dask's <c>dd.concat(frames)</c>): the partitions of the first frame, then of
    /// the second, and so on; no data moves. Columns are aligned by name in order of first appearance. With
    /// <paramref name="innerJoin"/> false (pandas' <c>join="outer"</c>, the default) a column some frames lack is
    /// missing in their rows; with true (<c>join="inner"</c>) only the columns every frame has are kept. A column must
    /// have one type in every frame, except that numbers widen (Int32 with Int64 gives Int64, with Double gives
    /// Double); any other difference fails at once with an error naming the column, the frames and their types.
    /// </summary>
    public static Frame Concat(IEnumerable<Frame> frames, bool innerJoin = false)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var list = frames.ToArray();
        if (list.Length == 0) throw new ArgumentException("Concat needs at least one frame.", nameof(frames));
        for (int i = 0; i < list.Length; i++)
            if (list[i] is null) throw new ArgumentNullException(nameof(frames), $"Frame {i} of the concatenation is null.");
        return new Frame(new ConcatNode(list, innerJoin));
    }

    /// <summary>Stacks frames one after another, aligning columns by name (see <see cref="Concat(IEnumerable{Frame}, bool)"/>).</summary>
    public static Frame Concat(params Frame[] frames) => Concat(frames, innerJoin: false);

    /// <summary>
    /// The rows of this frame that have a match in <paramref name="other"/> (a left semi join, Dask's
    /// <c>how="leftsemi"</c>, pandas' <c>df[df.key.isin(other.key)]</c>): this frame's columns, rows in order, each
    /// at most once however many rows of <paramref name="other"/> match. Keys are the shared columns
    /// <paramref name="on"/> (all shared names when both key arguments are null) or <paramref name="leftOn"/> /
    /// <paramref name="rightOn"/>; missing matches missing, as in <see cref="Merge"/>. An <paramref name="other"/> of
    /// at most <paramref name="broadcastMaxPartitions"/> partitions is indexed once and broadcast (no shuffle);
    /// otherwise both sides are hash-shuffled into <paramref name="partitions"/> buckets.
    /// </summary>
    public Frame SemiJoin(Frame other, string[]? on = null, string[]? leftOn = null, string[]? rightOn = null, int broadcastMaxPartitions = 1, int? partitions = null)
        => FilterJoin(other, on, leftOn, rightOn, anti: false, broadcastMaxPartitions, partitions);

    /// <summary>
    /// The rows of this frame that have no match in <paramref name="other"/> (a left anti join, pandas'
    /// <c>df[~df.key.isin(other.key)]</c>); keys and strategy as in <see cref="SemiJoin"/>.
    /// </summary>
    public Frame AntiJoin(Frame other, string[]? on = null, string[]? leftOn = null, string[]? rightOn = null, int broadcastMaxPartitions = 1, int? partitions = null)
        => FilterJoin(other, on, leftOn, rightOn, anti: true, broadcastMaxPartitions, partitions);

    private Frame FilterJoin(Frame other, string[]? on, string[]? leftOn, string[]? rightOn, bool anti, int broadcastMaxPartitions, int? partitions)
    {
        ArgumentNullException.ThrowIfNull(other);
        var (lk, rk) = JoinKeys(other, on, leftOn, rightOn);
        return new(new SemiJoinNode(this, other, lk, rk, anti, broadcastMaxPartitions, partitions));
    }

    /// <summary>The key columns of a join (the shared names when none are given); every name checked now.</summary>
    private (string[] Left, string[] Right) JoinKeys(Frame other, string[]? on, string[]? leftOn, string[]? rightOn)
    {
        if (on is null && leftOn is null && rightOn is null)
        {
            on = Schema.Names.Where(other.Schema.Contains).ToArray();
            if (on.Length == 0) throw new ArgumentException($"No common columns to join on. Left: {string.Join(", ", Columns)}; right: {string.Join(", ", other.Columns)}.");
        }
        var lk = on ?? leftOn ?? throw new ArgumentException("rightOn needs leftOn.");
        var rk = on ?? rightOn ?? throw new ArgumentException("leftOn needs rightOn.");
        foreach (var k in lk) Schema.IndexOf(k);
        foreach (var k in rk) other.Schema.IndexOf(k);
        return (lk, rk);
    }

    /// <summary>
    /// Every row of this frame paired with every row of <paramref name="small"/> (pandas' <c>merge(how="cross")</c>):
    /// this frame's columns then <paramref name="small"/>'s, names both have given <paramref name="suffixes"/>
    /// (<c>_x</c>, <c>_y</c>). <paramref name="small"/> is computed into one table and broadcast to every partition
    /// of this frame, so it must be small: the output has <c>rows × small rows</c> rows, in this frame's partitions.
    /// </summary>
    public Frame CrossJoin(Frame small, (string Left, string Right)? suffixes = null)
    {
        ArgumentNullException.ThrowIfNull(small);
        return new(new CrossJoinNode(this, small, suffixes ?? ("_x", "_y")));
    }
}
