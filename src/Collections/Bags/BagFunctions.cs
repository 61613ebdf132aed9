namespace TaskGraph.Bags;

/// <summary>Static task bodies shared by the bag operations (static methods: no closure to ship).</summary>
internal static class BagFunctions<T>
{
    /// <summary>Concatenates partition lists in order.</summary>
    public static List<T> Concat(BagConcat _, List<T>[] parts)
    {
        int total = 0;
        foreach (var p in parts) total += p.Count;
        var all = new List<T>(total);
        foreach (var p in parts) all.AddRange(p);
        return all;
    }

    /// <summary>The element itself (the default key of <c>TopK</c>).</summary>
    public static T Identity(T item) => item;

    /// <summary>Combine step of <c>Any</c>.</summary>
    public static bool Or(bool a, bool b) => a || b;

    /// <summary>Combine step of <c>All</c>.</summary>
    public static bool And(bool a, bool b) => a && b;

    /// <summary>Fold step of <c>Count</c>.</summary>
    public static long CountOne(long count, T item) => count + 1;

    /// <summary>Combine step of <c>Count</c>.</summary>
    public static long AddCounts(long a, long b) => a + b;

    /// <summary>Fold step of <c>Min</c>: (seen anything, smallest so far).</summary>
    public static (bool, T) KeepMin((bool Has, T Value) acc, T item)
        => !acc.Has || Comparer<T>.Default.Compare(item, acc.Value) < 0 ? (true, item) : acc;

    /// <summary>Combine step of <c>Min</c>.</summary>
    public static (bool, T) CombineMin((bool Has, T Value) a, (bool Has, T Value) b) => b.Has ? KeepMin(a, b.Value) : a;

    /// <summary>Fold step of <c>Max</c>: (seen anything, largest so far).</summary>
    public static (bool, T) KeepMax((bool Has, T Value) acc, T item)
        => !acc.Has || Comparer<T>.Default.Compare(item, acc.Value) > 0 ? (true, item) : acc;

    /// <summary>Combine step of <c>Max</c>.</summary>
    public static (bool, T) CombineMax((bool Has, T Value) a, (bool Has, T Value) b) => b.Has ? KeepMax(a, b.Value) : a;

    /// <summary>The minimum, or a clear error for an empty bag.</summary>
    public static T MinOrThrow((bool Has, T Value) r) => r.Has ? r.Value : throw new InvalidOperationException("Min of an empty bag.");

    /// <summary>The maximum, or a clear error for an empty bag.</summary>
    public static T MaxOrThrow((bool Has, T Value) r) => r.Has ? r.Value : throw new InvalidOperationException("Max of an empty bag.");

    /// <summary>The distinct items of one partition, in order of first appearance.</summary>
    public static List<T> DistinctOf(IReadOnlyList<T> items)
    {
        var seen = new HashSet<T>();
        var result = new List<T>();
        foreach (var x in items)
            if (seen.Add(x)) result.Add(x);
        return result;
    }

    /// <summary>Merges distinct lists, keeping the first appearance across the inputs in order.</summary>
    public static List<T> MergeDistinct(IReadOnlyList<List<T>> parts)
    {
        var seen = new HashSet<T>();
        var result = new List<T>();
        foreach (var part in parts)
            foreach (var x in part)
                if (seen.Add(x)) result.Add(x);
        return result;
    }

    /// <summary>Sorts (item, count) pairs by descending count; ties keep their order (a stable sort).</summary>
    public static IEnumerable<(T Item, long Count)> SortByCount(IReadOnlyList<(T Item, long Count)> pairs)
        => pairs.OrderByDescending(p => p.Count);
}

/// <summary>The parameters of a bag's concatenation task: none (the element type is the body's type argument).</summary>
internal sealed record BagConcat;
