namespace TaskGraph.Arrays;

/// <summary>
/// A materialized array layer: one task per block, in C order over the block grid. Each task returns a
/// <see cref="DenseArray{T}"/> whose shape is the block's.
/// </summary>
internal sealed class BlockGrid : ITokenizable
{
    public BlockGrid(int[] shape, int[][] chunks, DType type, TaskSpec[] specs, Token token)
    {
        Token = token;
        Shape = shape;
        Chunks = chunks;
        Type = type;
        Specs = specs;
        GridShape = ShapeMath.GridShape(chunks);
    }

    public int[] Shape { get; }
    public int[][] Chunks { get; }
    public int[] GridShape { get; }
    public DType Type { get; }
    public TaskSpec[] Specs { get; }

    /// <summary>Fingerprint of the layer (see <see cref="LayerToken"/>).</summary>
    public Token Token { get; }

    /// <summary>A grid stands for its layer in the keys of the layers that read it.</summary>
    public void AddToken(ref TokenBuilder builder) => builder.Add(Token);

    public TaskSpec At(ReadOnlySpan<int> blockIndex) => Specs[ShapeMath.FlatBlock(GridShape, blockIndex)];
}
