namespace TaskGraph.Arrays;

/// <summary>
/// One entry of a selection, as in NumPy's indexing: an integer index (the axis disappears), a range with a step
/// (negative steps walk backwards), an integer array (fancy indexing, <see cref="Take"/>), a new axis of length 1
/// (<see cref="NewAxis"/>), or all. Converts implicitly from <see cref="int"/>, <see cref="System.Range"/> and
/// <c>int[]</c>: <c>x[2, 1..^1]</c>, <c>x[Sel.All, Sel.Slice(null, null, -1)]</c>, <c>x[new[] { 3, 0, 3 }]</c>,
/// <c>x[Sel.NewAxis, Sel.All]</c>.
/// </summary>
public readonly struct Sel
{
    internal readonly bool IsIndex;
    internal readonly int Index;
    internal readonly Range Range;
    internal readonly int Step;
    /// <summary>For a negative step: the start and stop as given (null: NumPy's defaults, the last element and past the first).</summary>
    internal readonly int? From, To;
    /// <summary>For fancy indexing: the positions taken, in order (negative count from the end).</summary>
    internal readonly int[]? Indices;
    internal readonly bool IsNewAxis;

    private Sel(bool isIndex, int index, Range range, int step, int? from = null, int? to = null, int[]? indices = null, bool newAxis = false)
    {
        IsIndex = isIndex; Index = index; Range = range; Step = step; From = from; To = to; Indices = indices; IsNewAxis = newAxis;
    }

    /// <summary>A new axis of length 1 at this position (NumPy's <c>np.newaxis</c>/<c>None</c>); it reads no input axis.</summary>
    public static Sel NewAxis => new(false, 0, System.Range.All, 1, newAxis: true);

    /// <summary>The elements at <paramref name="indices"/> along this axis, in that order, repeats allowed (NumPy's integer-array indexing).</summary>
    public static Sel Take(params int[] indices) => new(false, 0, System.Range.All, 1, indices: (int[])(indices ?? throw new ArgumentNullException(nameof(indices))).Clone());

    /// <summary>Integer-array (fancy) indexing along this axis.</summary>
    public static implicit operator Sel(int[] indices) => Take(indices);

    /// <summary>Every element of the axis.</summary>
    public static Sel All => new(false, 0, System.Range.All, 1);

    /// <summary>One element (negative counts from the end); the axis is dropped.</summary>
    public static Sel At(int index) => new(true, index, default, 1);

    /// <summary>
    /// Elements <c>start, start+step, …</c> up to but excluding <paramref name="stop"/>, as Python's
    /// <c>start:stop:step</c>: a negative step walks backwards (null start: the last element, null stop: past the
    /// first), so <c>Sel.Slice(null, null, -1)</c> reverses the axis.
    /// </summary>
    public static Sel Slice(int? start, int? stop, int step = 1)
    {
        if (step == 0) throw new ArgumentOutOfRangeException(nameof(step), "Slice step cannot be zero.");
        if (step < 0) return new(false, 0, System.Range.All, step, start, stop);
        Index s = start is int a ? (a < 0 ? ^(-a) : a) : 0;
        Index e = stop is int b ? (b < 0 ? ^(-b) : b) : ^0;
        return new(false, 0, new Range(s, e), step);
    }

    /// <summary>A one-element selection.</summary>
    public static implicit operator Sel(int index) => At(index);

    /// <summary>A range selection with step 1.</summary>
    public static implicit operator Sel(Range range) => new(false, 0, range, 1);
}
