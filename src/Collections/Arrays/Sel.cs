namespace TaskGraph.Arrays;

/// <summary>
/// One axis of a slice: an integer index (the axis disappears), a range with an optional positive step, or all.
/// Converts implicitly from <see cref="int"/> and <see cref="System.Range"/>: <c>x[2, 1..^1]</c>,
/// <c>x[Sel.All, Sel.Range(0, 10, 3)]</c>.
/// </summary>
public readonly struct Sel
{
    internal readonly bool IsIndex;
    internal readonly int Index;
    internal readonly Range Range;
    internal readonly int Step;

    private Sel(bool isIndex, int index, Range range, int step)
    {
        IsIndex = isIndex; Index = index; Range = range; Step = step;
    }

    /// <summary>Every element of the axis.</summary>
    public static Sel All => new(false, 0, System.Range.All, 1);

    /// <summary>One element (negative counts from the end); the axis is dropped.</summary>
    public static Sel At(int index) => new(true, index, default, 1);

    /// <summary>Elements <c>start, start+step, …</c> below <paramref name="stop"/> (null: the end).</summary>
    public static Sel Slice(int? start, int? stop, int step = 1)
    {
        if (step <= 0) throw new ArgumentOutOfRangeException(nameof(step), $"Slice step must be positive, got {step}.");
        Index s = start is int a ? (a < 0 ? ^(-a) : a) : 0;
        Index e = stop is int b ? (b < 0 ? ^(-b) : b) : ^0;
        return new(false, 0, new Range(s, e), step);
    }

    /// <summary>A one-element selection.</summary>
    public static implicit operator Sel(int index) => At(index);

    /// <summary>A range selection with step 1.</summary>
    public static implicit operator Sel(Range range) => new(false, 0, range, 1);
}
