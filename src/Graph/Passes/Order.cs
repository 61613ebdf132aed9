using System.Runtime.InteropServices;

namespace TaskGraph.Passes;

/// <summary>
/// Order: gives every task a priority (0 runs first), a topological order that a one-task-at-a-time run would
/// follow and that keeps few results in memory, after <c>dask.order</c>. Schedulers start ready tasks lowest
/// priority first, so root tasks (file readers) do not race ahead of the tasks that consume them.
/// <para>
/// The walk, in Dask's words: pick a <b>target</b> (an output; the heaviest first) and walk back from it
/// depth-first, always into the heaviest unfinished dependency (the <b>critical path</b>); a task runs once its
/// dependencies have. Three rules keep memory low on the way:
/// </para>
/// <list type="number">
/// <item><b>Chains continue.</b> When a task has one dependent and that dependent becomes runnable, it runs next.</item>
/// <item><b>Free paths run.</b> Once the walk has had to branch, tasks that became runnable on the side run before
/// the walk goes on when they only lead to outputs (nothing stays held), or when they are every missing input of
/// a reducer (<c>process_runnables</c>); paths into a reducer the walk is computing run between its branches,
/// before the walk loads new data for the next branch.</item>
/// <item><b>Held results are freed.</b> A task that would release a held result, and needs only runnable inputs
/// that are not held longer than what they free, runs before the walk starts another branch or target (what
/// Dask's target choice by "leaf degree" achieves).</item>
/// </list>
/// "Heaviest" compares, in turn: the number of tasks below (Dask's <c>ndependencies</c>, more first), the number
/// of direct dependencies (more first), the widest fan-out of a root below (more first: finishing a shared root's
/// users frees it), then the caller's tie-break (task keys), then the node number.
/// <code>
///       a1                 target a1: the walk goes a1 → a2 → a3 → c1 (heavier than b1) → c2 → c3;
///       |                  after c1, d1 runs at once (it frees c1 and is an output): a walk that
///       a2                 branched at a3 runs such free paths before it goes into b1.
///       |                  order: c3 c2 c1 d1 b2 b1 a3 a2 a1
///       a3    d1
///      /  \  /
///    b1    c1
///    |     |
///    b2    c2
///          |
///          c3
/// </code>
/// Cost: a topological pass for the weights, one sort of each task's unfinished dependencies and of the outputs
/// (O(E log d)), every other step linear; flat int arrays, no recursion.
/// </summary>
public static class Order
{
    /// <summary>
    /// Priorities of the <paramref name="dependencies"/> graph whose outputs are <paramref name="outputs"/>.
    /// Returns <c>priority[node]</c> and <c>order[priority]</c>. Every task without dependents must be an output
    /// (cull first). A cycle raises <see cref="GraphCycleException"/>.
    /// </summary>
    /// <param name="dependencies">Each node's dependencies.</param>
    /// <param name="outputs">The requested nodes.</param>
    /// <param name="nameOf">Names nodes in errors.</param>
    /// <param name="tieBreak">Orders nodes the graph's shape does not tell apart (by key); node number when null.</param>
    /// <param name="dependents">The transposed <paramref name="dependencies"/>, when the caller has it already.</param>
    public static (int[] Priority, int[] Order) Run(Adjacency dependencies, ReadOnlySpan<int> outputs, Func<int, string> nameOf,
        Comparison<int>? tieBreak = null, Adjacency? dependents = null)
    {
        var walker = new Walker(dependencies, dependents ?? dependencies.Transpose(), tieBreak);
        walker.Weigh(nameOf);
        walker.OrderAll(outputs, nameOf);
        return (walker.Priority, walker.Sequence);
    }

    /// <summary>
    /// Dask's <c>diagnostics(dsk)[1]</c>: running the tasks one at a time in <paramref name="order"/>, the number of
    /// results held in memory just before each task runs. A result is held from its task until its last dependent
    /// has run; results of tasks without dependents (outputs) are not counted.
    /// </summary>
    public static int[] Pressure(Adjacency dependencies, ReadOnlySpan<int> order)
    {
        int n = dependencies.Count;
        var waiting = new int[n]; // dependents that have not run yet
        foreach (var d in dependencies.Items) waiting[d]++;
        var hasDependents = waiting.Select(w => w > 0).ToArray();
        var pressure = new int[order.Length];
        int held = 0;
        for (int i = 0; i < order.Length; i++)
        {
            pressure[i] = held;
            int v = order[i];
            foreach (var d in dependencies[v])
                if (--waiting[d] == 0) held--;
            if (hasDependents[v]) held++;
        }
        return pressure;
    }

    /// <summary>The most results held at once running <paramref name="order"/> (the maximum of <see cref="Pressure"/>).</summary>
    public static int PeakPressure(Adjacency dependencies, ReadOnlySpan<int> order)
    {
        var p = Pressure(dependencies, order);
        return p.Length == 0 ? 0 : p.Max();
    }

    private sealed class Walker(Adjacency deps, Adjacency dependents, Comparison<int>? tieBreak) : IComparer<int>
    {
        // The two adjacencies' flat arrays: the hot loops index them directly.
        private readonly int[] _depStart = deps.Starts, _depItems = deps.Items, _userStart = dependents.Starts, _userItems = dependents.Items;

        private const byte New = 0, Expanded = 1, Done = 2;

        /// <summary>A task is a candidate for rule 3 when at most this many of its dependencies are unfinished.</summary>
        private const int CandidateNeed = 2;

        /// <summary>How many tasks rule 2 looks at below a splitting task before it leaves it to the walk.</summary>
        private const int SplitBudget = 256;

        private readonly int _n = deps.Count;

        /// <summary>Tasks below each task, itself included (shared ones counted once per path, as Dask does), saturating.</summary>
        private long[] _weight = [];

        /// <summary>The most dependents any root below a task has (its own, for a root).</summary>
        private int[] _rootFanOut = [];

        /// <summary>Unfinished dependencies of each task: 0 means runnable.</summary>
        private int[] _needed = [];

        /// <summary>Unfinished dependents of each task: a finished task's result is held while this is above 0.</summary>
        private int[] _pending = [];

        private byte[] _state = [];

        /// <summary>
        /// Free paths waiting at a reducer (rule 2): the first path's head, the next head, and how many. Allocated
        /// when the first path waits (trees and chains never need them).
        /// </summary>
        private int[] _pathHead = [], _pathNext = [], _pathCount = [];

        private int[] _stack = new int[64];
        private int _top;
        private List<int> _runnable = [], _batch = [];
        private readonly List<int> _candidates = [], _scratch = [], _heads = [];

        /// <summary>Unfinished tasks with a finished dependency, by how many dependencies they missed then (1 or 2).</summary>
        private readonly List<int> _hull1 = [], _hull2 = [];
        private int _next;

        public int[] Priority { get; } = new int[deps.Count];
        public int[] Sequence { get; } = new int[deps.Count];

        /// <summary>Preferred first: heavier, more dependencies, wider root fan-out, then the tie-break, then the number.</summary>
        public int Compare(int a, int b)
        {
            long wa = _weight[a], wb = _weight[b];
            if (wa != wb) return wa > wb ? -1 : 1;
            int da = _depStart[a + 1] - _depStart[a], db = _depStart[b + 1] - _depStart[b];
            if (da != db) return da > db ? -1 : 1;
            if (_rootFanOut[a] != _rootFanOut[b]) return _rootFanOut[a] > _rootFanOut[b] ? -1 : 1;
            int t = tieBreak?.Invoke(a, b) ?? 0;
            return t != 0 ? t : a.CompareTo(b);
        }

        /// <summary>
        /// Weights in topological order: node order when every dependency has a lower number, else Kahn's (a task
        /// never reached lies on or above a cycle).
        /// </summary>
        public void Weigh(Func<int, string> nameOf)
        {
            _weight = new long[_n];
            _rootFanOut = new int[_n];
            _needed = new int[_n];
            _pending = new int[_n];
            _state = new byte[_n];
            int[] depStart = _depStart, depItems = _depItems, userStart = _userStart, userItems = _userItems;
            long[] weight = _weight;
            int[] fanOut = _rootFanOut, needed = _needed, pending = _pending;
            // Plans number dependencies before their dependents: then one pass in node order weighs every task.
            for (int v = 0; v < _n; v++)
            {
                needed[v] = depStart[v + 1] - depStart[v];
                pending[v] = userStart[v + 1] - userStart[v];
                long w = 1;
                int fan = needed[v] == 0 ? pending[v] : 0;
                for (int i = depStart[v], end = depStart[v + 1]; i < end; i++)
                {
                    int d = depItems[i];
                    if (d >= v) goto Unsorted;
                    w = w + weight[d] < w ? long.MaxValue : w + weight[d];
                    fan = Math.Max(fan, fanOut[d]);
                }
                weight[v] = w;
                fanOut[v] = fan;
            }
            return;
        Unsorted:
            var queue = Sequence; // the walk fills it again from the start
            int tail = 0;
            for (int v = 0; v < _n; v++)
            {
                needed[v] = depStart[v + 1] - depStart[v];
                pending[v] = userStart[v + 1] - userStart[v];
                if (needed[v] == 0) queue[tail++] = v;
            }
            for (int head = 0; head < tail; head++)
            {
                int v = queue[head];
                long w = 1;
                int fan = depStart[v + 1] == depStart[v] ? pending[v] : 0;
                for (int i = depStart[v], end = depStart[v + 1]; i < end; i++)
                {
                    int d = depItems[i];
                    w = w + weight[d] < w ? long.MaxValue : w + weight[d];
                    fan = Math.Max(fan, fanOut[d]);
                }
                weight[v] = w;
                fanOut[v] = fan;
                for (int i = userStart[v], end = userStart[v + 1]; i < end; i++)
                    if (--needed[userItems[i]] == 0) queue[tail++] = userItems[i];
            }
            if (tail < _n)
            {
                int stuck = Array.FindIndex(needed, x => x > 0);
                throw new GraphCycleException(CycleCheck.Find(deps, stuck, nameOf) ?? CycleCheck.Find(deps, -1, nameOf) ?? [nameOf(stuck)]);
            }
            for (int v = 0; v < _n; v++) needed[v] = depStart[v + 1] - depStart[v];
        }

        public void OrderAll(ReadOnlySpan<int> outputs, Func<int, string> nameOf)
        {
            // Outputs are marked in Priority, which the walk overwrites for every task.
            var isOutput = Priority;
            foreach (var o in outputs) isOutput[o] = 1;
            var targets = new List<int>();
            for (int v = 0; v < _n; v++)
            {
                if (_userStart[v + 1] != _userStart[v]) continue;
                if (isOutput[v] != 1) throw new InvalidOperationException($"Task {nameOf(v)} is not needed by any output (cull first).");
                targets.Add(v);
            }
            CollectionsMarshal.AsSpan(targets).Sort(this);
            int cursor = 0;
            while (_next < _n)
            {
                FreeHeld();
                if (_next == _n) break;
                Walk(NextTarget(targets, ref cursor));
                RunFreePaths();
            }
        }

        /// <summary>Walks back from <paramref name="target"/>, heaviest unfinished dependency first, until it has run.</summary>
        private void Walk(int target)
        {
            bool branched = false;
            Push(target);
            while (_top > 0)
            {
                int v = _stack[--_top];
                if (v < 0)
                {
                    RunPathsInto(~v); // between two branches of ~v
                    continue;
                }
                if (_state[v] == Done) continue;
                if (_needed[v] > 0)
                {
                    _state[v] = Expanded;
                    Push(v);
                    _scratch.Clear();
                    for (int i = _depStart[v], end = _depStart[v + 1]; i < end; i++)
                        if (_state[_depItems[i]] != Done) _scratch.Add(_depItems[i]);
                    if (_scratch.Count > 1) branched = true;
                    var span = CollectionsMarshal.AsSpan(_scratch);
                    SortPreferredFirst(span);
                    for (int i = span.Length - 1; i >= 0; i--)
                    {
                        Push(span[i]); // the preferred one on top
                        if (i > 0) Push(~v); // a marker: once a branch is done, v's waiting paths run
                    }
                    continue;
                }
                if (branched)
                {
                    if (_runnable.Count > 0) RunFreePaths(); // both are no-ops on empty lists: skip the calls
                    if (_candidates.Count > 0) FreeHeld();
                    if (_state[v] == Done) continue;
                }
                Add(v);
            }
        }

        /// <summary>Sorts preferred first; most tasks have one or two entries to sort.</summary>
        private void SortPreferredFirst(Span<int> span)
        {
            if (span.Length == 2)
            {
                if (Compare(span[0], span[1]) > 0) (span[0], span[1]) = (span[1], span[0]);
            }
            else if (span.Length > 2) span.Sort(this);
        }

        private void Push(int v)
        {
            if (_top == _stack.Length) Array.Resize(ref _stack, _stack.Length * 2);
            _stack[_top++] = v;
        }

        /// <summary>Gives <paramref name="v"/> (runnable) the next priority, then its chain (rule 1).</summary>
        private void Add(int v)
        {
            while (true)
            {
                _state[v] = Done;
                Priority[v] = _next;
                Sequence[_next++] = v;
                for (int i = _depStart[v], end = _depStart[v + 1]; i < end; i++)
                    if (--_pending[_depItems[i]] == 1) OneUserLeft(_depItems[i]);
                int first = _userStart[v], last = _userStart[v + 1], chain = -1;
                for (int i = first; i < last; i++)
                {
                    int u = _userItems[i];
                    int left = --_needed[u];
                    if (left == 0)
                    {
                        if (last - first == 1) chain = u;
                        else _runnable.Add(u);
                    }
                    else if (left <= CandidateNeed)
                    {
                        _candidates.Add(u);
                        (left == 1 ? _hull1 : _hull2).Add(u);
                    }
                }
                if (chain < 0) return;
                v = chain;
            }
        }

        /// <summary>A finished task has one unfinished dependent left: running that one would free it (rule 3).</summary>
        private void OneUserLeft(int d)
        {
            for (int i = _userStart[d], end = _userStart[d + 1]; i < end; i++)
                if (_state[_userItems[i]] != Done) { _candidates.Add(_userItems[i]); return; }
        }

        /// <summary>
        /// The next target: a task that needs held results and is nearest to runnable (Dask's "reachable hull"), or
        /// else the heaviest output not yet run.
        /// </summary>
        private int NextTarget(List<int> outputs, ref int cursor)
        {
            // Most recent first: the hull grows where the last target finished.
            int h = PopHull(_hull1, 1);
            if (h >= 0) return h;
            h = PopHull(_hull2, 2);
            if (h >= 0) return h;
            while (_state[outputs[cursor]] == Done) cursor++;
            return outputs[cursor];
        }

        private int PopHull(List<int> hull, int most)
        {
            while (hull.Count > 0)
            {
                int u = hull[^1];
                hull.RemoveAt(hull.Count - 1);
                if (_state[u] != Done && _needed[u] > 0 && _needed[u] <= most) return u;
            }
            return -1;
        }

        /// <summary>Rule 2: runnable tasks whose paths end in outputs run; paths into a reducer wait until they cover it.</summary>
        private void RunFreePaths()
        {
            while (_runnable.Count > 0)
            {
                (_batch, _runnable) = (_runnable, _batch);
                var span = CollectionsMarshal.AsSpan(_batch);
                SortPreferredFirst(span);
                foreach (var r in span)
                    if (_state[r] != Done) TryFreePath(r);
                _batch.Clear();
            }
        }

        private void TryFreePath(int r)
        {
            int cur = r;
            while (dependents.Degree(cur) == 1)
            {
                int next = dependents[cur][0];
                if (deps.Degree(next) != 1)
                {
                    // `next` reduces several inputs: the path waits until every missing input of `next` has one,
                    // or until the walk, between two branches of `next`, runs it.
                    if (_pathHead.Length == 0)
                    {
                        _pathHead = new int[_n];
                        _pathNext = new int[_n];
                        _pathCount = new int[_n];
                        Array.Fill(_pathHead, -1);
                    }
                    _pathNext[r] = _pathHead[next];
                    _pathHead[next] = r;
                    if (++_pathCount[next] >= _needed[next]) RunPathsInto(next);
                    return;
                }
                cur = next;
            }
            if (dependents.Degree(cur) == 0 || OnlyOutputsBelow(cur)) Add(r); // the chain runs; a split's branches come back as runnable
        }

        /// <summary>True when every task below the splitting <paramref name="split"/> that needs only it leads to outputs alone.</summary>
        private bool OnlyOutputsBelow(int split)
        {
            _scratch.Clear();
            _scratch.Add(split);
            for (int i = 0; i < _scratch.Count; i++)
            {
                if (_scratch.Count > SplitBudget) return false;
                foreach (var u in dependents[_scratch[i]])
                {
                    if (deps.Degree(u) != 1) return false;
                    if (dependents.Degree(u) > 0) _scratch.Add(u);
                }
            }
            return true;
        }

        private void RunPathsInto(int reducer)
        {
            if (_pathHead.Length == 0 || _pathHead[reducer] < 0) return;
            _heads.Clear(); // Add below never comes back here
            for (int h = _pathHead[reducer]; h >= 0; h = _pathNext[h]) _heads.Add(h);
            _pathHead[reducer] = -1;
            _pathCount[reducer] = 0;
            CollectionsMarshal.AsSpan(_heads).Sort(this);
            foreach (var h in _heads)
                if (_state[h] != Done) Add(h); // the chain continues up to the reducer, and into it after the last path
        }

        /// <summary>
        /// Rule 3: a task one step from runnable (its unfinished dependencies are runnable) that releases more held
        /// results than running those dependencies would newly hold, runs now.
        /// </summary>
        private void FreeHeld()
        {
            while (_candidates.Count > 0)
            {
                int d = _candidates[^1];
                _candidates.RemoveAt(_candidates.Count - 1);
                if (_state[d] == Done || _needed[d] == 0 || _needed[d] > CandidateNeed) continue;
                int freed = 0, held = 0;
                bool ready = true;
                for (int i = _depStart[d], end = _depStart[d + 1]; i < end; i++)
                {
                    int u = _depItems[i];
                    if (_state[u] == Done) { if (_pending[u] == 1) freed++; }
                    else if (_needed[u] != 0) { ready = false; break; }
                    else if (_pending[u] > 1) held++;
                }
                if (!ready || freed <= held) continue;
                _scratch.Clear();
                for (int i = _depStart[d], end = _depStart[d + 1]; i < end; i++)
                    if (_state[_depItems[i]] != Done) _scratch.Add(_depItems[i]);
                var span = CollectionsMarshal.AsSpan(_scratch);
                SortPreferredFirst(span);
                foreach (var u in span)
                    if (_state[u] != Done) Add(u);
                if (_state[d] != Done && _needed[d] == 0) Add(d);
            }
        }
    }
}
