namespace TaskGraph.Arrays;

public sealed partial class NdArray<E>
{
    /// <summary>
    /// The diagonal of a 2-d array as a 1-d array: elements (k, k + <paramref name="offset"/>), NumPy's
    /// <c>diagonal</c> (Dask's <c>da.diagonal</c>, and <c>da.diag</c> of a matrix). Each output chunk is the run of
    /// the diagonal that crosses one input block, so only the blocks the diagonal passes through are read. An
    /// offset past the edge gives an empty array, as in NumPy.
    /// </summary>
    public NdArray<E> Diagonal(int offset = 0)
    {
        if (Rank != 2) throw new ArgumentException($"Diagonal needs a 2-d array, got shape {ShapeMath.Format(ShapeRef)}.");
        int rows = ShapeRef[0], cols = ShapeRef[1];
        long firstRow = offset >= 0 ? 0 : -(long)offset, firstCol = offset >= 0 ? offset : 0;
        long length = Math.Max(0, Math.Min(rows - firstRow, cols - firstCol));
        var rowEdges = ShapeMath.Offsets(ChunksRef[0]);
        var colEdges = ShapeMath.Offsets(ChunksRef[1]);
        // Walk the diagonal: a run ends where it leaves its row block or its column block.
        var runs = new List<(int RowBlock, int ColBlock, int[] Plan)>();
        int rb = 0, cb = 0;
        for (long k = 0; k < length;)
        {
            long r = firstRow + k, c = firstCol + k;
            while (rowEdges[rb + 1] <= r) rb++;
            while (colEdges[cb + 1] <= c) cb++;
            int count = (int)Math.Min(Math.Min(rowEdges[rb + 1] - r, colEdges[cb + 1] - c), length - k);
            runs.Add((rb, cb, [(int)(r - rowEdges[rb]), (int)(c - colEdges[cb]), count]));
            k += count;
        }
        var src = Grid;
        var layer = LayerToken.Of("array-diagonal", src, offset);
        if (runs.Count == 0)
        {
            var empty = TaskFunction.Create(new Func<int[], DenseArray<E>>(EmptyBlock), TaskInvokers.Call1<int[], DenseArray<E>>, "diagonal");
            var none = TaskSpec.Call(TaskKey.ForPartition("diagonal", layer, 0), empty, TaskArg.Value(new[] { 0 }));
            return FromGrid(new BlockGrid([0], [[0]], DType, [none], layer), "diagonal");
        }
        var fn = TaskFunction.Create(new Func<DenseArray<E>, int[], DenseArray<E>>(DiagonalRun), TaskInvokers.Call2<DenseArray<E>, int[], DenseArray<E>>, "diagonal");
        var specs = runs.Select((run, f) => TaskSpec.Call(TaskKey.ForPartition("diagonal", layer, f), fn, TaskArg.Of(src.At([run.RowBlock, run.ColBlock])), TaskArg.Value(run.Plan))).ToArray();
        var chunks = runs.Select(run => run.Plan[2]).ToArray();
        return FromGrid(new BlockGrid([(int)length], [chunks], DType, specs, layer), "diagonal");
    }

    /// <summary>The sum of the diagonal (NumPy's <c>trace</c>): <c>Diagonal(offset).Sum()</c>, reading only diagonal blocks.</summary>
    public NdArray<E> Trace(int offset = 0) => Diagonal(offset).Sum();

    /// <summary><c>plan</c> = (row, column, count): the run <c>block[row + i, column + i]</c> for i &lt; count.</summary>
    private static DenseArray<E> DiagonalRun(DenseArray<E> block, int[] plan)
    {
        int row = plan[0], col = plan[1], count = plan[2], width = block.Shape[1];
        var data = new E[count];
        for (int i = 0; i < count; i++) data[i] = block.Data[(long)(row + i) * width + col + i];
        return new DenseArray<E>(data, count);
    }
}
