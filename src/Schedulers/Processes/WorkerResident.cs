using TaskGraph.Wire;

namespace TaskGraph.Processes;

/// <summary>
/// A persisted result of the process pool: small ones (up to <see cref="Protocol.InlineResultBytes"/>) are kept
/// in the parent, large ones stay pinned in the worker process that made them (<see cref="Protocol.Pin"/>) across
/// computations. A computation on the same pool that reads it aliases it into its own store in that worker
/// (<see cref="Protocol.Recall"/>): nothing moves. The persisted task is a call of <see cref="Fetch"/> under
/// the original key, so any other scheduler still gets the value (fetched from the worker).
///
/// <para>A worker that died took its pinned results with it: before the next computation that reads them the pool
/// computes them again from <see cref="Lineage"/>, the original task and its inputs (<see cref="Renew"/>).</para>
/// </summary>
internal sealed class WorkerResident : IResidentResult, ITokenizable
{
    private readonly object _gate = new();
    private PoolWorker? _worker;
    private long _pin;
    private object? _value;
    private bool _inParent;
    private bool _released;

    private WorkerResident(ProcessPoolScheduler pool, TaskSpec lineage)
    {
        Pool = pool;
        Lineage = lineage;
        Spec = TaskSpec.Call(lineage.Key, TaskFunction.Create(new Func<object?>(Fetch), TaskInvokers.Call0<object?>, "persisted"));
    }

    /// <summary>A result pinned in <paramref name="worker"/> under <paramref name="pin"/>.</summary>
    public static WorkerResident InWorker(ProcessPoolScheduler pool, TaskSpec lineage, PoolWorker worker, long pin, long size)
        => new(pool, lineage) { _worker = worker, _pin = pin, Size = size };

    /// <summary>A result kept in the parent.</summary>
    public static WorkerResident InParent(ProcessPoolScheduler pool, TaskSpec lineage, object? value)
        => new(pool, lineage) { _value = value, _inParent = true };

    /// <summary>The pool that keeps the result.</summary>
    public ProcessPoolScheduler Pool { get; }

    /// <summary>The original task (with its whole graph), to compute the result again.</summary>
    public TaskSpec Lineage { get; }

    /// <summary>The task later graphs read: the original key, no inputs.</summary>
    public TaskSpec Spec { get; }

    /// <summary>Encoded size of a result pinned in a worker (0 in the parent).</summary>
    public long Size { get; private set; }

    /// <summary>True when the result was pinned in a worker that is no longer the pool's (it died or was replaced).</summary>
    public bool IsLost
    {
        get
        {
            lock (_gate) return !_released && !_inParent && (_worker is not { } w || w.IsBroken || !Pool.IsCurrent(w));
        }
    }

    /// <summary>
    /// What computation <paramref name="compute"/> of <see cref="Pool"/> records for node <paramref name="node"/>:
    /// the value kept in the parent, or the worker that now holds the result under that node (aliased, not copied).
    /// </summary>
    /// <param name="compute">The computation's id.</param>
    /// <param name="node">The node that stands for this result in the computation.</param>
    /// <param name="value">True when the computation returns the node (an output): the value comes to the parent.</param>
    public Held Recall(int compute, int node, bool value)
    {
        lock (_gate)
        {
            if (_released) throw Released();
            if (_inParent) return new Held { Value = _value, InParent = true };
            if (_worker is { } w && Pool.IsCurrent(w))
            {
                if (!value && w.Recall(compute, node, _pin)) return new Held { Holders = Held.Bit(w.Slot), Size = Size };
                if (value && w.TryGetPinned(_pin) is { } bytes) return new Held { Value = WireCodec.Read(new WireReader(new MemoryStream(bytes))), InParent = true };
            }
        }
        throw new WorkerCrashedException(
            $"The persisted result {Lineage.Key} was lost with its worker process during this computation. Compute again: it is computed from its lineage first.");
    }

    /// <summary>
    /// The value, for a computation outside the pool that keeps it (another scheduler): read from the parent, or
    /// fetched from the worker, or computed again when that worker died.
    /// </summary>
    public object? Fetch()
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            PoolWorker? worker;
            long pin;
            lock (_gate)
            {
                if (_released) throw Released();
                if (_inParent) return _value;
                (worker, pin) = (_worker, _pin);
            }
            if (worker is not null && Pool.IsCurrent(worker) && worker.TryGetPinned(pin) is { } bytes)
                return WireCodec.Read(new WireReader(new MemoryStream(bytes)));
            Renew(new ComputeContext(default, [])).GetAwaiter().GetResult();
        }
        throw new WorkerCrashedException($"The persisted result {Lineage.Key} was lost three times while it was read.");
    }

    /// <summary>Computes the result again from <see cref="Lineage"/> on <see cref="Pool"/> and keeps it there.</summary>
    public async Task Renew(ComputeContext context)
    {
        using var again = await Pool.PersistAsync(ExecutionPlan.Compile([Lineage]), context).ConfigureAwait(false);
        var fresh = (WorkerResident)again.Specs[0].Function!.Target!;
        lock (fresh._gate)
        lock (_gate)
        {
            if (_released) return; // released meanwhile: disposing 'again' drops the fresh copy
            (_worker, _pin, _value, _inParent, Size) = (fresh._worker, fresh._pin, fresh._value, fresh._inParent, fresh.Size);
            fresh._released = true; // the fresh copy now belongs to this resident: disposing 'again' must not drop it
        }
    }

    /// <summary>Drops the result (the worker unpins it); reading it afterwards fails with <see cref="ObjectDisposedException"/>.</summary>
    public void Release()
    {
        lock (_gate)
        {
            if (_released) return;
            _released = true;
            _value = null;
            if (_worker is { } w && !_inParent) w.Unpin(_pin, Size);
            _worker = null;
        }
    }

    private ObjectDisposedException Released() => new(ToString(),
        $"The persisted result {Lineage.Key} was released (its Persisted handle was disposed): compute the original collection instead.");

    /// <summary>A persisted result stands for its original task in keys that read it.</summary>
    public void AddToken(ref TokenBuilder builder) => builder.Add(Lineage.Key.Token);

    /// <inheritdoc />
    public override string ToString() => $"persisted {Lineage.Key}";
}
