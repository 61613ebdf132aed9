using System.Diagnostics;
using TaskGraph.DataPlane;
using TaskGraph.Wire;

namespace TaskGraph.Distributed;

/// <summary>
/// One computation on the cluster: a dispatcher thread takes ready nodes from the shared
/// <see cref="ExecutionState"/> (at most <see cref="DistributedScheduler.Window"/> in flight) and publishes them;
/// results arriving on the reply queue complete them. A result for a node already done (a redelivered task that
/// ran twice) is ignored. Many short tasks ready at once travel several to a message (<see cref="TaskBatch"/>, sized
/// by the run time workers report, see <see cref="Flush"/>), and their results come back together.
/// <para>Data stays on the workers: a result over <see cref="Processes.Protocol.InlineResultBytes"/> that is not
/// an output stays in the worker that made it, and this compute records only where (<see cref="ClusterResult"/>,
/// the node's result in the execution state). A task's message carries its small inputs and the holders of the
/// large ones, which its worker fetches directly. Results the state releases are released on their holders; at the
/// end every holder drops the computation's results.</para>
/// <para>Recovery by lineage: a worker that cannot fetch an input (its holder died) answers with the inputs it
/// misses; the holder is taken as dead, the lost results are recomputed from their own inputs (recursively, as far
/// back as needed) and the task is sent again once they are back.</para>
/// <para>Liveness: while it runs, the compute asks the broker how many workers consume the work queue; when none
/// has for <see cref="DistributedScheduler.WorkerTimeout"/>, it fails with <see cref="NoWorkersException"/>
/// instead of waiting for ever. A compute that ends without success takes its unstarted tasks back out of the queue.</para>
/// </summary>
internal sealed class DistributedCompute
{
    private readonly DistributedScheduler _scheduler;
    private readonly ExecutionPlan _plan;
    private readonly ExecutionState _state;
    private readonly SemaphoreSlim _window;
    private readonly CancellationTokenSource _stop = new();
    private readonly bool[] _done;
    private int _finished;
    private int _sent;

    /// <summary>Recoveries of one task's inputs before the compute gives up.</summary>
    private const int MaxRecoveries = 5;

    // Where each finished node's result is (also its entry in the execution state, until the state releases it).
    private readonly ClusterResult?[] _where;

    /// <summary>A recorded result as its caller sees it: the value (the state records where a result is).</summary>
    private static object? ValueOf(object? recorded) => recorded is ClusterResult r ? r.Value : recorded;

    // When each node was taken to be sent (Stopwatch): a task cannot have started before, whatever its worker says.
    private readonly long[] _takenAt;
    // Lineage recovery, guarded by _gate: workers found dead; tasks waiting for recomputed inputs (and the reverse);
    // nodes being recomputed; how often each task's inputs were lost; releases held back during a recovery.
    private readonly object _gate = new();
    private readonly HashSet<string> _dead = new(StringComparer.Ordinal);
    private readonly HashSet<string> _holders = new(StringComparer.Ordinal);
    private readonly Dictionary<int, HashSet<int>> _awaiting = new();
    private readonly Dictionary<int, List<int>> _waiters = new();
    private readonly bool[] _recomputing;
    private readonly int[] _recoveries;
    private readonly List<int> _deferred = [];
    private readonly System.Threading.Channels.Channel<(string Holder, int Node)> _releases = System.Threading.Channels.Channel.CreateUnbounded<(string, int)>(new() { SingleReader = true });
    private int _recomputed;

    // Batching (see TaskBatch). Tasks packed since the last flush, by destination worker (null: the shared queue),
    // guarded by _gate; the mean run time workers report (microseconds, 0 until the first result), which sizes
    // batches; the workers consuming the queue as last counted; and a gate closed while a reply's results are
    // recorded, so that the dispatcher takes the tasks they make ready together rather than one by one.
    private readonly List<(RemoteTask Task, string? Worker)> _outgoing = [];
    private double _meanRunMicros;
    private int _workers = 2;
    private readonly ManualResetEventSlim _recorded = new(true);

    /// <summary>The run time one message's tasks should add up to, at most (longer, and a worker idles while another has tasks in hand).</summary>
    private const double BatchMicros = 10_000;

    /// <summary>Tasks per message while no run time is known yet (a few: a batch of long tasks is split among the workers anyway).</summary>
    private const int FirstPerMessage = 4;

    /// <summary>
    /// Slow start: once the first messages are out, how long the dispatcher waits for the first run time before it
    /// sends more. Short tasks then go many to a message from the start instead of <see cref="FirstPerMessage"/> each
    /// until the window is full; long tasks lose at most this wait.
    /// </summary>
    private static readonly TimeSpan FirstRunTimeWait = TimeSpan.FromMilliseconds(20);
    private readonly ManualResetEventSlim _runTimeKnown = new(false);

    /// <summary>How long the dispatcher waits for more results to fill a round of messages when the window is full.</summary>
    private static readonly long CoalesceTicks = Stopwatch.Frequency / 500; // 2 ms

    /// <summary>How many tasks one message carries: as many as add up to <see cref="BatchMicros"/> of the run time workers report.</summary>
    private int PerMessage()
    {
        double mean = Volatile.Read(ref _meanRunMicros);
        return mean <= 0 ? FirstPerMessage : (int)Math.Clamp(BatchMicros / mean, 1, TaskBatch.MaxTasks);
    }

    // Persist (see WorkerResident): where this computation pins its outputs on the workers (null: it does not).
    private readonly PinnedResults? _pin;
    // Per node: the persisted result it stands for (Fuse leaves such a task a node of its own), else null.
    private readonly IResidentResult?[] _kept;

    public DistributedCompute(DistributedScheduler scheduler, ExecutionPlan plan, ComputeContext context, string id, PinnedResults? pin = null)
    {
        _scheduler = scheduler;
        _plan = plan;
        Id = id;
        _pin = pin;
        _kept = new IResidentResult?[plan.Count];
        for (int g = 0; g < plan.Count; g++)
            if (plan.Members(g) is [var only] && plan.Tasks[only].Function?.Target is IResidentResult kept) _kept[g] = kept;
        // The state records where a result is (ClusterResult); an output told to a listener as it finishes is its value.
        _state = new ExecutionState(plan, context) { OutputValue = ValueOf };
        _window = new SemaphoreSlim(scheduler.Window, scheduler.Window);
        _done = new bool[plan.Count];
        _where = new ClusterResult?[plan.Count];
        _takenAt = new long[plan.Count];
        _recomputing = new bool[plan.Count];
        _recoveries = new int[plan.Count];
    }

    public string Id { get; }

    /// <summary>Lost results recomputed so far (lineage recovery).</summary>
    public int Recomputed => Volatile.Read(ref _recomputed);

    /// <summary>Every worker that held a result of this computation (where a persist's pinned outputs may be).</summary>
    public string[] Holders { get { lock (_gate) return [.. _holders]; } }

    public async Task<object?[]> RunAsync()
    {
        var dispatcher = new Thread(Dispatch) { IsBackground = true, Name = $"taskgraph-dispatch-{Id[..8]}" };
        dispatcher.Start();
        _ = MonitorAsync(); // ends by itself when _stop is cancelled
        var releasing = PumpReleasesAsync();
        try
        {
            var values = await _state.Completion.ConfigureAwait(false);
            var outputs = new object?[values.Length];
            // A persist answers where its outputs are (ClusterResult); a compute, their values.
            for (int i = 0; i < values.Length; i++) outputs[i] = _pin is null ? ValueOf(values[i]) : values[i];
            return outputs;
        }
        finally
        {
            _stop.Cancel();
            await DropEverywhereAsync().ConfigureAwait(false);
            await releasing.ConfigureAwait(false);
            // Failed or cancelled with tasks still queued: take them back, so that no worker runs them for nobody.
            // Not when the broker itself is gone (what it kept expires), and never for long: the caller waits.
            if (!_state.Completion.IsCompletedSuccessfully && Volatile.Read(ref _sent) > Volatile.Read(ref _finished)
                && _state.Completion.Exception?.InnerException is not BrokerUnavailableException)
            {
                try
                {
                    await _scheduler.WithdrawAsync(Id).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Left to expire (per-message TTL); results of such tasks are ignored.
                }
            }
        }
    }

    // Fails the compute once no worker has consumed the work queue for the scheduler's worker timeout.
    private async Task MonitorAsync()
    {
        var timeout = _scheduler.WorkerTimeout;
        var period = TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 4, TimeSpan.FromMilliseconds(100).Ticks, TimeSpan.FromSeconds(1).Ticks));
        var lastAlive = DateTime.UtcNow;
        try
        {
            while (true)
            {
                await Task.Delay(period, _stop.Token).ConfigureAwait(false);
                uint workers;
                try
                {
                    workers = await _scheduler.ConsumerCountAsync(_stop.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    continue; // a lost connection is reported by the connection itself
                }
                if (workers > 0)
                {
                    lastAlive = DateTime.UtcNow;
                    Volatile.Write(ref _workers, (int)Math.Min(workers, 1024));
                    continue;
                }
                if (DateTime.UtcNow - lastAlive < timeout) continue;
                int finished = Volatile.Read(ref _finished), sent = Volatile.Read(ref _sent);
                Abort(new NoWorkersException(
                    $"No worker has consumed the work queue '{_scheduler.Queue}' on {_scheduler.Address.Redacted} for {timeout.TotalSeconds:0.#} s: " +
                    $"the computation stopped with {_plan.Count - finished} of {_plan.Count} task(s) unfinished ({sent - finished} sent and not answered). " +
                    "Start workers on that queue (TaskGraph.Worker.dll --app ... --queue ...), or raise the worker timeout."));
                return;
            }
        }
        catch (OperationCanceledException)
        {
            // The computation ended.
        }
    }

    private void Dispatch()
    {
        var taken = new List<int>();
        try
        {
            while (true)
            {
                _window.Wait(_stop.Token);
                if (!_state.TryTake(out int node)) return;
                // A reply being recorded makes more tasks ready: take them with this one.
                _recorded.Wait(_stop.Token);
                if (!_runTimeKnown.IsSet && Volatile.Read(ref _sent) > 0) _runTimeKnown.Wait(FirstRunTimeWait, _stop.Token);
                taken.Clear();
                taken.Add(node);
                // Take what is ready, up to a round of full messages. When the window is what stops it, wait a moment
                // for results on their way rather than send a small message per returning result (which would then
                // come back alone too, and so on).
                int perMessage = PerMessage();
                int round = Math.Min(perMessage * Math.Max(1, Volatile.Read(ref _workers)), Math.Max(1, _scheduler.Window / 2));
                long deadline = Stopwatch.GetTimestamp() + CoalesceTicks;
                while (taken.Count < round)
                {
                    if (!_window.Wait(0))
                    {
                        long left = deadline - Stopwatch.GetTimestamp();
                        if (taken.Count >= perMessage) break; // a full message: no need to wait
                        if (left <= 0 || !_window.Wait(TimeSpan.FromTicks(Math.Max(1, left * TimeSpan.TicksPerSecond / Stopwatch.Frequency)), _stop.Token)) break;
                    }
                    if (_state.TryTakeNow(out int more)) taken.Add(more);
                    else
                    {
                        _window.Release();
                        break;
                    }
                }
                long now = Stopwatch.GetTimestamp();
                foreach (var n in taken)
                {
                    Volatile.Write(ref _takenAt[n], now);
                    _state.ReportStarted(n, _kept[n] is null ? "cluster" : "client");
                }
                // Persisted results are not run: they are where they are kept.
                for (int i = taken.Count - 1; i >= 0; i--)
                    if (_kept[taken[i]] is { } kept)
                    {
                        Recall(taken[i], kept);
                        taken.RemoveAt(i);
                    }
                lock (_gate)
                {
                    foreach (var n in taken) PublishWhenReady(n);
                    Flush();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The computation ended (done, failed or cancelled): nothing more to send.
        }
        catch (Exception e)
        {
            Abort(new BrokerUnavailableException($"Publishing a task to the broker at {_scheduler.Address.Redacted} failed", _scheduler.Address.Scrub(Inner(e).Message)));
        }
    }

    /// <summary>
    /// Publishes <paramref name="node"/> when every input is available (inline here, or held by a live worker);
    /// otherwise first recomputes the missing ones (<see cref="Await"/>) and publishes it once they are back.
    /// Called under <c>_gate</c>.
    /// </summary>
    private void PublishWhenReady(int node)
    {
        bool waiting = false;
        foreach (var dep in _plan.Dependencies[node])
            if (!IsAvailable(dep)) { Await(node, dep); waiting = true; }
        if (!waiting) Publish(node);
    }

    /// <summary>True when <paramref name="node"/>'s result can be given to a task: here (inline), or held by a worker believed alive.</summary>
    private bool IsAvailable(int node)
        => _where[node] is { Released: false } r && (r.Holder.Length == 0 || !_dead.Contains(r.Holder));

    /// <summary>Lineage: <paramref name="task"/> waits for <paramref name="input"/>, which is recomputed (from its own inputs, recursively) unless that is under way.</summary>
    private void Await(int task, int input)
    {
        if (!(_awaiting.TryGetValue(task, out var set) ? set : _awaiting[task] = []).Add(input)) return;
        (_waiters.TryGetValue(input, out var list) ? list : _waiters[input] = []).Add(task);
        if (_recomputing[input]) return;
        _recomputing[input] = true;
        Interlocked.Increment(ref _recomputed);
        _scheduler.CountRecomputed();
        PublishWhenReady(input);
    }

    /// <summary>
    /// A persisted result, recorded without running anything: one of this cluster's as held where it is (its
    /// readers go to its holder or fetch it from there); an output, or another scheduler's, as its value.
    /// </summary>
    private void Recall(int node, IResidentResult kept)
    {
        ClusterResult where;
        try
        {
            if (kept is WorkerResident mine && mine.Keeper == _scheduler && !_plan.IsOutput(node))
            {
                var p = mine.Recall();
                where = p.OnWorker ? new ClusterResult { Holder = p.Holder, Worker = p.Worker, Size = p.Size, Store = p.Store, StoredAs = p.Node } : new ClusterResult { Value = p.Value };
            }
            else
            {
                var spec = _plan.Tasks[_plan.Members(node)[0]];
                where = new ClusterResult { Value = spec.Function!.Invoker(spec.Function.Delegate, []) };
            }
        }
        catch (Exception e)
        {
            _state.ReportFinished(node, "client", true);
            _state.Fail(node, new TaskFailedException(_plan.KeyOf(node).ToString(), "persisted", e));
            return;
        }
        long now = Stopwatch.GetTimestamp();
        Finish(node, where, "client", now, now);
    }

    /// <summary>Packs <paramref name="node"/> for its worker (sent by the next <see cref="Flush"/>). Called under <c>_gate</c>.</summary>
    private void Publish(int node)
    {
        if (_kept[node] is { } kept)
        {
            // A persisted result whose holder died: it cannot be made again here (its lineage is another graph).
            _state.Abort(kept is WorkerResident lost ? new ResidentLostException(lost, "was lost") : new InvalidOperationException($"The persisted result {_plan.KeyOf(node)} was lost."));
            return;
        }
        RemoteTask task;
        try
        {
            task = RemoteTask.Pack(Id, _plan, node, dep => _where[dep] is { Holder.Length: > 0 } r
                ? (null, new HeldInput { Node = dep, Holder = r.Holder, Size = r.Size, Store = r.Store, StoredAs = r.StoredAs, KeepCopy = _plan.Dependents.Degree(dep) > 1 })
                : (_where[dep]!.Value, null));
            if (_pin is not null && _plan.IsOutput(node))
            {
                task.ReturnValue = false; // a persisted output stays on its worker (when it is large)
                task.Pin = _pin.Id;
            }
        }
        catch (Exception e)
        {
            _state.Fail(node, e);
            return;
        }
        _outgoing.Add((task, PreferredWorker(node)));
    }

    /// <summary>
    /// Sends the packed tasks: per destination, in messages of as many tasks as add up to <see cref="BatchMicros"/> of
    /// measured run time (<see cref="FirstPerMessage"/> until a run time is known, at most <see cref="TaskBatch.MaxTasks"/>), and for the
    /// shared queue, while the workers have little in hand, in at least as many messages as there are workers, so that
    /// none idles while another runs a batch. Called under <c>_gate</c>.
    /// </summary>
    private void Flush()
    {
        if (_outgoing.Count == 0) return;
        int perMessage = PerMessage();
        foreach (var group in _outgoing.GroupBy(o => o.Worker))
        {
            var tasks = group.Select(o => o.Task).ToArray();
            int messages = (tasks.Length + perMessage - 1) / perMessage;
            // Split among the workers only when they have little else to do: splitting every round would shrink the
            // messages (and the replies that free the window for the next round) down to one task each.
            int workers = Math.Max(1, Volatile.Read(ref _workers));
            if (group.Key is null && Volatile.Read(ref _sent) - Volatile.Read(ref _finished) < (long)perMessage * workers)
                messages = Math.Max(messages, Math.Min(tasks.Length, workers));
            for (int m = 0, at = 0; m < messages; m++)
            {
                int count = (tasks.Length - at) / (messages - m);
                Send(new ArraySegment<RemoteTask>(tasks, at, count), group.Key);
                at += count;
            }
        }
        _outgoing.Clear();
    }

    /// <summary>Encodes and publishes one message of <paramref name="tasks"/>; a batch over <see cref="TaskBatch.MaxBytes"/> goes as two.</summary>
    private void Send(ArraySegment<RemoteTask> tasks, string? worker)
    {
        byte[]? body = null;
        try
        {
            body = tasks.Count == 1 ? WireCodec.ToBytes(tasks[0]) : WireCodec.ToBytes(new TaskBatch { Compute = Id, Tasks = [.. tasks] });
        }
        catch (Exception e) when (tasks.Count == 1)
        {
            _state.Fail(tasks[0].Node, e);
            return;
        }
        catch (Exception)
        {
            // One of them cannot be written: sent one by one below, so that only that one fails.
        }
        if (body is null)
        {
            foreach (var one in tasks) Send(new ArraySegment<RemoteTask>([one]), worker);
            return;
        }
        if (tasks.Count > 1 && body.Length > TaskBatch.MaxBytes)
        {
            int half = tasks.Count / 2;
            Send(tasks[..half], worker);
            Send(tasks[half..], worker);
            return;
        }
        Interlocked.Add(ref _sent, tasks.Count);
        // Not awaited one by one (that caps publishing near 1k messages/s): the window bounds what is in
        // flight, and a failed publish (no confirm) ends the computation.
        _scheduler.PublishAsync(tasks[0], tasks.Count, body, worker, _stop.Token).ContinueWith(
            t => Abort(new BrokerUnavailableException($"Publishing a task to the broker at {_scheduler.Address.Redacted} failed", _scheduler.Address.Scrub(Inner(t.Exception!).Message))),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    /// <summary>
    /// The worker holding most bytes of <paramref name="node"/>'s inputs (<see cref="Locality.Weight"/>), when they are
    /// worth moving the task for (<see cref="Locality.MinBytes"/>, the pool's rule); else null (the shared queue). Called under <c>_gate</c>.
    /// </summary>
    private string? PreferredWorker(int node)
    {
        Dictionary<string, long>? bytes = null;
        foreach (var dep in _plan.Dependencies[node])
            if (_where[dep] is { Holder.Length: > 0, Worker.Length: > 0 } r && !_dead.Contains(r.Holder))
            {
                bytes ??= new(StringComparer.Ordinal);
                bytes[r.Worker] = bytes.GetValueOrDefault(r.Worker) + Locality.Weight(r.Size, _plan.Dependents.Degree(dep));
            }
        if (bytes is null) return null;
        var best = bytes.MaxBy(kv => kv.Value);
        return best.Value >= Locality.MinBytes ? best.Key : null;
    }

    private static Exception Inner(Exception e) => e is AggregateException { InnerException: { } i } ? Inner(i) : e;

    /// <summary>Records the results of one reply (one task's, or several of a batch).</summary>
    public void OnResults(RemoteResult[] results)
    {
        if (results.Length == 1)
        {
            OnResult(results[0]);
            return;
        }
        _recorded.Reset();
        try
        {
            foreach (var r in results)
                if (r.Compute == Id) OnResult(r);
        }
        finally
        {
            _recorded.Set();
        }
    }

    public void OnResult(RemoteResult r)
    {
        if ((uint)r.Node >= (uint)_done.Length) return;
        Interlocked.Increment(ref _finished);
        if (r.Error is null && r.Missing is null && r.RunMicros >= 0)
        {
            // The mean run time sizes batches (a moving mean: recent tasks weigh most; the reply thread is the only writer).
            double mean = Volatile.Read(ref _meanRunMicros);
            Volatile.Write(ref _meanRunMicros, mean <= 0 ? Math.Max(1, r.RunMicros) : 0.9 * mean + 0.1 * r.RunMicros);
            if (!_runTimeKnown.IsSet) _runTimeKnown.Set();
        }
        if (r.ProcessId > 0) _state.ReportWorker(new WorkerReport(r.Worker, r.ProcessId, TimeSpan.FromMilliseconds(r.CpuMillis), r.WorkingSet));
        if (r.Missing is not null)
        {
            OnMissing(r);
            return;
        }
        var where = r.Error is not null ? null : new ClusterResult { Value = r.Value, Holder = r.Holder, Size = r.Size, Worker = r.Worker };
        lock (_gate)
        {
            if (where is { Holder.Length: > 0 }) _holders.Add(where.Holder);
            if (r.Copies is { Length: > 0 } && r.CopiesAt.Length > 0) RecordCopies(r.Copies, r.CopiesAt);
            if (_recomputing[r.Node])
            {
                // A lost result made again (lineage): the tasks waiting for it go out now.
                if (where is null)
                {
                    _state.Fail(r.Node, new TaskFailedException(r.FailedKey ?? _plan.KeyOf(r.Node).ToString(), r.FailedFunction ?? _plan.FunctionOf(r.Node), r.ReadError()));
                    return;
                }
                _where[r.Node] = where;
                _recomputing[r.Node] = false;
                if (_waiters.Remove(r.Node, out var waiting))
                    foreach (var w in waiting)
                        if (_awaiting.TryGetValue(w, out var set) && set.Remove(r.Node) && set.Count == 0)
                        {
                            _awaiting.Remove(w);
                            PublishWhenReady(w);
                        }
                Flush();
                if (_awaiting.Count == 0) FlushDeferredReleases();
                return;
            }
        }
        // The worker measured how long it ran the node; placed ending now (the reply's transit is small next to a task).
        long ended = Stopwatch.GetTimestamp();
        long started = Math.Max(Volatile.Read(ref _takenAt[r.Node]),
            ended - (long)(Math.Clamp(r.RunMicros, 0, long.MaxValue / Stopwatch.Frequency) * (Stopwatch.Frequency / 1e6)));
        if (where is not null)
        {
            Finish(r.Node, where, r.Worker, started, ended);
            return;
        }
        lock (_done)
        {
            if (_done[r.Node]) return;
            _done[r.Node] = true;
        }
        _state.ReportFinished(r.Node, r.Worker, true, started, ended);
        _state.Fail(r.Node, new TaskFailedException(r.FailedKey ?? _plan.KeyOf(r.Node).ToString(), r.FailedFunction ?? _plan.FunctionOf(r.Node), r.ReadError()));
        _window.Release();
    }

    /// <summary>Records <paramref name="node"/>'s result (the first one: a node's later results are ignored) and releases what it no longer needs.</summary>
    private void Finish(int node, ClusterResult where, string worker, long started, long ended)
    {
        lock (_done)
        {
            if (_done[node])
            {
                _scheduler.CountRerun();
                return;
            }
            _done[node] = true;
        }
        _state.ReportFinished(node, worker, false, started, ended);
        _where[node] = where;
        _state.Complete(node, where);
        lock (_gate)
        {
            foreach (var dep in _plan.Dependencies[node]) CheckRelease(dep);
            CheckRelease(node);
        }
        _window.Release();
    }

    /// <summary>A worker could not fetch some inputs of a task (their holders died, or released them): recompute them, then send the task again.</summary>
    private void OnMissing(RemoteResult r)
    {
        lock (_gate)
        {
            if (_state.IsEnded || Volatile.Read(ref _done[r.Node])) return;
            foreach (var holder in r.Unreachable ?? []) _dead.Add(holder);
            foreach (var node in r.Missing!)
                if ((uint)node < (uint)_where.Length && _kept[node] is WorkerResident lost)
                {
                    // A persisted result is gone with its worker: the scheduler makes it again from its lineage and retries.
                    _state.Abort(new ResidentLostException(lost, "was lost"));
                    return;
                }
            foreach (var node in r.Missing!)
                if ((uint)node < (uint)_where.Length && _where[node] is { Holder.Length: > 0 } lost && !_recomputing[node]) lost.Released = true;
            if (++_recoveries[r.Node] > MaxRecoveries)
            {
                _state.Fail(r.Node, new WorkerCrashedException(
                    $"The inputs of task {_plan.KeyOf(r.Node)} were lost {MaxRecoveries} times (their workers died or dropped them) and recomputed each time; giving up."));
                return;
            }
            PublishWhenReady(r.Node);
            Flush();
        }
    }

    /// <summary>
    /// When the execution state has released <paramref name="node"/> (no task needs it any more), the worker
    /// holding it is told to drop it; an inline value is forgotten here. While lost results are being
    /// recomputed, releases wait (a recomputation may need them). Called under <c>_gate</c>.
    /// </summary>
    private void CheckRelease(int node)
    {
        if (!Volatile.Read(ref _done[node]) || _state.Results[node] is not null || _where[node] is not { Released: false } r) return;
        if (_awaiting.Count > 0) { _deferred.Add(node); return; }
        r.Released = true;
        r.Value = null;
        if (r.Holder.Length > 0 && !_dead.Contains(r.Holder)) _releases.Writer.TryWrite((r.Holder, node));
        foreach (var copy in r.Copies ?? [])
            if (!_dead.Contains(copy)) _releases.Writer.TryWrite((copy, node));
    }

    /// <summary>
    /// A worker at <paramref name="at"/> keeps copies of held inputs it fetched (<see cref="HeldInput.KeepCopy"/>):
    /// they are released with the originals, and dropped with the computation. Called under <c>_gate</c>.
    /// </summary>
    private void RecordCopies(int[] nodes, string at)
    {
        _holders.Add(at);
        foreach (var node in nodes)
        {
            if ((uint)node >= (uint)_where.Length || _where[node] is not { Holder.Length: > 0 } r || r.Holder == at) continue;
            if (r.Released) _releases.Writer.TryWrite((at, node)); // released while the copy was on its way
            else if (!(r.Copies ??= []).Contains(at)) r.Copies.Add(at);
        }
    }

    private void FlushDeferredReleases()
    {
        var deferred = _deferred.ToArray();
        _deferred.Clear();
        foreach (var node in deferred) CheckRelease(node);
    }

    /// <summary>Sends releases to the workers, batched per holder, off the reply thread.</summary>
    private async Task PumpReleasesAsync()
    {
        var reader = _releases.Reader;
        var byHolder = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
                (byHolder.TryGetValue(item.Holder, out var l) ? l : byHolder[item.Holder] = []).Add(item.Node);
            foreach (var (holder, nodes) in byHolder)
            {
                if (nodes.Count == 0) continue;
                try
                {
                    await Task.Run(() => _scheduler.Peers.Release(holder, Id, nodes)).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // Best effort: a holder that is gone took its results with it; the end of the compute drops the rest.
                }
                nodes.Clear();
            }
        }
    }

    /// <summary>The computation ended: every worker that held a result of it drops them all (best effort, bounded).</summary>
    private async Task DropEverywhereAsync()
    {
        _releases.Writer.TryComplete();
        string[] holders;
        lock (_gate) holders = _holders.Where(h => !_dead.Contains(h)).ToArray();
        if (holders.Length == 0) return;
        var drops = holders.Select(h => Task.Run(() =>
        {
            try { _scheduler.Peers.Drop(h, Id); }
            catch (DataPlaneException) { /* gone with its results */ }
        }));
        await Task.WhenAny(Task.WhenAll(drops), Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
    }

    public void Abort(Exception error) => _state.Abort(error);
}
