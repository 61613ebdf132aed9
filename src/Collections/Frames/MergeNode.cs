namespace TaskGraph.Frames;

/// <summary>
/// A merge of two frames. Broadcast join when one side has at most <c>broadcastMaxPartitions</c> partitions
/// and the join type allows it (the small side is concatenated and indexed once; every partition of the other
/// side probes that index). Otherwise a hash-shuffle join: both sides split by key hash into n buckets and
/// bucket j of the output joins the j-th pieces.
/// </summary>
internal sealed class MergeNode : PlanNode
{
    /// <summary>How the join runs.</summary>
    public enum Strategy
    {
        /// <summary>Right side broadcast to every left partition.</summary>
        BroadcastRight,
        /// <summary>Left side broadcast to every right partition.</summary>
        BroadcastLeft,
        /// <summary>Hash-partition both sides.</summary>
        Shuffle,
    }

    /// <summary>Creates the node; columns, key types and output names are checked now.</summary>
    public MergeNode(Frame left, Frame right, string[] leftKeys, string[] rightKeys, JoinType how, (string Left, string Right) suffixes, int broadcastMaxPartitions, int? partitions)
    {
        if (leftKeys.Length == 0 || leftKeys.Length != rightKeys.Length) throw new ArgumentException("Give the same number (at least one) of left and right key columns.");
        for (int k = 0; k < leftKeys.Length; k++)
        {
            var lt = left.Schema[leftKeys[k]].Type;
            var rt = right.Schema[rightKeys[k]].Type;
            if (lt != rt) throw new InvalidOperationException($"Merge key types differ: left '{leftKeys[k]}' is {lt}, right '{rightKeys[k]}' is {rt}.");
        }
        Left = left;
        Right = right;
        var shared = leftKeys.Where((k, i) => rightKeys[i] == k).ToHashSet();
        var outCols = new List<MergeColumn>();
        var rightNames = right.Schema.Names.Where(n => !shared.Contains(n)).ToHashSet();
        foreach (var f in left.Schema.Fields)
        {
            if (shared.Contains(f.Name)) outCols.Add(new MergeColumn(f.Name, 2, f.Name, f.Name));
            else outCols.Add(new MergeColumn(rightNames.Contains(f.Name) ? f.Name + suffixes.Left : f.Name, 0, f.Name, null));
        }
        var leftNames = left.Schema.Names.ToHashSet();
        foreach (var f in right.Schema.Fields)
            if (!shared.Contains(f.Name))
                outCols.Add(new MergeColumn(leftNames.Contains(f.Name) ? f.Name + suffixes.Right : f.Name, 1, null, f.Name));
        var schema = new Schema(outCols.Select(c => new Field(c.Name, c.Side == 1 ? right.Schema[c.Right!].Type : left.Schema[c.Left!].Type)));
        Spec = new MergeSpec(leftKeys, rightKeys, how, outCols.ToArray(), schema);
        bool canRight = how is JoinType.Inner or JoinType.Left && right.NPartitions <= broadcastMaxPartitions;
        bool canLeft = how is JoinType.Inner or JoinType.Right && left.NPartitions <= broadcastMaxPartitions;
        How = canRight && (!canLeft || right.NPartitions <= left.NPartitions) ? Strategy.BroadcastRight
            : canLeft ? Strategy.BroadcastLeft : Strategy.Shuffle;
        Buckets = partitions ?? Math.Max(left.NPartitions, right.NPartitions);
    }

    /// <summary>Left input.</summary>
    public Frame Left { get; }
    /// <summary>Right input.</summary>
    public Frame Right { get; }
    /// <summary>Keys, join type and output columns.</summary>
    public MergeSpec Spec { get; }
    /// <summary>The chosen strategy.</summary>
    public Strategy How { get; }
    /// <summary>Output partitions of a shuffle join.</summary>
    public int Buckets { get; }

    /// <inheritdoc />
    public override Schema Schema => Spec.Schema;

    /// <inheritdoc />
    public override int NPartitions => How switch
    {
        Strategy.BroadcastRight => Left.NPartitions,
        Strategy.BroadcastLeft => Right.NPartitions,
        _ => Buckets,
    };

    private static JoinIndex Index(JoinIndexTask p, Table[] parts) => new(Table.Concat(parts, p.Schema), p.Keys);

    private static readonly TaskFunction ProbeFn = TaskFunction.Create(
        (Func<Table, JoinIndex, MergeSpec, bool, PartitionOp[], Table>)Probe,
        TaskInvokers.Call5<Table, JoinIndex, MergeSpec, bool, PartitionOp[], Table>, "join-broadcast");

    private static Table Probe(Table part, JoinIndex index, MergeSpec spec, bool probeIsLeft, PartitionOp[] ops)
        => Pipeline.Run(probeIsLeft ? spec.Join(part, index.Table, index, true) : spec.Join(index.Table, part, index, false), ops);

    private static Table JoinBucket(JoinBucketTask p, Table[] left, Table[] right)
        => Pipeline.Run(p.Spec.Join(Table.Concat(left, p.LeftSchema), Table.Concat(right, p.RightSchema), null, true), p.Ops);

    /// <inheritdoc />
    public override TaskSpec[] Lower(string[] needed, PartitionOp[] ops)
    {
        var layer = Layer(needed, ops);
        var keep = Spec.Output.Where(c => needed.Contains(c.Name)).ToList();
        var leftCols = Spec.LeftKeys.Concat(keep.Where(c => c.Left is not null).Select(c => c.Left!)).ToHashSet();
        var rightCols = Spec.RightKeys.Concat(keep.Where(c => c.Right is not null).Select(c => c.Right!)).ToHashSet();
        var lSchema = new Schema(Left.Schema.Fields.Where(f => leftCols.Contains(f.Name)));
        var rSchema = new Schema(Right.Schema.Fields.Where(f => rightCols.Contains(f.Name)));
        // the tasks join only the needed columns
        var spec = Spec with { Output = keep.ToArray(), Schema = new Schema(keep.Select(c => Schema[c.Name])) };
        var all = Restrict(spec.Schema, needed, ops);
        var lParts = Left.LowerPartitions(leftCols);
        var rParts = Right.LowerPartitions(rightCols);
        if (How != Strategy.Shuffle)
        {
            bool right = How == Strategy.BroadcastRight;
            var small = right ? rParts : lParts;
            var big = right ? lParts : rParts;
            var indexStep = LayerStep.Many<JoinIndexTask, Table, JoinIndex>("join-index", Index, new JoinIndexTask(right ? Spec.RightKeys : Spec.LeftKeys, right ? rSchema : lSchema));
            var index = indexStep.Call(LayerToken.Key("join-index", layer, 0), small);
            var probes = LayerToken.Stage(layer, "join-broadcast");
            return big.Select((p, i) => TaskSpec.Call(probes[i], ProbeFn,
                TaskArg.Of(p), TaskArg.Of(index), TaskArg.Value(spec), TaskArg.Value(right), TaskArg.Value(all))).ToArray();
        }
        int n = Buckets;
        var ls = HashShuffle.Split(lParts, layer, new TableSplit(Spec.LeftKeys, n).Step("shuffle-split-left"));
        var rs = HashShuffle.Split(rParts, layer, new TableSplit(Spec.RightKeys, n).Step("shuffle-split-right"));
        return HashShuffle.Join(ls, rs, n, layer,
            LayerStep.Gather<JoinBucketTask, Table, Table, Table>("join-bucket", JoinBucket, new JoinBucketTask(spec, all, lSchema, rSchema)));
    }
}

/// <summary>The parameters of a broadcast join's index task: the small side's key columns and schema.</summary>
internal sealed record JoinIndexTask(string[] Keys, Schema Schema);

/// <summary>The parameters of a hash join's output task: keys, join type and columns, the steps after it, and both sides' schemas.</summary>
internal sealed record JoinBucketTask(MergeSpec Spec, PartitionOp[] Ops, Schema LeftSchema, Schema RightSchema);
