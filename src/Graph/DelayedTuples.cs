namespace TaskGraph;

/// <summary>
/// Splits delayed tuples into delayed parts (Dask's <c>nout</c>): each part is a small task reading one item,
/// so later tasks depend only on the part they use.
/// </summary>
public static class DelayedTuples
{
    /// <summary>The two parts of a delayed pair.</summary>
    public static (Delayed<A>, Delayed<B>) Split<A, B>(this Delayed<(A, B)> pair)
        => (pair.Then(static t => t.Item1, "item1"), pair.Then(static t => t.Item2, "item2"));

    /// <summary>The three parts of a delayed triple.</summary>
    public static (Delayed<A>, Delayed<B>, Delayed<C>) Split<A, B, C>(this Delayed<(A, B, C)> triple)
        => (triple.Then(static t => t.Item1, "item1"), triple.Then(static t => t.Item2, "item2"), triple.Then(static t => t.Item3, "item3"));

    /// <summary>The four parts of a delayed quadruple.</summary>
    public static (Delayed<A>, Delayed<B>, Delayed<C>, Delayed<D>) Split<A, B, C, D>(this Delayed<(A, B, C, D)> quad)
        => (quad.Then(static t => t.Item1, "item1"), quad.Then(static t => t.Item2, "item2"),
            quad.Then(static t => t.Item3, "item3"), quad.Then(static t => t.Item4, "item4"));

    /// <summary>The items of a delayed array of known length, each as its own delayed value.</summary>
    public static Delayed<T>[] Split<T>(this Delayed<T[]> array, int count)
        => Enumerable.Range(0, count).Select(i => Delayed.Combine<T[], int, T>(array, i, static (a, j) => a[j], "item")).ToArray();
}
