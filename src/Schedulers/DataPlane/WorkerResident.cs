namespace TaskGraph.DataPlane;

/// <summary>
/// A persisted result of an out-of-process scheduler (<see cref="Keeper"/>: the process pool or the cluster): small
/// ones (up to <see cref="Processes.Protocol.InlineResultBytes"/>) are kept in this process; large ones stay pinned
/// in the worker that computed them, in its <see cref="ResultStore"/> under the persist's own id
/// (<see cref="PinnedResults"/>), which no computation's end drops. A later computation of the same scheduler
/// records the node standing for it as held there (<see cref="Recall"/>): its readers run on that worker, or fetch
/// it from there over the data plane like any other held input — never through this process. The persisted task is
/// a call of <see cref="Fetch"/> under the original key, so any other scheduler still gets the value.
/// <para>A worker that died took its pinned results with it: the scheduler computes them again from
/// <see cref="Lineage"/> (the original task and its graph, <see cref="Renew"/>) before the computation that reads
/// them, or runs that computation again when it missed one.</para>
/// </summary>
internal sealed class WorkerResident : IResidentResult, ITokenizable
{
    private readonly object _gate = new();
    private PinnedResults? _pinned;
    private int _node;
    private string _holder = "", _worker = "";
    private long _size;
    private object? _value;
    private bool _released;

    private WorkerResident(IResidentKeeper keeper, TaskSpec lineage)
    {
        Keeper = keeper;
        Lineage = lineage;
        Spec = TaskSpec.Call(lineage.Key, TaskFunction.Create(new Func<object?>(Fetch), TaskInvokers.Call0<object?>, "persisted"));
    }

    /// <summary>
    /// A result pinned on a worker: the one named <paramref name="worker"/>, whose data plane listens at
    /// <paramref name="holder"/>, keeps it in <paramref name="pinned"/> under <paramref name="node"/>.
    /// </summary>
    public static WorkerResident OnWorker(IResidentKeeper keeper, TaskSpec lineage, PinnedResults pinned, int node, string holder, string worker, long size)
        => new(keeper, lineage) { _pinned = pinned, _node = node, _holder = holder, _worker = worker, _size = size };

    /// <summary>A result kept in this process.</summary>
    public static WorkerResident Here(IResidentKeeper keeper, TaskSpec lineage, object? value)
        => new(keeper, lineage) { _value = value };

    /// <summary>The scheduler that keeps it.</summary>
    public IResidentKeeper Keeper { get; }

    /// <summary>The original task (with its whole graph), to compute the result again.</summary>
    public TaskSpec Lineage { get; }

    /// <summary>The task later graphs read: the original key, no inputs.</summary>
    public TaskSpec Spec { get; }

    /// <summary>The data plane address of the worker holding it; empty when this process keeps it.</summary>
    public string Holder { get { lock (_gate) return _holder; } }

    /// <summary>The name of the worker holding it (<c>host:pid</c> on the cluster, <c>process-N:pid</c> in the pool); empty when this process keeps it.</summary>
    public string Worker { get { lock (_gate) return _worker; } }

    /// <summary>Where the holder keeps it: the persist's id in its store and the node under which.</summary>
    public (string Store, int Node) StoredAs { get { lock (_gate) return (_pinned?.Id ?? "", _node); } }

    /// <summary>Encoded size of a result held on a worker (0 here).</summary>
    public long Size { get { lock (_gate) return _size; } }

    /// <summary>True once the handle was disposed.</summary>
    public bool IsReleased { get { lock (_gate) return _released; } }

    /// <summary>What a computation of <see cref="Keeper"/> records for the node standing for it: its value, or where it is held.</summary>
    /// <exception cref="ObjectDisposedException">The handle was disposed.</exception>
    public Place Recall()
    {
        lock (_gate)
        {
            if (_released) throw Released();
            return _pinned is null ? new Place(_value, "", "", "", 0, 0) : new Place(null, _holder, _worker, _pinned.Id, _node, _size);
        }
    }

    /// <summary>Where a persisted result is: its <see cref="Value"/>, or held by <see cref="Holder"/> in <see cref="Store"/> under <see cref="Node"/>.</summary>
    public readonly record struct Place(object? Value, string Holder, string Worker, string Store, int Node, long Size)
    {
        /// <summary>True when a worker holds it (else <see cref="Value"/> is it).</summary>
        public bool OnWorker => Holder.Length > 0;
    }

    /// <summary>
    /// Reads the value once: kept here, or fetched from its holder over the data plane. False when the holder is gone
    /// or no longer has it — nothing is computed again (for a scheduler in the middle of a computation, which
    /// computes it again from its lineage before running the computation once more).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The handle was disposed.</exception>
    public bool TryRead(out object? value)
    {
        string holder, store;
        int node;
        lock (_gate)
        {
            if (_released) throw Released();
            value = _value;
            if (_pinned is null) return true;
            (holder, store, node) = (_holder, _pinned.Id, _node);
        }
        try
        {
            return Keeper.Peers.TryGet(holder, store, node, out value);
        }
        catch (DataPlaneException e) when (e.Unreachable)
        {
            return false; // the holder is gone with the result
        }
    }

    /// <summary>
    /// The value, for another scheduler or this process: kept here, or fetched from its holder over the data plane,
    /// or computed again when the holder is gone.
    /// </summary>
    public object? Fetch()
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            if (TryRead(out var value)) return value;
            Renew(new ComputeContext(default, [])).GetAwaiter().GetResult();
        }
        throw new Processes.WorkerCrashedException($"The persisted result {Lineage.Key} was lost three times while it was read (its worker died each time).");
    }

    /// <summary>Computes the result again from <see cref="Lineage"/> on <see cref="Keeper"/> and keeps it there, in place of the lost one.</summary>
    public async Task Renew(ComputeContext context)
    {
        Keeper.CountRecomputed();
        using var again = await Keeper.PersistAsync(ExecutionPlan.Compile([Lineage]), context).ConfigureAwait(false);
        var fresh = (WorkerResident)again.Specs[0].Function!.Target!;
        PinnedResults? old;
        lock (fresh._gate)
        lock (_gate)
        {
            if (_released) return; // released meanwhile: disposing 'again' drops the fresh copy
            old = _pinned;
            (_pinned, _node, _holder, _worker, _size, _value) = (fresh._pinned, fresh._node, fresh._holder, fresh._worker, fresh._size, fresh._value);
            fresh._released = true; // the fresh copy now belongs to this resident: disposing 'again' must not drop it
        }
        old?.Unref(Keeper.Peers);
    }

    /// <summary>Drops the result (its holder forgets it once no result of its persist is left); reading it afterwards fails with <see cref="ObjectDisposedException"/>.</summary>
    public void Release()
    {
        PinnedResults? pinned;
        lock (_gate)
        {
            if (_released) return;
            _released = true;
            _value = null;
            pinned = _pinned;
        }
        pinned?.Unref(Keeper.Peers);
    }

    private ObjectDisposedException Released() => new(ToString(),
        $"The persisted result {Lineage.Key} was released (its Persisted handle was disposed): compute the original collection instead.");

    /// <summary>A persisted result stands for its original task in keys that read it.</summary>
    public void AddToken(ref TokenBuilder builder) => builder.Add(Lineage.Key.Token);

    /// <inheritdoc />
    public override string ToString() => $"persisted {Lineage.Key}";
}
