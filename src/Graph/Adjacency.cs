namespace TaskGraph;

/// <summary>
/// Edges of a graph of <c>n</c> int-indexed nodes in compressed sparse row form: the neighbours of node
/// <c>i</c> are <c>Items[Start[i] .. Start[i + 1]]</c>. Two flat arrays instead of a list per node keep
/// million-task plans compact and cache-friendly.
/// </summary>
public sealed class Adjacency
{
    private readonly int[] _start;
    private readonly int[] _items;

    /// <summary>Wraps existing arrays (<paramref name="start"/> has one more entry than there are nodes).</summary>
    public Adjacency(int[] start, int[] items)
    {
        _start = start;
        _items = items;
    }

    /// <summary>The flat neighbour array (all nodes' neighbours, node after node).</summary>
    internal int[] Items => _items;

    /// <summary>Where each node's neighbours start in <see cref="Items"/> (one more entry than nodes).</summary>
    internal int[] Starts => _start;

    /// <summary>Number of nodes.</summary>
    public int Count => _start.Length - 1;

    /// <summary>Number of edges.</summary>
    public int EdgeCount => _items.Length;

    /// <summary>The neighbours of <paramref name="node"/>.</summary>
    public ReadOnlySpan<int> this[int node] => _items.AsSpan(_start[node], _start[node + 1] - _start[node]);

    /// <summary>How many neighbours <paramref name="node"/> has.</summary>
    public int Degree(int node) => _start[node + 1] - _start[node];

    /// <summary>The reversed edges (dependencies become dependents), neighbours in ascending order.</summary>
    public Adjacency Transpose()
    {
        int n = Count;
        var start = new int[n + 1];
        foreach (var t in _items) start[t + 1]++;
        for (int i = 0; i < n; i++) start[i + 1] += start[i];
        var fill = start[..^1].Clone() as int[];
        var items = new int[_items.Length];
        for (int i = 0; i < n; i++)
            foreach (var t in this[i]) items[fill![t]++] = i;
        return new Adjacency(start, items);
    }

    /// <summary>Builds an adjacency from per-node lists (for tests and small graphs).</summary>
    public static Adjacency FromLists(IReadOnlyList<int[]> lists)
    {
        var start = new int[lists.Count + 1];
        for (int i = 0; i < lists.Count; i++) start[i + 1] = start[i] + lists[i].Length;
        var items = new int[start[^1]];
        for (int i = 0; i < lists.Count; i++) lists[i].CopyTo(items, start[i]);
        return new Adjacency(start, items);
    }
}
