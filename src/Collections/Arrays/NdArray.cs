using System.Text;

namespace TaskGraph.Arrays;

/// <summary>
/// A lazy, chunked n-dimensional array in the style of <c>dask.array</c>: a shape, chunks along every axis and a
/// grid of block tasks. This untyped base holds what every element type shares and the static constructors
/// (<see cref="Random(int[], int[], ulong)"/>, <see cref="Zeros{E}(int[], int[])"/>, <see cref="FromArray{E}(E[], int[], int[])"/>…);
/// <see cref="NdArray{E}"/> adds the typed operations.
/// <para>
/// Elementwise operations do not add tasks: the array keeps a per-block <em>program</em> (an expression over
/// source blocks and generated leaves) that is lowered to exactly one task per block when something needs the
/// blocks (blockwise fusion). Reductions run the program inside their first-stage tasks, so
/// <c>(x + x.T).Mean(0)</c> over a random <c>x</c> is one task per block that generates, adds and reduces.
/// </para>
/// </summary>
[TypeFormatterSource(typeof(NdArrayFormatterSource), PreferredMimeTypes = [HtmlFormatterSource.Html])]
public abstract partial class NdArray
{
    private readonly int[] _shape;
    private readonly int[][] _chunks;
    private BlockGrid? _grid;

    private protected NdArray(int[] shape, int[][] chunks, ElemNode expr, BlockGrid[] inputs, string name)
    {
        ShapeMath.CheckChunks(shape, chunks);
        _shape = shape;
        _chunks = chunks;
        Expr = expr;
        Inputs = inputs;
        Name = name;
    }

    /// <summary>The per-block program of this array.</summary>
    internal ElemNode Expr { get; }

    /// <summary>The materialized layers the program's source leaves read (indexed by <see cref="LeafNode.Slot"/>).</summary>
    internal BlockGrid[] Inputs { get; }

    /// <summary>Name of the operation that made this array (the prefix of its block keys).</summary>
    internal string Name { get; }

    internal int[] ShapeRef => _shape;
    internal int[][] ChunksRef => _chunks;

    /// <summary>The element type.</summary>
    public DType DType => Expr.Type;

    /// <summary>The extent of each axis (a copy).</summary>
    public int[] Shape => (int[])_shape.Clone();

    /// <summary>The number of axes.</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of elements.</summary>
    public long Size => ShapeMath.Size(_shape);

    /// <summary>The block sizes along each axis (copies).</summary>
    public int[][] Chunks => _chunks.Select(c => (int[])c.Clone()).ToArray();

    /// <summary>The number of blocks along each axis.</summary>
    public int[] NumBlocks => ShapeMath.GridShape(_chunks);

    /// <summary>True when the array is exactly a layer of block tasks (no pending fused program).</summary>
    internal bool IsMaterialized => Expr is LeafNode { Kind: LeafKind.Source } l && IsIdentity(l, _shape.Length) && Inputs[l.Slot].Shape.SequenceEqual(_shape);

    /// <summary>The layer of block tasks: the source layer itself, or one fused task per block running the program.</summary>
    internal BlockGrid Grid => _grid ??= Lower();

    /// <summary>
    /// The number of distinct tasks in this array's graph (its blocks and everything they depend on), counted
    /// without running anything. Fused elementwise chains count one task per block.
    /// </summary>
    public int TaskCount
    {
        get
        {
            var seen = new HashSet<TaskKey>();
            var stack = new Stack<TaskSpec>(Grid.Specs);
            while (stack.Count > 0)
            {
                var s = stack.Pop();
                if (!seen.Add(s.Key)) continue;
                foreach (var d in s.Dependencies) stack.Push(d);
            }
            return seen.Count;
        }
    }

    /// <summary>Shape, chunks, element type and task count, e.g. <c>NdArray&lt;float64&gt; shape (4000, 4000) chunks (1000×4, 1000×4) tasks 16</c>.</summary>
    public override string ToString()
        => new StringBuilder("NdArray<").Append(DTypes.Name(DType)).Append("> shape ").Append(ShapeMath.Format(_shape))
            .Append(" chunks ").Append(ShapeMath.FormatChunks(_chunks)).Append(" blocks ").Append(ShapeMath.Size(NumBlocks))
            .Append(" tasks ").Append(TaskCount).ToString();

    internal static bool IsIdentity(LeafNode l, int n)
    {
        if (l.AxisOf.Length != n || l.LeafShape.Length != n) return false;
        for (int k = 0; k < n; k++) if (l.AxisOf[k] != k) return false;
        return true;
    }

    private BlockGrid Lower()
    {
        if (IsMaterialized)
        {
            var src = Inputs[((LeafNode)Expr).Slot];
            if (src.Chunks.Zip(_chunks).All(p => p.First.SequenceEqual(p.Second))) return src;
        }
        var program = BlockProgram.For(Expr, _shape, _chunks);
        var step = BlockStep(program);
        var grid = ShapeMath.GridShape(_chunks);
        var specs = new TaskSpec[ShapeMath.Size(grid)];
        var layer = LayerToken.Of("array-" + Name, Expr, Inputs.ToList(), _shape, _chunks);
        for (int f = 0; f < specs.Length; f++)
        {
            var g = ShapeMath.Unflatten(grid, f);
            var sources = new TaskSpec[program.SourceLeaves.Length];
            for (int i = 0; i < sources.Length; i++)
            {
                var leaf = program.SourceLeaves[i];
                sources[i] = Inputs[leaf.Slot].At(BlockProgram.LeafBlock(leaf, g));
            }
            specs[f] = step.With(g).Call(TaskKey.ForPartition(Name, layer, f), sources);
        }
        return new BlockGrid(_shape, _chunks, DType, specs, layer);
    }

    /// <summary>The task function running <paramref name="program"/> for one block, typed by the element type.</summary>
    private protected abstract LayerStep BlockStep(BlockProgram program);

    /// <summary>A source leaf reading <paramref name="grid"/> as is.</summary>
    internal static LeafNode SourceLeaf(BlockGrid grid, int slot = 0) => new()
    {
        Kind = LeafKind.Source,
        Type = grid.Type,
        Slot = slot,
        AxisOf = Enumerable.Range(0, grid.Shape.Length).ToArray(),
        LeafShape = grid.Shape,
        LeafChunks = grid.Chunks,
    };

    /// <summary>The program of this array rewritten for an output of <paramref name="outShape"/> by NumPy broadcasting (trailing axes aligned).</summary>
    internal ElemNode BroadcastExpr(int[] outShape, int slotOffset)
    {
        int n = outShape.Length, nc = _shape.Length, lead = n - nc;
        return Expr.MapLeaves(l =>
        {
            var axisOf = new int[n];
            for (int k = 0; k < n; k++)
            {
                int j = k - lead;
                axisOf[k] = j < 0 || (_shape[j] == 1 && outShape[k] != 1) ? -1 : l.AxisOf[j];
            }
            return l.With(axisOf, slotOffset);
        });
    }
}
