using TaskGraph.DataPlane;

namespace TaskGraph.Distributed;

/// <summary>
/// A persisted result of the cluster (<see cref="DistributedScheduler.PersistAsync"/>): small ones (up to
/// <see cref="Processes.Protocol.InlineResultBytes"/>) are kept in the client; large ones stay pinned in the
/// worker that computed them, in its <see cref="ResultStore"/> under the persist's own id (<see cref="PinnedResults"/>),
/// which no computation's end drops. A later computation on the same cluster records the node standing for it as
/// held there (<see cref="Recall"/>): its readers are sent to that worker, or fetch it from there over the data
/// plane — never through the client. The persisted task is a call of <see cref="Fetch"/> under the original key,
/// so any other scheduler still gets the value.
/// <para>A worker that died took its pinned results with it: a computation that misses one fails with
/// <see cref="ResidentLostException"/>, and the scheduler computes it again from <see cref="Lineage"/> (the original
/// task and its graph, <see cref="Renew"/>) and runs the computation again.</para>
/// </summary>
internal sealed class ClusterResident : IResidentResult, ITokenizable
{
    private readonly object _gate = new();
    private PinnedResults? _pinned;
    private int _node;
    private string _holder = "", _worker = "";
    private long _size;
    private object? _value;
    private bool _released;

    private ClusterResident(DistributedScheduler scheduler, TaskSpec lineage)
    {
        Scheduler = scheduler;
        Lineage = lineage;
        Spec = TaskSpec.Call(lineage.Key, TaskFunction.Create(new Func<object?>(Fetch), TaskInvokers.Call0<object?>, "persisted"));
    }

    /// <summary>A result pinned on a worker: <paramref name="where"/> holds it, in <paramref name="pinned"/> under <paramref name="node"/>.</summary>
    public static ClusterResident OnWorker(DistributedScheduler scheduler, TaskSpec lineage, PinnedResults pinned, int node, ClusterResult where)
        => new(scheduler, lineage) { _pinned = pinned, _node = node, _holder = where.Holder, _worker = where.Worker, _size = where.Size };

    /// <summary>A result kept in the client.</summary>
    public static ClusterResident InClient(DistributedScheduler scheduler, TaskSpec lineage, object? value)
        => new(scheduler, lineage) { _value = value };

    /// <summary>The cluster's client that keeps it.</summary>
    public DistributedScheduler Scheduler { get; }

    /// <summary>The original task (with its whole graph), to compute the result again.</summary>
    public TaskSpec Lineage { get; }

    /// <summary>The task later graphs read: the original key, no inputs.</summary>
    public TaskSpec Spec { get; }

    /// <summary>The data plane address of the worker holding it; empty when the client keeps it.</summary>
    public string Holder { get { lock (_gate) return _holder; } }

    /// <summary>The name of the worker holding it (<c>host:pid</c>); empty when the client keeps it.</summary>
    public string Worker { get { lock (_gate) return _worker; } }

    /// <summary>Where the holder keeps it: the persist's id in its store and the node under which.</summary>
    public (string Store, int Node) StoredAs { get { lock (_gate) return (_pinned?.Id ?? "", _node); } }

    /// <summary>Encoded size of a result held on a worker (0 in the client).</summary>
    public long Size { get { lock (_gate) return _size; } }

    /// <summary>What a computation of <see cref="Scheduler"/> records for the node standing for it: its value, or where it is held.</summary>
    /// <exception cref="ObjectDisposedException">The handle was disposed.</exception>
    public ClusterResult Recall()
    {
        lock (_gate)
        {
            if (_released) throw Released();
            if (_pinned is null) return new ClusterResult { Value = _value };
            return new ClusterResult { Holder = _holder, Worker = _worker, Size = _size, Store = _pinned.Id, StoredAs = _node };
        }
    }

    /// <summary>
    /// The value, for the client (an output of a computation) or another scheduler: kept here, or fetched from its
    /// holder over the data plane, or computed again when the holder is gone.
    /// </summary>
    public object? Fetch()
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            string holder, store;
            int node;
            lock (_gate)
            {
                if (_released) throw Released();
                if (_pinned is null) return _value;
                (holder, store, node) = (_holder, _pinned.Id, _node);
            }
            try
            {
                if (Scheduler.Peers.TryGet(holder, store, node, out var value)) return value;
            }
            catch (DataPlaneException e) when (e.Unreachable)
            {
                // The holder is gone with the result: computed again below.
            }
            Renew(new ComputeContext(default, [])).GetAwaiter().GetResult();
        }
        throw new ResidentLostException(this, "was lost three times while it was read");
    }

    /// <summary>Computes the result again from <see cref="Lineage"/> on <see cref="Scheduler"/> and keeps it there, in place of the lost one.</summary>
    public async Task Renew(ComputeContext context)
    {
        Scheduler.CountRecomputed();
        using var again = await Scheduler.PersistAsync(ExecutionPlan.Compile([Lineage]), context).ConfigureAwait(false);
        var fresh = (ClusterResident)again.Specs[0].Function!.Target!;
        PinnedResults? old;
        lock (fresh._gate)
        lock (_gate)
        {
            if (_released) return; // released meanwhile: disposing 'again' drops the fresh copy
            old = _pinned;
            (_pinned, _node, _holder, _worker, _size, _value) = (fresh._pinned, fresh._node, fresh._holder, fresh._worker, fresh._size, fresh._value);
            fresh._released = true; // the fresh copy now belongs to this resident: disposing 'again' must not drop it
        }
        old?.Unref(Scheduler.Peers);
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
        pinned?.Unref(Scheduler.Peers);
    }

    private ObjectDisposedException Released() => new(ToString(),
        $"The persisted result {Lineage.Key} was released (its Persisted handle was disposed): compute the original collection instead.");

    /// <summary>A persisted result stands for its original task in keys that read it.</summary>
    public void AddToken(ref TokenBuilder builder) => builder.Add(Lineage.Key.Token);

    /// <inheritdoc />
    public override string ToString() => $"persisted {Lineage.Key}";
}

/// <summary>
/// The results one persist left on the workers, under its own id in their stores (tasks carrying
/// <see cref="RemoteTask.Pin"/>): dropped on every worker that may hold one (a redelivered task may have run twice)
/// once no <see cref="ClusterResident"/> refers to them any more.
/// </summary>
internal sealed class PinnedResults(string id)
{
    private string[] _holders = [];
    private int _refs;

    /// <summary>The id the workers keep these results under (as a computation id).</summary>
    public string Id { get; } = id;

    /// <summary>Sets what to drop and how many residents refer to it (when the persist ends); none: dropped at once.</summary>
    public void Hold(IEnumerable<string> holders, int residents, DataPeers peers)
    {
        _holders = holders.ToArray();
        if (Interlocked.Add(ref _refs, residents) == 0) Drop(peers);
    }

    /// <summary>One resident no longer refers to these results: the last one drops them.</summary>
    public void Unref(DataPeers peers)
    {
        if (Interlocked.Decrement(ref _refs) == 0) Drop(peers);
    }

    private void Drop(DataPeers peers)
    {
        foreach (var holder in _holders)
        {
            try
            {
                peers.Drop(holder, Id);
            }
            catch (Exception e) when (e is DataPlaneException or ObjectDisposedException)
            {
                // Gone with its results (or the client is being disposed: the workers drop them when its queue goes).
            }
        }
    }
}

/// <summary>A persisted result was lost with the worker holding it; the scheduler computes it again and retries.</summary>
internal sealed class ResidentLostException(ClusterResident resident, string what)
    : Exception($"The persisted result {resident.Lineage.Key} {what} (its worker died): it is computed again from its lineage.")
{
    /// <summary>The lost result.</summary>
    public ClusterResident Resident { get; } = resident;
}
