namespace TaskGraph.Passes;

/// <summary>
/// Order: gives every task a priority (0 runs first) that is a topological order and keeps memory low: a
/// depth-first, post-order walk from the outputs finishes one branch (and releases its inputs) before it starts
/// the next, like the "small goals" of <c>dask.order</c>. Dependencies are visited in argument order, outputs in
/// the order requested. Schedulers start ready tasks lowest priority first, so root tasks (file readers) do not
/// race ahead of the tasks that consume them.
/// <code>
///   a1   a2        priorities: a1 &lt; b1 &lt; a2 &lt; b2 &lt; c
///   |    |         (b1 finishes branch 1 and frees a1 before a2 starts)
///   b1   b2
///    \  /
///     c
/// </code>
/// </summary>
public static class Order
{
    /// <summary>
    /// Priorities of the <paramref name="dependencies"/> graph, walking from <paramref name="outputs"/>.
    /// Returns <c>priority[node]</c> and <c>order[priority]</c>. A cycle raises <see cref="GraphCycleException"/>.
    /// </summary>
    public static (int[] Priority, int[] Order) Run(Adjacency dependencies, ReadOnlySpan<int> outputs, Func<int, string> nameOf)
    {
        int n = dependencies.Count;
        var priority = new int[n];
        var order = new int[n];
        var state = new byte[n]; // 0 unvisited, 1 on the walk's stack, 2 done
        var stackNode = new int[Math.Max(16, Math.Min(n, 1 << 16))];
        var stackNext = new int[stackNode.Length];
        int next = 0;
        foreach (var root in outputs)
        {
            if (state[root] != 0) continue;
            int top = 0;
            stackNode[0] = root; stackNext[0] = 0; state[root] = 1;
            while (top >= 0)
            {
                int v = stackNode[top];
                var deps = dependencies[v];
                if (stackNext[top] < deps.Length)
                {
                    int c = deps[stackNext[top]++];
                    if (state[c] == 2) continue;
                    if (state[c] == 1) throw new GraphCycleException(CycleCheck.Find(dependencies, c, nameOf) ?? [nameOf(c)]);
                    state[c] = 1;
                    if (++top == stackNode.Length)
                    {
                        Array.Resize(ref stackNode, top * 2);
                        Array.Resize(ref stackNext, top * 2);
                    }
                    stackNode[top] = c; stackNext[top] = 0;
                }
                else
                {
                    state[v] = 2;
                    priority[v] = next;
                    order[next++] = v;
                    top--;
                }
            }
        }
        if (next != n) throw new InvalidOperationException($"Ordering reached {next} of {n} tasks: some task is not needed by any output (cull first).");
        return (priority, order);
    }
}
