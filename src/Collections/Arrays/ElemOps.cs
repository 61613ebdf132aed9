namespace TaskGraph.Arrays;

/// <summary>How a leaf of a block program produces its values.</summary>
internal enum LeafKind : byte
{
    /// <summary>Reads a block computed by another task.</summary>
    Source,
    /// <summary>A constant (<c>Zeros</c>, <c>Ones</c>, <c>Full</c>).</summary>
    Full,
    /// <summary><c>A + B * i</c> over the global index of a 1-d array (<c>Arange</c>, <c>Linspace</c>).</summary>
    Ramp,
    /// <summary>Seeded uniform numbers in [0, 1), a pure function of seed, block and position.</summary>
    Uniform,
    /// <summary>Seeded standard normal numbers, a pure function of seed, block and position.</summary>
    Normal,
}
