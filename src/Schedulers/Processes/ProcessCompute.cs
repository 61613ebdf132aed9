using System.Diagnostics;
using System.Reflection;
using TaskGraph.DataPlane;
using TaskGraph.Wire;

namespace TaskGraph.Processes;

/// <summary>
/// One computation on the process pool, on top of the shared <see cref="ExecutionState"/>. One dispatcher thread
/// per worker takes ready nodes (a batch of them when tasks are short), makes sure each node's inputs are in
/// that worker, sends the batch, reads one answer per node and completes it.
///
/// <para>State per node, beside the execution state's counters: <c>_held[n]</c> says where the result is (the
/// parent, and which workers), <c>_completed[n]</c> that it is recorded, <c>_released[n]</c> that the workers
/// were told to drop it, <c>_crashes[n]</c> how often its worker died while running it.</para>
///
/// <para>Inputs reach a worker in the cheapest way: already there (it made them or got them before), from the
/// parent (small results came back with their completion), fetched by the worker itself from the worker that
/// holds them (the batch names the holder's data plane address, <see cref="Protocol.ItemHeldAt"/>: the bytes
/// never pass through the parent), or — when no live worker holds them — recomputed from their own inputs. A run
/// whose worker could not fetch an input (its holder died or was replaced) answers <see cref="Protocol.StatusMissing"/>:
/// the holder is forgotten and the run sent again, which finds the input elsewhere or recomputes it.</para>
///
/// <para>Persisted results (<see cref="WorkerResident"/>) are nodes with nothing to run, recorded as held where they
/// are pinned (in the worker's store under their persist's id): named to their readers like any held input
/// (<see cref="Protocol.ItemHeldAt"/>), the worker that pinned one uses it from its store, another fetches it over the
/// data plane. When the parent keeps one, its value is used. A persisting computation (<see cref="Pinned"/>) leaves its
/// outputs in the workers and pins the large ones there (<see cref="Protocol.RunPins"/>).</para>
/// </summary>
internal sealed class ProcessCompute
{
    private readonly ProcessPoolScheduler _pool;
    private readonly ExecutionPlan _plan;
    private readonly ComputeContext _context;
    private readonly int _id;
    private readonly Held?[] _held;
    private readonly int[] _completed;
    private readonly int[] _released;
    private readonly int[] _crashes;
    private readonly Dictionary<TaskFunction, int> _fids = new(ReferenceEqualityComparer.Instance);
    private readonly List<byte[]> _functions = [];
    // Code compiled in memory (notebook cells) that the functions and values name, and the bytes each worker
    // receives before its first batch of this computation (each referenced cell before its referrers).
    private readonly HashSet<Assembly> _cells = [];
    private readonly HashSet<Assembly> _imaged = [];
    private readonly List<(Assembly Assembly, byte[] Image)> _cellImages = [];
    private readonly HashSet<Assembly> _lateCells = [];
    private ExecutionState _state = null!;
    private int[] _dispatching = [];
    private System.Collections.Concurrent.ConcurrentQueue<int>[] _handoff = [];
    private readonly object _signal = new();
    private long _signalVersion;

    /// <summary>
    /// Set for a persist: outputs stay in their workers (pinned under this id beyond the computation when large) and
    /// <see cref="Start"/> answers one <see cref="WorkerResident"/> per output instead of the values.
    /// </summary>
    public PinnedResults? Pinned { get; init; }

    private bool Persists => Pinned is not null;

    // Persist: the pinned output nodes (written by the dispatcher that completes them, read when the computation ends).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, WorkerResident> _kept = new();

    public ProcessCompute(ProcessPoolScheduler pool, ExecutionPlan plan, ComputeContext context, int id)
    {
        _pool = pool;
        _plan = plan;
        _context = context;
        _id = id;
        int n = plan.Count;
        _held = new Held?[n];
        _completed = new int[n];
        _released = new int[n];
        _crashes = new int[n];
        var scratch = new WireWriter(1024);
        using var collecting = InMemoryAssemblies.Collect(_cells);
        for (int g = 0; g < n; g++)
        {
            var members = plan.Members(g);
            for (int i = 0; i < members.Length; i++)
            {
                var spec = plan.Tasks[members[i]];
                if (spec.Function is not { } f)
                {
                    CheckValue(scratch, spec, spec.Value, "value");
                    AddCells(spec);
                    continue;
                }
                if (f.Target is WorkerResident)
                {
                    // A persisted result: used where it is kept (see CompleteInParent), never sent as a function.
                    continue;
                }
                if (!_fids.ContainsKey(f)) _fids[f] = EncodeFunction(spec, f);
                AddCells(spec);
                var args = spec.Args;
                for (int a = 0; a < args.Length; a++)
                {
                    if (args[a].IsDependency) continue;
                    CheckValue(scratch, spec, args[a].Literal, $"argument{a}");
                    AddCells(spec);
                }
            }
        }
    }

    private int EncodeFunction(TaskSpec spec, TaskFunction f)
    {
        try
        {
            var w = new WireWriter(256);
            WireCodec.Write(w, f.Delegate, f.Name);
            Identities.WriteMethod(w, f.InvokerMethod);
            _functions.Add(w.ToArray());
            return _functions.Count - 1;
        }
        catch (WireException e)
        {
            throw SendFailure.For(spec, e);
        }
    }

    /// <summary>Reads the bytes of the cells met so far (and of the earlier cells they refer to) that are not read yet.</summary>
    private void AddCells(TaskSpec spec)
    {
        if (_cells.Count == 0 || _cells.IsSubsetOf(_imaged)) return;
        try
        {
            foreach (var a in InMemoryAssemblies.WithReferences(_cells))
                if (_imaged.Add(a)) _cellImages.Add((a, InMemoryAssemblies.ImageOf(a)));
        }
        catch (WireException e)
        {
            throw SendFailure.For(spec, e);
        }
    }

    private static void CheckValue(WireWriter scratch, TaskSpec spec, object? value, string name)
    {
        if (value is null or string || value.GetType().IsPrimitive) return;
        try
        {
            scratch.Reset();
            WireCodec.Write(scratch, value, name);
        }
        catch (WireException e)
        {
            throw SendFailure.For(spec, e);
        }
    }

    /// <summary>Starts the dispatchers; the task completes with the outputs' values.</summary>
    public Task<object?[]> Start()
    {
        _state = new ExecutionState(_plan, _context, new StallWatch(_pool.StallTimeout, DescribeWorkers, _pool.WorkerCpuTicks))
        {
            OutputValue = static v => v is Held h ? h.Value : v,
        };
        int dispatchers = Math.Min(_pool.Workers, _plan.Count);
        // Indexed by slot; only the slots picked below get a dispatcher (idle ones first).
        _dispatching = new int[_pool.Workers];
        _handoff = Enumerable.Range(0, _pool.Workers).Select(_ => new System.Collections.Concurrent.ConcurrentQueue<int>()).ToArray();
        _pool.Track(_id, this);
        _state.Completion.ContinueWith(t => Ended(t.Status != TaskStatus.RanToCompletion), TaskScheduler.Default);
        foreach (int slot in _pool.PickSlots(dispatchers))
        {
            int s = slot;
            new Thread(() => Dispatch(s)) { IsBackground = true, Name = $"taskgraph-process-{s}" }.Start();
        }
        return Unwrap();
    }

    private async Task<object?[]> Unwrap()
    {
        var values = await _state.Completion.ConfigureAwait(false);
        var result = new object?[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            var value = values[i] is Held h ? h.Value : values[i];
            if (!Persists) result[i] = value;
            else
            {
                int node = _plan.Outputs[i];
                result[i] = _kept.TryGetValue(node, out var pinned) ? pinned : WorkerResident.Here(_pool, _plan.ResultTask(node), value);
            }
        }
        return result;
    }

    /// <summary>
    /// The computation ended: workers drop its results and skip its queued runs. After a failure or a
    /// cancellation, a worker still busy with an abandoned task after a grace period is replaced, so the pool
    /// stays usable even if that task never returns.
    /// </summary>
    private async void Ended(bool abandoned)
    {
        try
        {
            Signal();
            _pool.Untrack(_id);
            foreach (var s in _pool.Slots) Volatile.Read(ref s.Current)?.Drop(_id);
            if (!abandoned) return;
            await Task.Delay(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            for (int slot = 0; slot < _dispatching.Length; slot++)
                if (Volatile.Read(ref _dispatching[slot]) == 2) Volatile.Read(ref _pool.Slots[slot].Current)?.Kill();
        }
        catch (Exception) { /* the pool may be disposed meanwhile */ }
    }

    /// <summary>Bytes of this computation's large results (kept in the workers) that worker <paramref name="slot"/> holds now.</summary>
    internal long HeldBytes(int slot)
    {
        long bytes = 0;
        for (int node = 0; node < _held.Length; node++)
        {
            var h = _held[node];
            // Persisted results are counted as the pinning worker's bytes (by the pool), copies fetched elsewhere here.
            if (h is not null && !Volatile.Read(ref h.InParent) && h.IsHeldBy(slot) && !_kept.ContainsKey(node) && !(h.Store is not null && h.PinnedBy == slot)) bytes += h.Size;
        }
        return bytes;
    }

    /// <summary>The pool's side of a stall report: each worker's process, dispatcher and the results it holds.</summary>
    private string DescribeWorkers()
    {
        var sb = new System.Text.StringBuilder();
        string[] stages = ["not started", "waiting for its worker's task pipe", "dispatching", "finished"];
        long parentBytes = 0;
        int parentCount = 0;
        foreach (var h in _held)
            if (h is { InParent: true }) { parentCount++; parentBytes += h.Size; }
        for (int slot = 0; slot < _pool.Slots.Length; slot++)
        {
            var w = Volatile.Read(ref _pool.Slots[slot].Current);
            int count = 0;
            long bytes = 0;
            foreach (var h in _held)
                if (h is not null && h.IsHeldBy(slot)) { count++; bytes += h.Size; }
            string stage = slot < _dispatching.Length ? stages[Volatile.Read(ref _dispatching[slot])] : "none (fewer tasks than workers)";
            sb.AppendLine($"Worker process-{slot}: {(w is null ? "not started" : $"pid {w.ProcessId}, {(w.IsBroken ? "exited or broken" : "alive")}")}; " +
                          $"dispatcher {stage}; holds {count} results ({bytes:N0} bytes of large ones)");
        }
        sb.AppendLine($"Parent: holds {parentCount} small results.");
        return sb.ToString();
    }

    private void Dispatch(int slot)
    {
        var s = _pool.Slots[slot];
        Volatile.Write(ref _dispatching[slot], 1);
        s.TaskPipe.Wait();
        var d = new Dispatcher(this, slot);
        var batch = new List<int>();
        try
        {
            Volatile.Write(ref _dispatching[slot], 2);
            d.Connection = Volatile.Read(ref s.Current) ?? throw new ObjectDisposedException(nameof(ProcessPoolScheduler));
            if (d.Connection.IsBroken) d.Connection = _pool.Replace(slot, d.Connection);
            var retry = new Queue<int>();
            while (true)
            {
                batch.Clear();
                if (retry.Count > 0)
                {
                    if (_state.IsEnded) break;
                    // After a crash, nodes run one at a time so the one that kills its worker is known.
                    batch.Add(retry.Dequeue());
                }
                else
                {
                    if (!WaitForNode(slot, out int node)) break;
                    batch.Add(node);
                    int window = d.Window;
                    while (batch.Count < window && TryNextNode(slot, out node)) batch.Add(node);
                }
                try
                {
                    d.RunBatch(batch, retry);
                }
                catch (WorkerLostException lost)
                {
                    if (!Recover(d, lost, retry)) break;
                }
            }
        }
        catch (Exception e)
        {
            _state.Fail(batch.Count > 0 ? batch[0] : 0, e);
        }
        finally
        {
            d.FlushReleases();
            Volatile.Write(ref _dispatching[slot], 3);
            s.TaskPipe.Release();
        }
    }

    /// <summary>
    /// The next node for <paramref name="slot"/>: one handed over by another dispatcher, or a ready node — unless
    /// its large inputs sit in another worker, which then gets it (data locality: moving the task is cheaper than
    /// moving the data).
    /// </summary>
    private bool TryNextNode(int slot, out int node)
    {
        if (_handoff[slot].TryDequeue(out node)) return true;
        while (_state.TryTakeNow(out node))
        {
            int preferred = PreferredSlot(node);
            // A preferred worker whose dispatcher is still starting (stage 1) gets the node too: at the start of a
            // computation over persisted data, the first dispatcher up would otherwise pull every partition to itself.
            if (preferred < 0 || preferred == slot || Volatile.Read(ref _dispatching[preferred]) is not (1 or 2)) return true;
            _handoff[preferred].Enqueue(node);
            Signal();
        }
        return false;
    }

    /// <summary>Waits for a node for <paramref name="slot"/>; false when the computation has ended.</summary>
    private bool WaitForNode(int slot, out int node)
    {
        while (true)
        {
            long version = Volatile.Read(ref _signalVersion);
            if (TryNextNode(slot, out node)) return true;
            if (_state.IsEnded) return false;
            lock (_signal)
                if (version == _signalVersion) Monitor.Wait(_signal, 100);
        }
    }

    /// <summary>Wakes waiting dispatchers: nodes may have become ready (or the computation ended).</summary>
    private void Signal()
    {
        lock (_signal)
        {
            _signalVersion++;
            Monitor.PulseAll(_signal);
        }
    }

    /// <summary>The worker holding most bytes of <paramref name="node"/>'s inputs (<see cref="Locality.Weight"/>), when that is worth moving the task for; else -1.</summary>
    private int PreferredSlot(int node)
    {
        int n = _handoff.Length;
        Span<long> bytes = stackalloc long[Math.Min(n, 64)];
        bool any = false;
        foreach (var dep in _plan.Dependencies[node])
        {
            var h = _held[dep];
            if (h is null || Volatile.Read(ref h.InParent) || h.Size < Locality.MinBytes) continue;
            long weight = Locality.Weight(h.Size, _plan.Dependents.Degree(dep));
            long holders = Volatile.Read(ref h.Holders);
            for (int y = 0; y < bytes.Length; y++)
                if ((holders & (1L << y)) != 0) { bytes[y] += weight; any = true; }
        }
        if (!any) return -1;
        int best = -1;
        for (int y = 0; y < bytes.Length; y++)
            if (bytes[y] >= Locality.MinBytes && (best < 0 || bytes[y] > bytes[best])) best = y;
        return best;
    }

    /// <summary>Replaces a dead worker and queues its unfinished nodes again; false when the computation must stop.</summary>
    private bool Recover(Dispatcher d, WorkerLostException lost, Queue<int> retry)
    {
        var dead = d.Connection;
        dead.Kill();
        var how = dead.ExitDescription();
        foreach (var h in _held) h?.RemoveHolder(d.Slot);
        d.Defined.Clear();
        d.Connection = _pool.Replace(d.Slot, dead);
        if (_state.IsEnded) return false;
        if (lost.Running >= 0 && Interlocked.Increment(ref _crashes[lost.Running]) >= 3)
        {
            _state.Fail(lost.Running, new WorkerCrashedException(
                $"The worker process died each of the 3 times it ran this task (last time: {how}). The task probably kills any process it runs in."));
            return false;
        }
        foreach (var n in lost.Unfinished) retry.Enqueue(n);
        return true;
    }

    /// <summary>What one dispatcher thread knows: its worker, which functions that worker has, releases to send.</summary>
    private sealed class Dispatcher(ProcessCompute c, int slot)
    {
        public readonly int Slot = slot;
        public PoolWorker Connection = null!;
        public readonly HashSet<int> Defined = [];
        private readonly List<int>[] _releases = c._pool.Slots.Select(_ => new List<int>()).ToArray();
        private double _avgMicros = 1000;
        private bool _measured;
        // Where this worker's timeline of the current batch has got to (Stopwatch timestamp), for the listeners' task times.
        private long _cursor;

        /// <summary>
        /// How many nodes to send at once: many when tasks are tiny, one when they are long (so work spreads over
        /// workers) — and one until a task was measured: a batch of unknown tasks could hold several long ones that
        /// idle workers should run side by side.
        /// </summary>
        public int Window => !_measured ? 1 : _avgMicros < 20 ? 512 : _avgMicros < 200 ? 64 : _avgMicros < 2000 ? 8 : _avgMicros < 20_000 ? 2 : 1;

        private string Name => Connection.Name;

        // Inputs this worker was told to fetch from another worker (Protocol.ItemHeldAt): the holder's slot, to forget it when the fetch fails.
        private readonly Dictionary<int, int> _fetchFrom = [];

        /// <summary>Runs <paramref name="batch"/> on this worker; a run that could not have its inputs goes to <paramref name="retry"/>.</summary>
        public void RunBatch(List<int> batch, Queue<int> retry)
        {
            var plan = c._plan;
            var sends = new List<int>(batch.Count);
            var puts = new List<Put>();
            var putSeen = new HashSet<int>();
            _fetchFrom.Clear();
            try
            {
                // Phase 1: find every input; a lost one is recomputed on this worker now, before the batch is built.
                foreach (var node in batch)
                {
                    if (IsParentNode(node)) { CompleteInParent(node); continue; }
                    foreach (var dep in plan.Dependencies[node]) Gather(dep, puts, putSeen, 0);
                    sends.Add(node);
                }
            }
            catch (WorkerLostException e)
            {
                throw new WorkerLostException(e.Running, batch.Where(n => !c._state.IsEnded && !IsParentNode(n)).ToList(), e);
            }
            if (sends.Count == 0) { c.Signal(); FlushReleases(); return; }

            // Phase 2: one frame with the inputs to store, the functions not defined yet and the runs.
            var w = Connection.TaskWriter;
            w.BeginFrame();
            w.WriteByte(Protocol.Batch);
            w.WriteInt32(c._id);
            WriteCells(w);
            foreach (var put in puts) WritePut(w, put);
            foreach (var node in sends)
            {
                // A persisted output stays in its worker when large, pinned under the persist's id (a slot beyond 64 cannot be recorded as its holder).
                bool returnValue = (plan.IsOutput(node) && !c.Persists) || Slot >= 64;
                WriteRun(w, node, returnValue, !returnValue && c.Persists && plan.IsOutput(node));
            }
            w.WriteByte(Protocol.ItemEnd);
            foreach (var node in sends) c._state.ReportStarted(node, Name);
            // The last batch's runs may be laid out a little past now (answers arrive in bursts): never before them.
            _cursor = Math.Max(_cursor, Stopwatch.GetTimestamp());
            try
            {
                c._pool.CountBytes(w.WriteFrame(Connection.TaskStream));
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                throw new WorkerLostException(sends[0], sends, e);
            }
            for (int i = 0; i < sends.Count; i++)
            {
                try
                {
                    ReadResult(retry);
                }
                catch (Exception e) when (e is IOException or EndOfStreamException or ObjectDisposedException)
                {
                    throw new WorkerLostException(sends[i], sends.Skip(i).ToList(), e);
                }
            }
            c.Signal();
            FlushReleases();
        }

        /// <summary>A literal, or a persisted result: nothing to run (Fuse leaves a persisted result a node of its own).</summary>
        private bool IsParentNode(int node)
        {
            var m = c._plan.Members(node);
            return m.Length == 1 && (c._plan.Tasks[m[0]].IsLiteral || c._plan.Tasks[m[0]].Function!.Target is WorkerResident);
        }

        private void CompleteInParent(int node)
        {
            c._state.ReportStarted(node, "parent");
            var spec = c._plan.Tasks[c._plan.Members(node)[0]];
            if (spec.Function?.Target is not WorkerResident kept)
            {
                Complete(node, new Held { Value = spec.Value, InParent = true }, "parent");
                return;
            }
            Held held;
            try
            {
                held = Recall(node, kept);
            }
            catch (Exception e)
            {
                c._state.ReportFinished(node, "parent", true);
                c._state.Fail(node, new TaskFailedException(spec.Key.ToString(), "persisted", e));
                return;
            }
            Complete(node, held, "parent");
        }

        /// <summary>
        /// What this computation records for a persisted result: one of this pool's pinned in a live worker as held
        /// there (its readers go there or fetch it from there); its value when the parent keeps it, when it is an
        /// output (read over the data plane), or when another scheduler keeps it.
        /// </summary>
        private Held Recall(int node, WorkerResident kept)
        {
            if (kept.Keeper != c._pool) return new Held { Value = kept.Fetch(), InParent = true };
            var place = kept.Recall();
            if (!place.OnWorker) return new Held { Value = place.Value, InParent = true };
            int slot = c._pool.SlotOf(place.Holder, place.Worker);
            if (slot >= 0 && c._plan.IsOutput(node) && kept.TryRead(out var value)) return new Held { Value = value, InParent = true };
            // Lost with its worker: the pool computes it again from its lineage and runs the computation once more
            // (computing it here would run a whole computation from a dispatcher that holds its worker's pipe).
            if (slot < 0 || c._plan.IsOutput(node))
                throw new WorkerCrashedException($"The persisted result {kept.Lineage.Key} was lost with its worker process. Compute again: it is computed from its lineage first.");
            return new Held { Holders = Held.Bit(slot), Size = place.Size, Store = place.Store, StoredAs = place.Node, PinnedBy = slot };
        }

        /// <summary>
        /// An input to send with a batch: its value (from the parent), or the data plane address of a worker holding it
        /// and where in that worker's store (<paramref name="Store"/> null: this computation's, under the node itself).
        /// </summary>
        private readonly record struct Put(int Node, Held? Value, string? Holder, string? Store = null, int StoredAs = 0);

        /// <summary>
        /// Makes sure input <paramref name="dep"/> will be in this worker: already there, sent from the parent, or named
        /// with a live holder for the worker to fetch it from; recomputed here when no live worker holds it.
        /// </summary>
        private void Gather(int dep, List<Put> puts, HashSet<int> putSeen, int depth)
        {
            var h = c._held[dep]!;
            if (putSeen.Contains(dep)) return;
            if (h.Store is { } store)
            {
                // A persisted result: named to every batch that reads it, so the worker that pinned it uses it from its
                // store (under the pin) and another fetches it from there, unless it has a copy under this computation.
                if (h.IsHeldBy(h.PinnedBy) && Volatile.Read(ref c._pool.Slots[h.PinnedBy].Current) is { IsBroken: false } pinner)
                {
                    puts.Add(new Put(dep, null, pinner.DataAddress, store, h.StoredAs));
                    putSeen.Add(dep);
                    _fetchFrom[dep] = h.PinnedBy;
                    return;
                }
                Recompute(dep, depth + 1); // lost with its worker: throws, and the pool runs the computation again after its lineage
                return;
            }
            if (h.IsHeldBy(Slot)) return;
            if (Volatile.Read(ref h.InParent))
            {
                puts.Add(new Put(dep, h, null));
                putSeen.Add(dep);
                return;
            }
            long holders = Volatile.Read(ref h.Holders);
            for (int y = 0; y < 64 && holders != 0; y++)
            {
                if ((holders & (1L << y)) == 0 || y == Slot) continue;
                if (Volatile.Read(ref c._pool.Slots[y].Current) is { IsBroken: false } holder)
                {
                    puts.Add(new Put(dep, null, holder.DataAddress));
                    putSeen.Add(dep);
                    _fetchFrom[dep] = y;
                    return;
                }
                h.RemoveHolder(y);
            }
            Recompute(dep, depth + 1);
        }

        /// <summary>An input this worker could not have (Protocol.StatusMissing): neither it nor the holder it was sent to has it any more.</summary>
        private void Forget(int node)
        {
            if ((uint)node >= (uint)c._held.Length || c._held[node] is not { } h) return;
            h.RemoveHolder(Slot);
            if (_fetchFrom.Remove(node, out int holder)) h.RemoveHolder(holder);
        }

        private void ReadMissing(WireReader r)
        {
            int count = r.ReadInt32();
            if (count < 0 || count > c._plan.Count) throw new InvalidDataException($"A worker reported {count} missing inputs.");
            for (int i = 0; i < count; i++) Forget(r.ReadInt32());
        }

        /// <summary>Runs a finished node again on this worker because every copy of its result was lost with a worker.</summary>
        private void Recompute(int node, int depth)
        {
            if (depth > 10_000) throw new InvalidOperationException("Too many lost results to recompute after a worker crash.");
            if (IsParentNode(node))
                throw new WorkerCrashedException($"The persisted result {c._plan.KeyOf(node)} was lost with its worker process during this computation.");
            // Each round that misses an input forgets at least one holder of it: after a few, the inputs are recomputed here.
            for (int round = 0; ; round++)
            {
                if (round > 2 * 64 + 2) throw new InvalidOperationException($"The inputs of {c._plan.KeyOf(node)} could not be had from any worker.");
                var puts = new List<Put>();
                var seen = new HashSet<int>();
                foreach (var dep in c._plan.Dependencies[node]) Gather(dep, puts, seen, depth);
                var w = new WireWriter(1024);
                w.BeginFrame();
                w.WriteByte(Protocol.Batch);
                w.WriteInt32(c._id);
                WriteCells(w);
                foreach (var put in puts) WritePut(w, put);
                WriteRun(w, node, false);
                w.WriteByte(Protocol.ItemEnd);
                try
                {
                    c._pool.CountBytes(w.WriteFrame(Connection.TaskStream));
                    var r = Connection.TaskReader;
                    long len = r.ReadInt64();
                    long start = r.Position;
                    r.ReadInt32();
                    byte status = r.ReadByte();
                    r.ReadInt64();
                    c._pool.CountBytes(len + 8);
                    c._pool.CountReceived(len + 8);
                    if (status == Protocol.StatusFailed)
                    {
                        int member = r.ReadInt32();
                        var error = RemoteErrors.Read(r);
                        var spec = c._plan.Tasks[c._plan.Members(node)[member]];
                        throw new TaskFailedException(spec.Key.ToString(), spec.Function?.ToString() ?? spec.Key.Name, error);
                    }
                    if (status == Protocol.StatusMissing) ReadMissing(r);
                    r.Skip(start + len - r.Position);
                    if (status == Protocol.StatusMissing) continue;
                    if (status is Protocol.StatusHeld or Protocol.StatusValue) c._held[node]!.AddHolder(Slot);
                    c._pool.CountRecomputed();
                    return;
                }
                catch (Exception e) when (e is IOException or EndOfStreamException or ObjectDisposedException)
                {
                    throw new WorkerLostException(node, [], e);
                }
            }
        }

        private void WriteValue(WireWriter w, object? value)
        {
            var mark = w.BeginLength();
            // Values may be of types from cells (already shipped with the functions that make or take them).
            using (InMemoryAssemblies.Collect(c._lateCells)) WireCodec.Write(w, value);
            w.PatchLength(mark);
        }

        /// <summary>Sends the cells' assemblies this worker has not received yet (once per worker process).</summary>
        private void WriteCells(WireWriter w)
        {
            foreach (var (a, image) in c._cellImages)
            {
                if (!Connection.ReceivedAssemblies.Add(a.ManifestModule.ModuleVersionId)) continue;
                w.WriteByte(Protocol.ItemAssembly);
                w.WriteUtf8(a.GetName().Name!);
                w.Write(a.ManifestModule.ModuleVersionId);
                w.WriteInt32(image.Length);
                w.WriteBytes(image);
            }
        }

        /// <summary>
        /// Sends an input: its value, or where the worker fetches it. The worker counts as a holder from now on (a
        /// fetch that fails is answered <see cref="Protocol.StatusMissing"/>, which takes that back).
        /// </summary>
        private void WritePut(WireWriter w, Put put)
        {
            if (put.Holder is { } holder)
            {
                w.WriteByte(Protocol.ItemHeldAt);
                w.WriteInt32(put.Node);
                w.WriteUtf8(holder);
                w.WriteUtf8(put.Store ?? "");
                w.WriteInt32(put.Store is null ? put.Node : put.StoredAs);
            }
            else
            {
                w.WriteByte(Protocol.ItemPut);
                w.WriteInt32(put.Node);
                WriteValue(w, put.Value!.Value);
            }
            c._held[put.Node]!.AddHolder(Slot);
        }

        private void WriteRun(WireWriter w, int node, bool returnValue, bool pins = false)
        {
            var plan = c._plan;
            var members = plan.Members(node);
            foreach (var m in members)
            {
                if (plan.Tasks[m].Function is not { } f) continue;
                int fid = c._fids[f];
                if (!Defined.Add(fid)) continue;
                var bytes = c._functions[fid];
                w.WriteByte(Protocol.ItemDefine);
                w.WriteInt32(fid);
                w.WriteInt64(bytes.Length);
                w.WriteBytes(bytes);
            }
            // The node's program as the plan compiled it (see Protocol.ItemRun); inputs are named by node number, the
            // worker finds them in its store.
            var program = plan.Program(node);
            var deps = plan.Dependencies[node];
            w.WriteByte(Protocol.ItemRun);
            w.WriteInt32(node);
            w.WriteByte((byte)((returnValue ? Protocol.RunReturnsValue : 0) | (pins ? Protocol.RunPins : 0)));
            w.WriteInt32(deps.Length);
            foreach (var d in deps) w.WriteInt32(d);
            w.WriteInt32(program.MemberCount);
            for (int i = 0; i < program.MemberCount; i++)
            {
                var spec = program.Member(i);
                if (spec.Function is not { } f)
                {
                    w.WriteByte(Protocol.MemberLiteral);
                    WriteValue(w, spec.Value);
                    continue;
                }
                w.WriteByte(Protocol.MemberCall);
                w.WriteInt32(c._fids[f]);
                var args = spec.Args;
                w.WriteInt32(args.Length);
                for (int a = 0; a < args.Length; a++)
                {
                    var source = program.Source(i, a);
                    w.WriteInt32(source.Code);
                    if (source.IsLiteral) WriteValue(w, args[a].Literal);
                }
            }
        }

        private void ReadResult(Queue<int> retry)
        {
            var r = Connection.TaskReader;
            long len = r.ReadInt64();
            long start = r.Position;
            int node = r.ReadInt32();
            byte status = r.ReadByte();
            long ticks = r.ReadInt64();
            c._pool.CountBytes(len + 8);
            c._pool.CountReceived(len + 8);
            if (status == Protocol.StatusMissing)
            {
                // An input could not be had: sent again, after its holder is forgotten (found elsewhere or recomputed).
                ReadMissing(r);
                r.Skip(start + len - r.Position);
                retry.Enqueue(node);
                return;
            }
            // The worker runs a batch's tasks one after another and measures each; answers arrive in bursts, so
            // each run is laid out after the previous one, ending no earlier than its answer allows.
            ticks = Math.Clamp(ticks, 0, Stopwatch.Frequency * 86_400L);
            long ran = Math.Max(_cursor, Stopwatch.GetTimestamp() - ticks);
            _cursor = ran + ticks;
            double micros = ticks * 1e6 / Stopwatch.Frequency;
            _avgMicros = _measured ? 0.8 * _avgMicros + 0.2 * micros : micros;
            _measured = true;
            switch (status)
            {
                case Protocol.StatusHeld:
                    Complete(node, new Held { Holders = Held.Bit(Slot), Size = r.ReadInt64() }, Name, ran, _cursor);
                    break;
                case Protocol.StatusValue:
                {
                    object? value;
                    try
                    {
                        value = WireCodec.Read(r);
                    }
                    catch (Exception e) when (e is not IOException and not EndOfStreamException)
                    {
                        r.Skip(start + len - r.Position);
                        c._state.ReportFinished(node, Name, true, ran, _cursor);
                        c._state.Fail(node, new WireException("The task's result could not be read in the parent process: " + e.Message, "", e));
                        return;
                    }
                    Complete(node, new Held { Value = value, InParent = true, Holders = Held.Bit(Slot) }, Name, ran, _cursor);
                    break;
                }
                case Protocol.StatusFailed:
                {
                    int member = r.ReadInt32();
                    var error = RemoteErrors.Read(r);
                    var spec = c._plan.Tasks[c._plan.Members(node)[member]];
                    c._state.ReportFinished(node, Name, true, ran, _cursor);
                    c._state.Fail(node, new TaskFailedException(spec.Key.ToString(), spec.Function?.ToString() ?? spec.Key.Name, error));
                    break;
                }
                default:
                    // Skipped: the computation ended while the run was queued in the worker.
                    c._state.ReportFinished(node, Name, true);
                    break;
            }
        }

        private void Complete(int node, Held held, string worker, long ran = 0, long ended = 0)
        {
            if (c.Pinned is { } pinned && !held.InParent && c._plan.IsOutput(node) && !c._kept.ContainsKey(node))
                c._kept[node] = WorkerResident.OnWorker(c._pool, c._plan.ResultTask(node), pinned, node, Connection.DataAddress, Connection.Id, held.Size);
            c._held[node] = held;
            if (ended != 0) c._state.ReportFinished(node, worker, false, ran, ended);
            else c._state.ReportFinished(node, worker, false);
            c._state.Complete(node, held);
            Volatile.Write(ref c._completed[node], 1);
            foreach (var dep in c._plan.Dependencies[node]) CheckRelease(dep);
            CheckRelease(node);
        }

        /// <summary>When the execution state has released a node, the workers holding it are told to drop it.</summary>
        private void CheckRelease(int node)
        {
            if (Volatile.Read(ref c._completed[node]) == 0 || c._state.Results[node] is not null) return;
            if (c._held[node] is not { } h || Interlocked.Exchange(ref c._released[node], 1) != 0) return;
            long holders = Interlocked.Exchange(ref h.Holders, 0);
            h.Value = null;
            h.InParent = false;
            for (int y = 0; y < 64 && holders != 0; y++)
                if ((holders & (1L << y)) != 0) _releases[y].Add(node);
        }

        public void FlushReleases()
        {
            for (int y = 0; y < _releases.Length; y++)
            {
                if (_releases[y].Count == 0) continue;
                Volatile.Read(ref c._pool.Slots[y].Current)?.Release(c._id, _releases[y]);
                _releases[y].Clear();
            }
        }
    }
}
