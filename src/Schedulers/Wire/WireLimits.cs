namespace TaskGraph.Wire;

/// <summary>
/// Bounds on what the decoder accepts from another process, checked before anything is allocated (see
/// <see cref="WireCodec.Read(WireReader, WireLimits?)"/>). A message beyond a limit fails with
/// <see cref="WireException"/> naming the limit. Over a byte array every length is also checked against the bytes
/// actually there, so these only matter for honest but huge messages and for streams.
/// </summary>
internal sealed record WireLimits
{
    /// <summary>The limits used when none are given.</summary>
    public static WireLimits Default { get; } = new();

    /// <summary>Most bytes one value may take on the wire (default 2 GiB, the largest byte array).</summary>
    public long MaxMessageBytes { get; init; } = Array.MaxLength;

    /// <summary>
    /// Most elements in an array sent element by element, a dictionary or a set (default 16,777,216). Arrays of
    /// unmanaged values (columns, array blocks) are raw memory and bounded by <see cref="MaxMessageBytes"/> only.
    /// </summary>
    public int MaxCollectionCount { get; init; } = 1 << 24;

    /// <summary>Most characters in one string (default 268,435,456: 512 MiB).</summary>
    public int MaxStringLength { get; init; } = 1 << 28;

    /// <summary>
    /// Deepest nesting of objects, arrays and collections in one value (default 1,000). The encoder refuses
    /// deeper values too, so what one process sends the other accepts.
    /// </summary>
    public int MaxDepth { get; init; } = 1000;

    /// <summary>
    /// Most bytes of one assembly compiled in memory (a notebook cell) that the process pool ships to a worker
    /// (default 64 MiB; a cell's assembly is a few KB).
    /// </summary>
    public int MaxAssemblyBytes { get; init; } = 64 << 20;
}
