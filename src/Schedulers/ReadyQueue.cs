namespace TaskGraph;

/// <summary>
/// The ready tasks of a computation, lowest priority number first. Root tasks (no dependencies) are ready from
/// the start and can be hundreds of thousands: they are served from an array already sorted by priority (a cursor
/// walks it), and only tasks that become ready later go into a binary min-heap keyed by
/// <see cref="ExecutionPlan.Priority"/>. Not thread-safe: <see cref="ExecutionState"/> guards it.
/// </summary>
internal sealed class ReadyQueue
{
    private readonly int[] _priority;
    private readonly int[] _roots;
    private int _nextRoot;
    private int[] _heap;
    private int _count;

    /// <summary>Creates the queue holding <paramref name="roots"/> (sorted by priority) as ready.</summary>
    public ReadyQueue(int[] priority, int[] roots)
    {
        _priority = priority;
        _roots = roots;
        _heap = new int[64];
    }

    public int Count => _count + _roots.Length - _nextRoot;

    /// <summary>Takes the ready task with the lowest priority number.</summary>
    public int Pop()
    {
        if (_nextRoot < _roots.Length && (_count == 0 || _priority[_roots[_nextRoot]] < _priority[_heap[0]]))
            return _roots[_nextRoot++];
        return PopHeap();
    }

    /// <summary>Adds a task that just became ready.</summary>
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

    private int PopHeap()
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

    public void Clear()
    {
        _count = 0;
        _nextRoot = _roots.Length;
    }
}
