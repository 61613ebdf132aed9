using System.Runtime.CompilerServices;

namespace TaskGraph.Processes;

/// <summary>
/// Runs tasks in a pool of worker processes (default: one per core), for isolation: native code that is not
/// thread-safe, memory that must go back to the operating system, crashes that must not take the caller down.
/// The same graphs run as on the thread pool, with no registration of functions: a task's delegate crosses as
/// its method identity plus its closure's fields (see <see cref="Wire.WireCodec"/>).
///
/// <para>Workers start on the first computation and are reused until <see cref="Dispose"/>; they exit with the
/// parent process however it ends. Results stay in the worker that made them (small results also travel back
/// with their completion); a task runs where most of its input bytes are, and a worker fetches an input held by
/// another worker directly from it over the data plane (loopback TCP, authenticated with a random secret of this
/// pool that the workers receive over their pipe), never through the parent. A worker that dies mid-task is
/// replaced and the task retried; results lost with it are computed again from their inputs; a task that kills
/// its worker three times fails.</para>
/// <para>Persisted results (<see cref="PersistAsync"/>) over 64 KB stay pinned in their worker across
/// computations until their handle is disposed; a later computation uses them where they are. They are kept, read
/// and dropped as on the cluster: in the worker's result store under the persist's id, over the data plane
/// (<see cref="WorkerResident"/>).</para>
/// </summary>
public sealed class ProcessPoolScheduler : IPersistingScheduler, IWorkerProcessSource, IResidentKeeper
{
    private readonly Slot[] _slots;
    private readonly object _startLock = new();
    // The data plane's secret of this pool (given to each worker over its task pipe) and the parent's connections to the workers' data plane (releases, drops).
    private readonly byte[] _dataKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    private readonly DataPeers _peers;
    private long _bytesMoved;
    private long _bytesReceived;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, ProcessCompute> _computes = new();
    // Persisted results pinned in the workers whose handles are not disposed (for the workers' held bytes).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<WorkerResident, bool> _pinned = new();
    private int _nextCompute;
    private volatile bool _disposed;

    /// <summary>One position of the pool: its current process and the lock of its task pipe.</summary>
    internal sealed class Slot
    {
        public PoolWorker? Current;
        public readonly SemaphoreSlim TaskPipe = new(1, 1);
    }

    /// <summary>Creates a pool of <paramref name="workers"/> processes (null: <see cref="Environment.ProcessorCount"/>); none start until the first computation.</summary>
    public ProcessPoolScheduler(int? workers = null)
    {
        if (workers is < 1) throw new ArgumentOutOfRangeException(nameof(workers), workers, "A process pool needs at least one worker.");
        Workers = workers ?? Environment.ProcessorCount;
        _slots = new Slot[Workers];
        for (int i = 0; i < Workers; i++) _slots[i] = new Slot();
        _peers = new DataPeers(new DataPlaneKey(_dataKey));
    }

    /// <summary>Number of worker processes.</summary>
    public int Workers { get; }

    /// <summary>
    /// The stall timeout of computations whose options set none (<see cref="ComputeOptions.StallTimeout"/>):
    /// 5 minutes without a task starting or finishing and without any worker using CPU. A computation that hangs
    /// then fails with a <see cref="ComputeStalledException"/> that describes where it stopped.
    /// </summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <inheritdoc />
    public string Name => "processes";

    /// <summary>
    /// Bytes between this process and the workers since the pool was created: over their pipes (tasks, values,
    /// results), and persisted results this process read from them over the data plane.
    /// </summary>
    public long BytesMoved => Interlocked.Read(ref _bytesMoved) + _peers.BytesReceived;

    /// <summary>
    /// Bytes this process (the parent) received from the workers since the pool was created: answers, small
    /// results and outputs (persisted ones over the data plane). Results moving from worker to worker do not pass through it.
    /// </summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived) + _peers.BytesReceived;

    /// <summary>The operating-system ids of the worker processes (starts them if needed).</summary>
    public IReadOnlyList<int> WorkerProcessIds
    {
        get
        {
            EnsureStarted();
            return _slots.Select(s => Volatile.Read(ref s.Current)?.ProcessId ?? 0).ToArray();
        }
    }

    /// <summary>
    /// The worker processes alive now, for diagnostics (the resource profiler samples them); starts none. Each
    /// tells the bytes of large results (over 64 KB, kept in the worker until needed elsewhere) it holds for the
    /// running computations — released when no task needs them any more, dropped when the computation ends — and
    /// for persisted results, until their handle is disposed.
    /// </summary>
    public IReadOnlyList<WorkerProcess> WorkerProcesses
    {
        get
        {
            var computes = _computes.Values.ToArray();
            var list = new List<WorkerProcess>(_slots.Length);
            for (int slot = 0; slot < _slots.Length; slot++)
            {
                if (Volatile.Read(ref _slots[slot].Current) is not { IsBroken: false } w) continue;
                long held = 0;
                foreach (var r in _pinned.Keys)
                    if (!r.IsReleased && r.Holder == w.DataAddress) held += r.Size;
                foreach (var c in computes) held += c.HeldBytes(slot);
                list.Add(new WorkerProcess(w.Name, w.ProcessId) { HeldBytes = held });
            }
            return list;
        }
    }

    /// <summary>Where each live worker's data plane server listens (for tests from outside: a stranger must be refused there).</summary>
    internal IReadOnlyList<string> WorkerDataAddresses
    {
        get
        {
            EnsureStarted();
            return _slots.Select(s => Volatile.Read(ref s.Current)?.DataAddress).OfType<string>().ToArray();
        }
    }

    /// <summary>This pool's data plane secret (the workers receive it over their task pipe; never on a command line or in a log).</summary>
    internal ReadOnlySpan<byte> DataKey => _dataKey;

    /// <summary>Results computed again because every copy was lost with a worker process (lineage recovery).</summary>
    internal long RecomputedResults => Interlocked.Read(ref _recomputed);

    private long _recomputed;

    internal void CountRecomputed() => Interlocked.Increment(ref _recomputed);

    void IResidentKeeper.CountRecomputed() => CountRecomputed();

    // The parent's connections to the workers' data plane: persisted results are read and dropped over them.
    DataPeers IResidentKeeper.Peers => _peers;

    internal void Track(int id, ProcessCompute compute) => _computes[id] = compute;

    internal void Untrack(int id) => _computes.TryRemove(id, out _);

    internal Slot[] Slots => _slots;

    internal void CountBytes(long n) => Interlocked.Add(ref _bytesMoved, n);

    internal void CountReceived(long n) => Interlocked.Add(ref _bytesReceived, n);

    /// <summary>The CPU time all worker processes have used (the stall watchdog's measure of activity).</summary>
    internal long WorkerCpuTicks()
    {
        long sum = 0;
        foreach (var s in _slots) sum += Volatile.Read(ref s.Current)?.CpuTicks ?? 0;
        return sum;
    }

    /// <inheritdoc />
    public Task<object?[]> ExecuteAsync(ExecutionPlan plan, ComputeContext context)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var lost = LostResidents(plan);
        if (lost.Count > 0) return RenewThen(lost, context, () => ExecuteAsync(plan, context));
        var task = Run(plan, context);
        return HasResidents(plan) ? RetryIfResidentsLost(task, plan, context) : task;
    }

    /// <summary>
    /// A computation that read persisted results and failed while one of them was lost (its worker died during
    /// the computation) runs once more, after computing them again from their lineage.
    /// </summary>
    private async Task<object?[]> RetryIfResidentsLost(Task<object?[]> first, ExecutionPlan plan, ComputeContext context)
    {
        try
        {
            return await first.ConfigureAwait(false);
        }
        catch (Exception) when (!context.CancellationToken.IsCancellationRequested && LostResidents(plan) is { Count: > 0 } lost)
        {
            foreach (var r in lost) await r.Renew(context).ConfigureAwait(false);
            return await Run(plan, context).ConfigureAwait(false);
        }
    }

    private bool HasResidents(ExecutionPlan plan)
    {
        foreach (var t in plan.Tasks)
            if (t.Function?.Target is WorkerResident r && r.Keeper == this) return true;
        return false;
    }

    private Task<object?[]> Run(ExecutionPlan plan, ComputeContext context)
    {
        ProcessCompute compute;
        try
        {
            // Everything that must cross to a worker is checked before any work runs.
            compute = new ProcessCompute(this, plan, context, Interlocked.Increment(ref _nextCompute));
            if (plan.Count > 0) EnsureStarted();
        }
        catch (Exception e)
        {
            return Task.FromException<object?[]>(e);
        }
        return compute.Start();
    }

    /// <summary>
    /// Runs <paramref name="plan"/> and keeps its outputs: results over 64 KB stay pinned in the worker that made
    /// them (until the answer is disposed), smaller ones in this process. Later computations on this pool use
    /// them where they are; other schedulers fetch them.
    /// </summary>
    public async Task<PersistedResults> PersistAsync(ExecutionPlan plan, ComputeContext context)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var lost = LostResidents(plan);
        foreach (var r in lost) await r.Renew(context).ConfigureAwait(false);
        int id = Interlocked.Increment(ref _nextCompute);
        var pinned = new PinnedResults(Protocol.PinId(id));
        var compute = new ProcessCompute(this, plan, context, id) { Pinned = pinned };
        if (plan.Count > 0) EnsureStarted();
        object?[] kept;
        try
        {
            kept = await compute.Start().ConfigureAwait(false);
        }
        catch
        {
            pinned.Hold(LiveDataAddresses(), 0, _peers); // whatever was pinned before the failure goes
            throw;
        }
        var residents = kept.Select(k => (WorkerResident)k!).ToArray();
        var onWorkers = residents.Where(r => r.Holder.Length > 0).ToArray();
        foreach (var r in onWorkers) _pinned[r] = true;
        pinned.Hold(LiveDataAddresses(), onWorkers.Length, _peers);
        return new PersistedResults(residents.Select(r => r.Spec).ToArray(), () =>
        {
            foreach (var r in residents) r.Release();
            foreach (var r in onWorkers) _pinned.TryRemove(r, out _);
        });
    }

    private string[] LiveDataAddresses() => _slots.Select(s => Volatile.Read(ref s.Current)).OfType<PoolWorker>().Select(w => w.DataAddress).ToArray();

    /// <summary>The slot whose live process is <paramref name="worker"/> (a <see cref="PoolWorker.Id"/>) listening at <paramref name="holder"/>; -1 when it died or was replaced.</summary>
    internal int SlotOf(string holder, string worker)
    {
        for (int slot = 0; slot < _slots.Length; slot++)
            if (Volatile.Read(ref _slots[slot].Current) is { IsBroken: false } w && w.DataAddress == holder && w.Id == worker) return slot;
        return -1;
    }

    /// <summary>Persisted results of this pool that <paramref name="plan"/> reads and whose worker died.</summary>
    private List<WorkerResident> LostResidents(ExecutionPlan plan)
    {
        List<WorkerResident>? lost = null;
        foreach (var t in plan.Tasks)
            if (t.Function?.Target is WorkerResident r && r.Keeper == this && IsLost(r)) (lost ??= []).Add(r);
        return lost ?? [];
    }

    /// <summary>Computes lost persisted results again from their lineage, then runs <paramref name="next"/>.</summary>
    private static async Task<object?[]> RenewThen(List<WorkerResident> lost, ComputeContext context, Func<Task<object?[]>> next)
    {
        foreach (var r in lost) await r.Renew(context).ConfigureAwait(false);
        return await next().ConfigureAwait(false);
    }

    /// <summary>True when <paramref name="r"/> was pinned in a worker that is no longer the pool's (it died or was replaced).</summary>
    private bool IsLost(WorkerResident r) => !r.IsReleased && r.Holder.Length > 0 && SlotOf(r.Holder, r.Worker) < 0;

    /// <summary>
    /// The <paramref name="count"/> slots a new computation's dispatchers take: idle ones first, so a small
    /// computation started while another runs (a future submitted beside a long one) does not queue behind it.
    /// </summary>
    internal int[] PickSlots(int count)
        => Enumerable.Range(0, _slots.Length).OrderBy(i => _slots[i].TaskPipe.CurrentCount > 0 ? 0 : 1).ThenBy(i => i).Take(count).ToArray();

    /// <summary>Starts the workers that are not running (in parallel: each takes ~0.1 s to start).</summary>
    private void EnsureStarted()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_startLock)
        {
            var missing = Enumerable.Range(0, Workers).Where(i => _slots[i].Current is null).ToArray();
            if (missing.Length == 0) return;
            PoolWorker.SweepDeadParentsSockets();
            var started = new PoolWorker[missing.Length];
            Parallel.For(0, missing.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Min(missing.Length, 8) },
                i => started[i] = PoolWorker.Start(missing[i], _dataKey, _peers));
            for (int i = 0; i < missing.Length; i++) Volatile.Write(ref _slots[missing[i]].Current, started[i]);
        }
    }

    /// <summary>The live process of <paramref name="slot"/>, replacing <paramref name="broken"/> (if it is still the current one) with a fresh worker.</summary>
    internal PoolWorker Replace(int slot, PoolWorker broken)
    {
        lock (_startLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var s = _slots[slot];
            if (s.Current == broken || s.Current is null)
            {
                broken.Kill();
                broken.Dispose();
                Volatile.Write(ref s.Current, PoolWorker.Start(slot, _dataKey, _peers));
            }
            return s.Current!;
        }
    }

    /// <summary>Stops every worker process. Running computations fail.</summary>
    public void Dispose()
    {
        lock (_startLock)
        {
            if (_disposed) return;
            _disposed = true;
        }
        Parallel.ForEach(_slots, s => Interlocked.Exchange(ref s.Current, null)?.Dispose());
        _peers.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"Scheduler.Processes({Workers})";

    // Registration runs when this assembly loads, so TASKGRAPH_SCHEDULER=processes works without code naming this class.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() => SchedulerRegistry.Register("processes", () => Scheduler.Processes());
}
