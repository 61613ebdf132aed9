using System.Diagnostics;
using TaskGraph.Wire;

namespace TaskGraph.Distributed;

/// <summary>
/// One computation on the cluster: a dispatcher thread takes ready nodes from the shared
/// <see cref="ExecutionState"/> (at most <see cref="DistributedScheduler.Window"/> in flight) and publishes them;
/// results arriving on the reply queue complete them. A result for a node already done (a redelivered task that
/// ran twice) is ignored.
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

    public DistributedCompute(DistributedScheduler scheduler, ExecutionPlan plan, ComputeContext context, string id)
    {
        _scheduler = scheduler;
        _plan = plan;
        Id = id;
        _state = new ExecutionState(plan, context);
        _window = new SemaphoreSlim(scheduler.Window, scheduler.Window);
        _done = new bool[plan.Count];
    }

    public string Id { get; }

    public async Task<object?[]> RunAsync()
    {
        var dispatcher = new Thread(Dispatch) { IsBackground = true, Name = $"taskgraph-dispatch-{Id[..8]}" };
        dispatcher.Start();
        _ = MonitorAsync(); // ends by itself when _stop is cancelled
        try
        {
            return await _state.Completion.ConfigureAwait(false);
        }
        finally
        {
            _stop.Cancel();
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
                if (workers > 0) { lastAlive = DateTime.UtcNow; continue; }
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
        try
        {
            while (true)
            {
                _window.Wait(_stop.Token);
                if (!_state.TryTake(out int node)) return;
                RemoteTask task;
                byte[] body;
                try
                {
                    task = RemoteTask.Pack(Id, _plan, node, _state.Results);
                    body = WireCodec.ToBytes(task);
                }
                catch (Exception e)
                {
                    _state.Fail(node, e);
                    return;
                }
                _state.ReportStarted(node, "cluster");
                Interlocked.Increment(ref _sent);
                // Not awaited one by one (that caps publishing near 1k messages/s): the window bounds what is in
                // flight, and a failed publish (no confirm) ends the computation.
                _scheduler.PublishAsync(task, body, _stop.Token).ContinueWith(
                    t => Abort(new BrokerUnavailableException($"Publishing a task to the broker at {_scheduler.Address.Redacted} failed", _scheduler.Address.Scrub(Inner(t.Exception!).Message))),
                    CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
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

    private static Exception Inner(Exception e) => e is AggregateException { InnerException: { } i } ? Inner(i) : e;

    public void OnResult(RemoteResult r)
    {
        if ((uint)r.Node >= (uint)_done.Length) return;
        lock (_done)
        {
            if (_done[r.Node]) return;
            _done[r.Node] = true;
        }
        Interlocked.Increment(ref _finished);
        bool failed = r.Error is not null;
        if (r.ProcessId > 0) _state.ReportWorker(new WorkerReport(r.Worker, r.ProcessId, TimeSpan.FromMilliseconds(r.CpuMillis), r.WorkingSet));
        // The worker measured how long it ran the node; placed ending now (the reply's transit is small next to a task).
        long ended = Stopwatch.GetTimestamp();
        long started = ended - (long)(Math.Clamp(r.RunMicros, 0, long.MaxValue / Stopwatch.Frequency) * (Stopwatch.Frequency / 1e6));
        _state.ReportFinished(r.Node, r.Worker, failed, started, ended);
        if (failed)
            _state.Fail(r.Node, new TaskFailedException(r.FailedKey ?? _plan.KeyOf(r.Node).ToString(), r.FailedFunction ?? _plan.FunctionOf(r.Node), r.ReadError()));
        else
            _state.Complete(r.Node, r.Value);
        _window.Release();
    }

    public void Abort(Exception error) => _state.Abort(error);
}
