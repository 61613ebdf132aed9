namespace TaskGraph.Arrays;

/// <summary>
/// One node of a block program: the per-block expression that a chain of elementwise operations builds
/// (Dask's blockwise fusion). A program is plain data (no delegates, no tasks), so the single task that runs it
/// for a block can be shipped to another process; <see cref="BlockEvaluator"/> runs it tile by tile.
/// </summary>
internal abstract class ElemNode : ITokenizable
{
    /// <summary>The element type this node produces.</summary>
    public DType Type;

    /// <summary>Fingerprints the whole tree (operators, constants, leaves with their seeds and layouts) for layer keys.</summary>
    public void AddToken(ref TokenBuilder b)
    {
        if (!TryAddNode(ref b, this)) b.Add(ValueTokenizer.Unique());
    }

    private static bool TryAddNode(ref TokenBuilder b, ElemNode n)
    {
        b.Add((ulong)n.Type);
        switch (n)
        {
            case LeafNode l:
                b.Add(10); b.Add((ulong)l.Kind); b.Add((ulong)l.Slot);
                b.Add(BitConverter.DoubleToUInt64Bits(l.A)); b.Add(BitConverter.DoubleToUInt64Bits(l.B)); b.Add(l.Seed);
                return ValueTokenizer.TryAdd(ref b, l.AxisOf) && ValueTokenizer.TryAdd(ref b, l.LeafShape) && ValueTokenizer.TryAdd(ref b, l.LeafChunks);
            case ScalarNode s: b.Add(11); b.Add(BitConverter.DoubleToUInt64Bits(s.Value)); return true;
            case UnaryNode u: b.Add(12); b.Add((ulong)u.Op); return TryAddNode(ref b, u.X);
            case BinaryNode x: b.Add(13); b.Add((ulong)x.Op); return TryAddNode(ref b, x.L) && TryAddNode(ref b, x.R);
            case WhereNode w: b.Add(14); return TryAddNode(ref b, w.C) && TryAddNode(ref b, w.A) && TryAddNode(ref b, w.B);
            case CastNode c: b.Add(15); return TryAddNode(ref b, c.X);
            default: return false;
        }
    }

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
    public UnaryOp Op;
    public ElemNode X = null!;
    public override ElemNode MapLeaves(Func<LeafNode, LeafNode> f) => new UnaryNode { Type = Type, Op = Op, X = X.MapLeaves(f) };
    public override void Walk(Action<ElemNode> visit) { X.Walk(visit); visit(this); }
}

internal sealed class BinaryNode : ElemNode
{
    public BinaryOp Op;
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
