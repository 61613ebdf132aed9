namespace TaskGraph.Passes;

/// <summary>
/// Cycle detection: finds a cycle in a dependency graph and names the tasks on it. Graphs built from
/// <see cref="TaskSpec"/> objects cannot have cycles; hand-written keyed graphs (<see cref="KeyedGraph"/>) and
/// explicit keys that collide can.
/// </summary>
public static class CycleCheck
{
    /// <summary>Throws <see cref="GraphCycleException"/> if <paramref name="dependencies"/> has a cycle.</summary>
    public static void Run(Adjacency dependencies, Func<int, string> nameOf)
    {
        var cycle = Find(dependencies, -1, nameOf);
        if (cycle is not null) throw new GraphCycleException(cycle);
    }

    /// <summary>
    /// A cycle as names (first repeated at the end), or null. Starts from <paramref name="from"/> when it is a
    /// node, else tries every node. Iterative depth-first search with three colours.
    /// </summary>
    public static IReadOnlyList<string>? Find(Adjacency dependencies, int from, Func<int, string> nameOf)
    {
        int n = dependencies.Count;
        var state = new byte[n];
        var stackNode = new List<int>();
        var stackNext = new List<int>();
        IEnumerable<int> roots = from >= 0 ? [from] : Enumerable.Range(0, n);
        foreach (var root in roots)
        {
            if (state[root] != 0) continue;
            stackNode.Add(root); stackNext.Add(0); state[root] = 1;
            while (stackNode.Count > 0)
            {
                int top = stackNode.Count - 1, v = stackNode[top];
                var deps = dependencies[v];
                if (stackNext[top] < deps.Length)
                {
                    int c = deps[stackNext[top]++];
                    if (state[c] == 1)
                    {
                        int at = stackNode.LastIndexOf(c);
                        var names = stackNode.Skip(at).Select(nameOf).ToList();
                        names.Add(nameOf(c));
                        return names;
                    }
                    if (state[c] == 0) { state[c] = 1; stackNode.Add(c); stackNext.Add(0); }
                }
                else
                {
                    state[v] = 2;
                    stackNode.RemoveAt(top); stackNext.RemoveAt(top);
                }
            }
        }
        return null;
    }
}
