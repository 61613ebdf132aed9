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

    /// <summary>
    /// The layer token of one lowering, in the collections' one key scheme (<see cref="LayerToken"/>): the node's
    /// identity, the columns and the steps (same node, columns and steps give the same keys). Its tasks are keyed by
    /// <see cref="LayerToken.Key"/> or <see cref="LayerToken.Stage"/> under it.
    /// </summary>
    protected Token Layer(string[] needed, PartitionOp[] ops) => LayerToken.Of("frame-layer", Identity, needed, ops);

    internal static readonly TaskFunction RunOps = TaskFunction.Create(
        (Func<Table, PartitionOp[], Table>)Pipeline.Run, TaskInvokers.Call2<Table, PartitionOp[], Table>, "ops");

    /// <summary>Adds a projection to <paramref name="needed"/> in front of <paramref name="ops"/> when the input has more.</summary>
    internal static PartitionOp[] Restrict(Schema input, string[] needed, PartitionOp[] ops)
    {
        if (needed.Length == input.Count && needed.SequenceEqual(input.Names)) return ops;
        return [new ProjectOp(needed, needed.Select(Expr.Col).ToArray()), .. ops];
    }
}
