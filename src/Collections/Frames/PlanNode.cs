namespace TaskGraph.Frames;

/// <summary>
/// A node of a frame's logical plan: it knows its schema and partition count without computing anything, and
/// lowers to one graph task per output partition at compute time. Lowering receives the columns the consumer
/// needs (so sources parse only those: projection pushdown) and the trailing per-partition steps, which the node
/// runs inside its own last task per partition (so they never cost an extra task).
/// </summary>
internal abstract class PlanNode : ITokenizable
{
    [TokenIgnore] private object? _identity; // a boxed Token, published once (a reference write is atomic)

    /// <summary>
    /// The node's deterministic identity, mixed into its task keys: its type and EVERY instance field (input frames by
    /// their own identities and steps, keys, options, file facts, ...), so a parameter a node gains later enters its
    /// keys without further code, and the same plan built twice gives the same keys. A field that cannot be
    /// fingerprinted (a user function with opaque state) makes the identity unique to this node. A field that is not a
    /// parameter (a cache) must be marked <see cref="TokenIgnoreAttribute"/>.
    /// </summary>
    protected Token Identity
    {
        get
        {
            if (_identity is Token known) return known;
            var b = new TokenBuilder("frame-node");
            var token = ValueTokenizer.TryAddFields(ref b, this) ? b.Finish() : ValueTokenizer.Unique();
            return (Token)(Interlocked.CompareExchange(ref _identity, token, null) ?? token);
        }
    }

    /// <inheritdoc />
    public void AddToken(ref TokenBuilder builder) => builder.Add(Identity);

    /// <summary>The output schema.</summary>
    public abstract Schema Schema { get; }

    /// <summary>Number of output partitions.</summary>
    public abstract int NPartitions { get; }

    /// <summary>One task per partition computing <c>Pipeline.Run(output restricted to needed, ops)</c>.</summary>
    public abstract TaskSpec[] Lower(string[] needed, PartitionOp[] ops);

    /// <summary>The layer token of one lowering (same node, columns and steps give the same keys).</summary>
    protected Token Layer(string[] needed, PartitionOp[] ops)
    {
        var b = new TokenBuilder("frame-layer");
        b.Add(Identity);
        b.Add((ulong)needed.Length);
        foreach (var n in needed) b.Add(n);
        b.Add((ulong)ops.Length);
        foreach (var op in ops)
            if (!ValueTokenizer.TryAdd(ref b, op)) return ValueTokenizer.Unique();
        return b.Finish();
    }

    /// <summary>A partition key; the layer name is mixed into the token because keys compare by token alone.</summary>
    internal static TaskKey PartKey(string name, Token layer, int index)
    {
        var b = new TokenBuilder(0x4B4559UL);
        b.Add(layer);
        b.Add(name);
        return TaskKey.ForPartition(name, b.Finish(), index);
    }

    internal static readonly TaskFunction RunOps = TaskFunction.Create(
        (Func<Table, PartitionOp[], Table>)Pipeline.Run, TaskInvokers.Call2<Table, PartitionOp[], Table>, "ops");

    /// <summary>Adds a projection to <paramref name="needed"/> in front of <paramref name="ops"/> when the input has more.</summary>
    internal static PartitionOp[] Restrict(Schema input, string[] needed, PartitionOp[] ops)
    {
        if (needed.Length == input.Count && needed.SequenceEqual(input.Names)) return ops;
        return [new ProjectOp(needed, needed.Select(Expr.Col).ToArray()), .. ops];
    }
}
