namespace TaskGraph.Arrays;

/// <summary>
/// The fused elementwise program of an array: its expression tree, the output shape and chunks, and the source
/// leaves in the order their blocks are passed to the block task. It is the delegate target of every fused block
/// task and of the first stage of reductions, and is plain data (no delegates, no tasks), so those tasks can be
/// shipped to another process. Its tasks are <see cref="LayerStep"/> tasks: the parameter is the output block index
/// (<c>int[]</c>), the inputs are one source block per entry of <see cref="SourceLeaves"/>.
/// </summary>
internal sealed class BlockProgram
{
    public ElemNode Root = null!;
    public int[] Shape = [];
    public int[][] Chunks = [];
    public LeafNode[] SourceLeaves = [];

    public static BlockProgram For(ElemNode root, int[] shape, int[][] chunks)
    {
        var leaves = new List<LeafNode>();
        root.Walk(n => { if (n is LeafNode { Kind: LeafKind.Source } l) leaves.Add(l); });
        return new BlockProgram { Root = root, Shape = shape, Chunks = chunks, SourceLeaves = leaves.ToArray() };
    }

    /// <summary>The block of leaf <paramref name="leaf"/> that output block <paramref name="blockIndex"/> reads.</summary>
    public static int[] LeafBlock(LeafNode leaf, ReadOnlySpan<int> blockIndex)
    {
        var lb = new int[leaf.LeafShape.Length];
        for (int k = 0; k < leaf.AxisOf.Length; k++)
            if (leaf.AxisOf[k] >= 0) lb[leaf.AxisOf[k]] = blockIndex[k];
        return lb;
    }

    /// <summary>Task body: evaluates the block and returns it as a dense array.</summary>
    public DenseArray<T> Run<T>(int[] blockIndex, object[] sources) where T : unmanaged
    {
        var ev = new BlockEvaluator(this, blockIndex, sources, 0);
        return ev.Materialize<T>();
    }
}
