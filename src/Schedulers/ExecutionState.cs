using System.Diagnostics;

namespace TaskGraph;

/// <summary>
/// The bookkeeping of one computation, shared by every scheduler (docs/ARCHITECTURE.md, "Execution state"; dask/local.py's
/// <c>get_async</c> state). A scheduler only decides where a ready task runs: its workers call
/// <see cref="TryTake"/>, run the node wherever they like, then <see cref="CompleteAndTake"/> or <see cref="Fail"/>.
///
/// <para>State, guarded by one lock, with the example graph <c>a → c ← b, c → d</c> (c needs a and b):</para>
/// <list type="bullet">
/// <item><c>_waitingOn[n]</c>: dependencies of <c>n</c> not finished yet (c: 2 at the start, 0 once a and b are
/// done). A node becomes ready when it reaches 0.</item>
/// <item><c>_pendingReaders[n]</c>: dependents of <c>n</c> not finished yet (a: 1 until c finishes). At 0 the result
/// is released — dropped from <c>_results</c> so the garbage collector can take it — unless <c>n</c> is an output.</item>
/// <item><c>_ready</c>: ready nodes, lowest priority first (a and b at the start).</item>
/// <item><c>_results[n]</c>: finished results still needed (after c finishes: c only; a and b were released).</item>
/// </list>
/// <para>The first failure or a cancellation ends the computation: no further task is handed out, the completion
/// faults or cancels at once (tasks still running are not waited for; their results are ignored).</para>
/// <para>Stall watchdog (<see cref="ComputeOptions.StallTimeout"/>, or the scheduler's <see cref="StallWatch"/>):
/// <c>_lastProgress</c> is stamped whenever a task is taken, started or finished; a timer ends the computation
/// with a <see cref="ComputeStalledException"/> and a dump of this state (<c>_stage</c>, <c>_workerOf</c>) when
/// tasks remain and the stamp is older than the timeout. A hang then becomes an error that says where it is.</para>
/// </summary>
public sealed class ExecutionState
{
    private readonly ExecutionPlan _plan;
    private readonly ComputeContext _context;
    private readonly object _gate = new();
    private readonly int[] _waitingOn;
    private readonly int[] _pendingReaders;
    private readonly object?[] _results;
    private readonly ReadyQueue _ready;
    private readonly TaskCompletionSource<object?[]> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IComputeListener[] _listeners;
    private int _finished;
    private int _idleWorkers;
    private bool _ended;
    private CancellationTokenRegistration _cancellation;

    // Stall watchdog. _stage[n]: 0 not taken yet, 1 taken (running), 2 finished. _workerOf[n]: where it was
    // started (written without the lock: it is only read for the diagnostic dump, where a stale name is harmless).
    // Both are null, and nothing is stamped, when no watchdog runs: the threads' hot path pays nothing for it.
    private readonly byte[]? _stage;
    private readonly string?[]? _workerOf;
    private long _lastProgress = Stopwatch.GetTimestamp();
    private long _lastActivity;
    private readonly TimeSpan _stallTimeout;
    private readonly StallWatch? _stallWatch;
    private readonly Timer? _watchdog;

    /// <summary>
    /// Prepares the state of running <paramref name="plan"/>: counters set, root tasks ready. With a stall timeout
    /// (the context's, else <paramref name="stallWatch"/>'s default) a watchdog starts.
    /// </summary>
    public ExecutionState(ExecutionPlan plan, ComputeContext context, StallWatch? stallWatch = null)
    {
        _plan = plan;
        _context = context;
        _listeners = context.Listeners.ToArray();
        int n = plan.Count;
        _waitingOn = new int[n];
        _pendingReaders = new int[n];
        _results = new object?[n];
        var roots = new List<int>();
        foreach (var node in plan.Order) // priority order, so the roots come out sorted
        {
            _waitingOn[node] = plan.Dependencies.Degree(node);
            _pendingReaders[node] = plan.Dependents.Degree(node);
            if (_waitingOn[node] == 0) roots.Add(node);
        }
        _ready = new ReadyQueue(plan.Priority, roots.ToArray());
        foreach (var l in _listeners) l.OnComputeStarted(plan);
        if (n == 0) { lock (_gate) End(null); return; }
        if ((context.StallTimeout ?? stallWatch?.DefaultTimeout) is { } stall && stall > TimeSpan.Zero && stall != Timeout.InfiniteTimeSpan)
        {
            _stallTimeout = stall;
            _stage = new byte[n];
            _workerOf = new string?[n];
            _stallWatch = stallWatch;
            _lastActivity = ReadActivity();
            // Checked a few times per timeout, so a stall is reported at most a quarter of the timeout late.
            var period = TimeSpan.FromTicks(Math.Clamp(stall.Ticks / 4, TimeSpan.TicksPerMillisecond * 20, TimeSpan.TicksPerSecond * 5));
            _watchdog = new Timer(static s => ((ExecutionState)s!).CheckStall(), this, period, period);
        }
        if (context.CancellationToken.CanBeCanceled)
            _cancellation = context.CancellationToken.Register(static s => ((ExecutionState)s!).Cancel(), this);
    }

    /// <summary>
    /// Turns a node's recorded result into the value its caller sees, for <see cref="ComputeContext.OutputCompleted"/>
    /// (the process pool records where a result is, not the result itself). Null: the recorded result is the value.
    /// </summary>
    internal Func<object?, object?>? OutputValue { get; init; }

    /// <summary>The plan being run.</summary>
    public ExecutionPlan Plan => _plan;

    /// <summary>Completes with the outputs' results, faults with the first failure, or cancels.</summary>
    public Task<object?[]> Completion => _completion.Task;

    /// <summary>True once the computation succeeded, failed or was cancelled.</summary>
    public bool IsEnded { get { lock (_gate) return _ended; } }

    /// <summary>Results indexed by node (released entries are null). Read a node's inputs from here after taking it.</summary>
    public object?[] Results => _results;

    /// <summary>
    /// Waits for a ready node and takes it. Returns false when the computation has ended (success, failure,
    /// cancellation): the worker should stop.
    /// </summary>
    public bool TryTake(out int node)
    {
        lock (_gate) return TakeLocked(out node);
    }

    /// <summary>
    /// Takes a ready node if there is one right now, without waiting. False when none is ready or the
    /// computation has ended (see <see cref="IsEnded"/>). Schedulers that send tasks in batches (the process
    /// pool) fill a batch with these after one blocking <see cref="TryTake"/>.
    /// </summary>
    public bool TryTakeNow(out int node)
    {
        lock (_gate)
        {
            if (!_ended && _ready.Count > 0)
            {
                node = _ready.Pop();
                Taken(node);
                return true;
            }
            node = -1;
            return false;
        }
    }

    /// <summary>
    /// Records <paramref name="node"/>'s result, makes its dependents ready, releases inputs nobody needs any
    /// more, then takes the next ready node in the same lock (one lock round per task on the hot path).
    /// </summary>
    public bool CompleteAndTake(int node, object? result, out int next)
    {
        lock (_gate)
        {
            if (!_ended) CompleteLocked(node, result, takesNext: true);
            return TakeLocked(out next);
        }
    }

    /// <summary>Records <paramref name="node"/>'s result without taking another node.</summary>
    public void Complete(int node, object? result)
    {
        lock (_gate)
            if (!_ended) CompleteLocked(node, result, takesNext: false);
    }

    /// <summary>Ends the computation with <paramref name="error"/> (the first failure wins).</summary>
    public void Fail(int node, Exception error)
    {
        lock (_gate)
        {
            if (_ended) return;
            End(error is TaskFailedException ? error : new TaskFailedException(_plan.KeyOf(node).ToString(), _plan.FunctionOf(node), error));
        }
    }

    /// <summary>
    /// Ends the computation with <paramref name="error"/> as it is — a failure that belongs to no task, such as a
    /// lost connection to a broker.
    /// </summary>
    public void Abort(Exception error)
    {
        lock (_gate)
            if (!_ended) End(error);
    }

    /// <summary>Ends the computation as cancelled.</summary>
    public void Cancel()
    {
        lock (_gate)
            if (!_ended) End(new OperationCanceledException(_context.CancellationToken));
    }

    /// <summary>
    /// Runs <paramref name="node"/> in this process (the thread and synchronous schedulers), telling listeners.
    /// Exceptions propagate to the caller, who reports them with <see cref="Fail"/>.
    /// </summary>
    public object? RunHere(int node, string worker)
    {
        if (_workerOf is not null) _workerOf[node] = worker;
        if (_listeners.Length == 0) return _plan.Run(node, _results);
        foreach (var l in _listeners) l.OnTaskStarted(_plan, node, worker);
        bool failed = true;
        try
        {
            var r = _plan.Run(node, _results);
            failed = false;
            return r;
        }
        finally
        {
            foreach (var l in _listeners) l.OnTaskFinished(_plan, node, worker, failed);
        }
    }

    /// <summary>
    /// The worker loop of the in-process schedulers: take a ready node, run it here, record it and take the next,
    /// until the computation ends. A failing task ends the computation (and this loop).
    /// </summary>
    public void RunWorker(string worker)
    {
        if (!TryTake(out int node)) return;
        while (true)
        {
            object? result;
            try
            {
                result = RunHere(node, worker);
            }
            catch (Exception e)
            {
                Fail(node, e);
                return;
            }
            if (!CompleteAndTake(node, result, out node)) return;
        }
    }

    /// <summary>Tells listeners a node started on a remote worker (process and distributed schedulers).</summary>
    public void ReportStarted(int node, string worker)
    {
        if (_workerOf is not null)
        {
            _workerOf[node] = worker;
            Volatile.Write(ref _lastProgress, Stopwatch.GetTimestamp());
        }
        foreach (var l in _listeners) l.OnTaskStarted(_plan, node, worker);
    }

    /// <summary>Tells listeners a node finished on a remote worker.</summary>
    public void ReportFinished(int node, string worker, bool failed)
    {
        if (_stage is not null) Volatile.Write(ref _lastProgress, Stopwatch.GetTimestamp());
        foreach (var l in _listeners) l.OnTaskFinished(_plan, node, worker, failed);
    }

    /// <summary>Tells listeners a node finished on a remote worker that ran it from <paramref name="started"/> to <paramref name="ended"/> (Stopwatch timestamps).</summary>
    public void ReportFinished(int node, string worker, bool failed, long started, long ended)
    {
        if (_stage is not null) Volatile.Write(ref _lastProgress, Stopwatch.GetTimestamp());
        foreach (var l in _listeners) l.OnTaskFinished(_plan, node, worker, failed, started, ended);
    }

    /// <summary>Tells listeners what a remote worker reported about its process.</summary>
    public void ReportWorker(WorkerReport report)
    {
        foreach (var l in _listeners) l.OnWorkerReport(_plan, report);
    }

    private bool TakeLocked(out int node)
    {
        while (true)
        {
            if (_ended) { node = -1; return false; }
            if (_ready.Count > 0)
            {
                node = _ready.Pop();
                Taken(node);
                return true;
            }
            _idleWorkers++;
            Monitor.Wait(_gate);
            _idleWorkers--;
        }
    }

    private void Taken(int node)
    {
        if (_stage is null) return;
        _stage[node] = 1;
        _lastProgress = Stopwatch.GetTimestamp();
    }

    private void CompleteLocked(int node, object? result, bool takesNext)
    {
        _results[node] = result;
        if (_context.OutputCompleted is { } told && _plan.IsOutput(node)) told(_plan.KeyOf(node), OutputValue is { } f ? f(result) : result);
        if (_stage is not null)
        {
            _stage[node] = 2;
            _lastProgress = Stopwatch.GetTimestamp();
        }
        int readyBefore = _ready.Count;
        foreach (var d in _plan.Dependents[node])
            if (--_waitingOn[d] == 0) _ready.Push(d);
        foreach (var d in _plan.Dependencies[node])
            if (--_pendingReaders[d] == 0 && !_plan.IsOutput(d)) _results[d] = null;
        if (_pendingReaders[node] == 0 && !_plan.IsOutput(node)) _results[node] = null;
        // A finishing worker that takes the next node itself needs no wake-up for that one.
        int extra = _ready.Count - readyBefore - (takesNext ? 1 : 0);
        for (int i = 0; i < extra && i < _idleWorkers; i++) Monitor.Pulse(_gate);
        if (++_finished == _plan.Count) End(null);
    }

    private long ReadActivity()
    {
        try { return _stallWatch?.Activity?.Invoke() ?? 0; }
        catch (Exception) { return 0; } // a broken probe only weakens the watchdog, it must not end the computation
    }

    /// <summary>The watchdog's tick: ends the computation when nothing moved for the stall timeout.</summary>
    private void CheckStall()
    {
        long activity = ReadActivity(); // outside the lock: a probe may read /proc
        string state;
        lock (_gate)
        {
            if (_ended) return;
            long now = Stopwatch.GetTimestamp();
            if (activity != _lastActivity)
            {
                _lastActivity = activity;
                _lastProgress = now;
                return;
            }
            if (Stopwatch.GetElapsedTime(Volatile.Read(ref _lastProgress), now) < _stallTimeout) return;
            state = DescribeLocked();
        }
        string? scheduler = null;
        try { scheduler = _stallWatch?.Describe?.Invoke(); }
        catch (Exception e) { scheduler = $"(the scheduler's state could not be read: {e.Message})"; }
        Abort(new ComputeStalledException(_stallTimeout, scheduler is null ? state : state + scheduler));
    }

    /// <summary>The tasks running (key and worker), ready and waiting, for <see cref="ComputeStalledException"/>.</summary>
    private string DescribeLocked()
    {
        const int Shown = 20;
        List<string> running = [], ready = [], waiting = [];
        int runningCount = 0, readyCount = 0, waitingCount = 0;
        foreach (var node in _plan.Order)
        {
            switch (_stage![node])
            {
                case 1:
                    if (runningCount++ < Shown) running.Add($"{_plan.KeyOf(node)} on {_workerOf![node] ?? "?"}");
                    break;
                case 0 when _waitingOn[node] == 0:
                    if (readyCount++ < Shown) ready.Add(_plan.KeyOf(node).ToString());
                    break;
                case 0:
                    if (waitingCount++ < Shown) waiting.Add($"{_plan.KeyOf(node)} (waits on {_waitingOn[node]})");
                    break;
            }
        }
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"{_plan.Count - _finished} of {_plan.Count} tasks remain.");
        Section("Running", running, runningCount);
        Section("Ready", ready, readyCount);
        Section("Waiting", waiting, waitingCount);
        return sb.ToString();

        void Section(string title, List<string> keys, int count)
        {
            sb.AppendLine($"{title} ({count}):");
            foreach (var k in keys) sb.AppendLine("  " + k);
            if (count > keys.Count) sb.AppendLine($"  … and {count - keys.Count} more");
        }
    }

    private void End(Exception? error)
    {
        Debug.Assert(!_ended);
        _ended = true;
        _ready.Clear();
        Monitor.PulseAll(_gate);
        _cancellation.Unregister(); // not Dispose: it waits for a running Cancel, which may wait for the lock held here (deadlock)
        _watchdog?.Dispose();
        foreach (var l in _listeners)
        {
            try { l.OnComputeFinished(_plan, error); }
            catch { /* a broken listener must not hide the computation's outcome */ }
        }
        if (error is null)
        {
            var outputs = _plan.Outputs;
            var values = new object?[outputs.Length];
            for (int i = 0; i < outputs.Length; i++) values[i] = _results[outputs[i]];
            _completion.TrySetResult(values);
        }
        else if (error is OperationCanceledException oce)
            _completion.TrySetCanceled(oce.CancellationToken);
        else
            _completion.TrySetException(error);
    }
}
