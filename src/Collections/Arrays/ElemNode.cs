namespace TaskGraph.Arrays;

/// <summary>
/// One node of a block program: the per-block expression that a chain of elementwise operations builds
/// (Dask's blockwise fusion). A program is plain data (no delegates, no tasks), so the single task that runs it
/// for a block can be shipped to another process; <see cref="BlockEvaluator"/> runs it tile by tile.
/// </summary>
internal abstract class ElemNode
{
    /// <summary>The element type this node produces.</summary>
    public DType Type;

    /// <summary>A copy of this tree with every leaf replaced by <paramref name="f"/>(leaf).</summary>
    public abstract ElemNode MapLeaves(Func<LeafNode, LeafNode> f);

    /// <summary>Visits every node, children first.</summary>
    public abstract void Walk(Action<ElemNode> visit);
}

/// <summary>
/// A leaf: a source block or a generated one. <see cref="AxisOf"/> says, for each axis of the program's output,
/// which axis of the leaf's own array it runs along (-1: the leaf is broadcast along it). Transposes, broadcasting
/// and new axes are only rewrites of this map, so they cost no task.
/// </summary>
internal sealed class LeafNode : ElemNode
{
    public LeafKind Kind;
    /// <summary>For <see cref="LeafKind.Source"/>: which input grid of the program the blocks come from.</summary>
    public int Slot;
    public int[] AxisOf = [];
    /// <summary>Shape and chunks of the leaf's own array (a size-1 axis that is broadcast has chunks [1]).</summary>
    public int[] LeafShape = [];
    public int[][] LeafChunks = [];
    /// <summary>Generator parameters: the constant, or ramp start and step.</summary>
    public double A, B;
    public ulong Seed;

    public LeafNode With(int[] axisOf, int slotOffset = 0)
    {
        var c = (LeafNode)MemberwiseClone();
        c.AxisOf = axisOf;
        c.Slot = Slot + slotOffset;
        return c;
    }

    public override ElemNode MapLeaves(Func<LeafNode, LeafNode> f) => f(this);
    public override void Walk(Action<ElemNode> visit) => visit(this);
}

/// <summary>A scalar operand (broadcast to every element).</summary>
internal sealed class ScalarNode : ElemNode
{
    public double Value;
    public override ElemNode MapLeaves(Func<LeafNode, LeafNode> f) => this;
    public override void Walk(Action<ElemNode> visit) => visit(this);
}

internal sealed class UnaryNode : ElemNode
{
    public UnOp Op;
    public ElemNode X = null!;
    public override ElemNode MapLeaves(Func<LeafNode, LeafNode> f) => new UnaryNode { Type = Type, Op = Op, X = X.MapLeaves(f) };
    public override void Walk(Action<ElemNode> visit) { X.Walk(visit); visit(this); }
}

internal sealed class BinaryNode : ElemNode
{
    public BinOp Op;
    public ElemNode L = null!, R = null!;
    public override ElemNode MapLeaves(Func<LeafNode, LeafNode> f) => new BinaryNode { Type = Type, Op = Op, L = L.MapLeaves(f), R = R.MapLeaves(f) };
    public override void Walk(Action<ElemNode> visit) { L.Walk(visit); R.Walk(visit); visit(this); }
}

internal sealed class WhereNode : ElemNode
{
    public ElemNode C = null!, A = null!, B = null!;
    public override ElemNode MapLeaves(Func<LeafNode, LeafNode> f) => new WhereNode { Type = Type, C = C.MapLeaves(f), A = A.MapLeaves(f), B = B.MapLeaves(f) };
    public override void Walk(Action<ElemNode> visit) { C.Walk(visit); A.Walk(visit); B.Walk(visit); visit(this); }
}

internal sealed class CastNode : ElemNode
{
    public ElemNode X = null!;
    public override ElemNode MapLeaves(Func<LeafNode, LeafNode> f) => new CastNode { Type = Type, X = X.MapLeaves(f) };
    public override void Walk(Action<ElemNode> visit) { X.Walk(visit); visit(this); }
}
