namespace TaskGraph;

/// <summary>
/// The ready tasks of a computation, lowest priority number first (a binary min-heap of node numbers keyed by
/// <see cref="ExecutionPlan.Priority"/>). Not thread-safe: <see cref="ExecutionState"/> guards it.
/// </summary>
internal sealed class ReadyQueue
{
    private readonly int[] _priority;
    private int[] _heap;
    private int _count;

    public ReadyQueue(int[] priority, int capacity)
    {
        _priority = priority;
        _heap = new int[Math.Max(4, capacity)];
    }

    public int Count => _count;

    public void Push(int node)
    {
        if (_count == _heap.Length) Array.Resize(ref _heap, _count * 2);
        int i = _count++;
        int p = _priority[node];
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (_priority[_heap[parent]] <= p) break;
            _heap[i] = _heap[parent];
            i = parent;
        }
        _heap[i] = node;
    }

    public int Pop()
    {
        int top = _heap[0];
        int last = _heap[--_count];
        if (_count > 0)
        {
            int p = _priority[last], i = 0;
            while (true)
            {
                int c = 2 * i + 1;
                if (c >= _count) break;
                if (c + 1 < _count && _priority[_heap[c + 1]] < _priority[_heap[c]]) c++;
                if (_priority[_heap[c]] >= p) break;
                _heap[i] = _heap[c];
                i = c;
            }
            _heap[i] = last;
        }
        return top;
    }

    public void Clear() => _count = 0;
}
