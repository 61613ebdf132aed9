using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace TaskGraph;

/// <summary>
/// Futures on a scheduler: submit work now and take results as they come (Dask's <c>Client.submit/map/gather/
/// as_completed/scatter</c>, multiprocessing's <c>apply_async</c> and <c>imap_unordered</c>). Works on every
/// scheduler; it owns none of them.
/// <code>
/// using var client = TaskGraphClient.Connect(Scheduler.Processes());
/// var futures = client.Map(Slow, inputs);                  // one graph: the pool runs them side by side
/// await foreach (var f in client.AsCompleted(futures))     // in completion order
///     Console.WriteLine(await f);
/// var table = client.Scatter(lookup);                      // placed once, read by many tasks
/// int[] all = await client.Gather(client.Map(Score, inputs, table));
/// </code>
/// <para>Each <c>Submit</c> is one computation; each <c>Map</c> is one computation for all its items, whose futures
/// still finish one by one. A failing item fails only the futures that depend on it: the rest of its
/// <c>Map</c> runs on (the unfinished items are computed again in a new graph).</para>
/// </summary>
public sealed class TaskGraphClient : IDisposable, IAsyncDisposable
{
    private readonly ConcurrentDictionary<Batch, bool> _running = new();
    private readonly ConcurrentBag<PersistedResults> _scattered = [];
    private volatile bool _disposed;

    private TaskGraphClient(IScheduler scheduler) => Scheduler = scheduler;

    /// <summary>A client on <paramref name="scheduler"/> (null: the current default scheduler). Disposing the client does not dispose the scheduler.</summary>
    public static TaskGraphClient Connect(IScheduler? scheduler = null) => new(scheduler ?? TaskGraphOptions.CurrentScheduler);

    /// <summary>The scheduler every future of this client runs on.</summary>
    public IScheduler Scheduler { get; }

    /// <summary>Computes <paramref name="value"/> (a delayed value and its whole graph) as one computation.</summary>
    public Future<T> Submit<T>(Delayed<T> value) => Start<T>([value.Spec])[0];

    /// <summary>Calls <paramref name="function"/> on the scheduler.</summary>
    public Future<R> Submit<R>(Func<R> function, string? name = null)
        => Submit(Delayed.Call<R>(function, TaskInvokers.Call0<R>, name));

    /// <summary>Calls <paramref name="function"/> with <paramref name="arg"/> on the scheduler.</summary>
    public Future<R> Submit<T1, R>(Func<T1, R> function, T1 arg, string? name = null)
        => Submit(Delayed.Call<R>(function, TaskInvokers.Call1<T1, R>, name, TaskArg.Value(arg)));

    /// <summary>Calls <paramref name="function"/> with <paramref name="arg"/> (another future's result) on the scheduler.</summary>
    public Future<R> Submit<T1, R>(Func<T1, R> function, Future<T1> arg, string? name = null)
        => Submit(Delayed.Call<R>(function, TaskInvokers.Call1<T1, R>, name, arg.ToDelayed().AsArg()));

    /// <summary>Calls <paramref name="function"/> with two arguments on the scheduler.</summary>
    public Future<R> Submit<T1, T2, R>(Func<T1, T2, R> function, T1 arg1, T2 arg2, string? name = null)
        => Submit(Delayed.Call<R>(function, TaskInvokers.Call2<T1, T2, R>, name, TaskArg.Value(arg1), TaskArg.Value(arg2)));

    /// <summary>Calls <paramref name="function"/> with two other futures' results on the scheduler (Dask's <c>submit(add, x, y)</c>).</summary>
    public Future<R> Submit<T1, T2, R>(Func<T1, T2, R> function, Future<T1> arg1, Future<T2> arg2, string? name = null)
        => Submit(Delayed.Call<R>(function, TaskInvokers.Call2<T1, T2, R>, name, arg1.ToDelayed().AsArg(), arg2.ToDelayed().AsArg()));

    /// <summary>
    /// Calls <paramref name="function"/> on every item, as one computation (the pool or cluster runs them side by
    /// side); one future per item, in item order, each finishing on its own (Dask's <c>map</c>).
    /// </summary>
    public IReadOnlyList<Future<R>> Map<T, R>(Func<T, R> function, IEnumerable<T> items, string? name = null)
    {
        TaskInvoker invoker = TaskInvokers.Call1<T, R>;
        return Start<R>(items.Select(x => Delayed.Call<R>(function, invoker, name, TaskArg.Value(x)).Spec).ToArray());
    }

    /// <summary>
    /// Calls <paramref name="function"/> on every item with one shared argument (typically a <see cref="Scatter"/>ed
    /// value, which then is not sent again with each item), as one computation.
    /// </summary>
    public IReadOnlyList<Future<R>> Map<T, S, R>(Func<T, S, R> function, IEnumerable<T> items, Future<S> shared, string? name = null)
        => Map(function, items, shared.ToDelayed(), name);

    /// <inheritdoc cref="Map{T, S, R}(Func{T, S, R}, IEnumerable{T}, Future{S}, string?)"/>
    public IReadOnlyList<Future<R>> Map<T, S, R>(Func<T, S, R> function, IEnumerable<T> items, Delayed<S> shared, string? name = null)
    {
        TaskInvoker invoker = TaskInvokers.Call2<T, S, R>;
        var arg = shared.AsArg();
        return Start<R>(items.Select(x => Delayed.Call<R>(function, invoker, name, TaskArg.Value(x), arg).Spec).ToArray());
    }

    /// <summary>Computes many delayed values as one computation; one future each, each finishing on its own.</summary>
    public IReadOnlyList<Future<T>> SubmitAll<T>(IEnumerable<Delayed<T>> values) => Start<T>(values.Select(v => v.Spec).ToArray());

    /// <summary>
    /// Places <paramref name="value"/> with the scheduler once, for many tasks to read (Dask's <c>scatter</c>): on
    /// the process pool and the cluster a value over 64 KB is kept in one worker process, and tasks run where it is
    /// or fetch it from there — never from this process again. In-process schedulers pass the same object
    /// to every task. The returned future is finished; pass it to <c>Submit</c>/<c>Map</c> or call
    /// <see cref="Future{T}.ToDelayed"/>. Kept until the client is disposed.
    /// </summary>
    public Future<T> Scatter<T>(T value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var placed = Delayed.Value(value).Then(Placed<T>, "scatter");
        var kept = Persistence.Run([placed.Spec], new ComputeOptions { Scheduler = Scheduler });
        _scattered.Add(kept);
        var future = new Future<T>(this, placed.Spec);
        future.Keep(kept.Specs[0], value);
        return future;
    }

    private static T Placed<T>(T value) => value;

    /// <summary>Waits for every future; their results in the same order. The first failure is thrown (a <see cref="TaskFailedException"/> naming its key).</summary>
    public async Task<T[]> Gather<T>(IEnumerable<Future<T>> futures, CancellationToken cancellationToken = default)
        => await System.Threading.Tasks.Task.WhenAll(futures.Select(f => f.Task)).WaitAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The futures in the order they finish (Dask's <c>as_completed</c>, multiprocessing's <c>imap_unordered</c>):
    /// each is done when yielded — await it for its result, or read its <see cref="Future{T}.Status"/> (a failed or
    /// cancelled one is yielded too).
    /// </summary>
    public async IAsyncEnumerable<Future<T>> AsCompleted<T>(IEnumerable<Future<T>> futures, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = futures.ToList();
        var done = Channel.CreateUnbounded<Future<T>>();
        foreach (var f in list)
            _ = f.Task.ContinueWith(static (_, s) => { var (w, f) = ((ChannelWriter<Future<T>>, Future<T>))s!; w.TryWrite(f); },
                (done.Writer, f), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        for (int i = 0; i < list.Count; i++)
            yield return await done.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Cancels every future given (see <see cref="Future{T}.Cancel"/>).</summary>
    public void Cancel<T>(IEnumerable<Future<T>> futures)
    {
        foreach (var f in futures) f.Cancel();
    }

    /// <summary>Cancels every unfinished future of this client and releases the scattered values.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var b in _running.Keys) b.CancelAll();
        while (_scattered.TryTake(out var kept)) kept.Dispose();
    }

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override string ToString() => $"TaskGraphClient({Scheduler})";

    // ---- batches: the futures started together, computed as one graph -------------------------------------------

    private Future<T>[] Start<T>(TaskSpec[] specs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var futures = new Future<T>[specs.Length];
        for (int i = 0; i < specs.Length; i++) futures[i] = new Future<T>(this, specs[i]);
        if (futures.Length == 0) return futures;
        var batch = new Batch(futures);
        _running[batch] = true;
        _ = Run(batch);
        return futures;
    }

    /// <summary>
    /// Runs a batch until every future is done: one computation of all outputs, each future resolved as its output
    /// finishes. A failure fails the futures whose graph holds the failed key; the others run again.
    /// </summary>
    private async Task Run(Batch batch)
    {
        try
        {
            await System.Threading.Tasks.Task.Yield(); // Submit returns at once; the graph compiles off the caller's thread
            var pending = batch.Futures;
            while (true)
            {
                pending = pending.Where(f => !f.IsDone).ToArray();
                if (pending.Length == 0 || batch.Token.IsCancellationRequested) break;
                var byKey = new Dictionary<TaskKey, List<IFutureCore>>();
                foreach (var f in pending)
                {
                    if (!byKey.TryGetValue(f.Spec.Key, out var same)) byKey[f.Spec.Key] = same = [];
                    same.Add(f);
                }
                var outputs = byKey.Values.Select(l => l[0].Spec).ToArray();
                try
                {
                    var plan = ExecutionPlan.Compile(outputs);
                    var listeners = ComputeListeners.Active;
                    foreach (var l in listeners) l.OnComputeScheduled(plan, Scheduler);
                    var context = new ComputeContext(batch.Token, listeners)
                    {
                        OutputCompleted = (key, value) =>
                        {
                            if (byKey.TryGetValue(key, out var those)) foreach (var f in those) f.SetResult(value);
                        },
                    };
                    var values = await Scheduler.ExecuteAsync(plan, context).ConfigureAwait(false);
                    // Schedulers that do not tell outputs one by one: everything at the end.
                    for (int i = 0; i < outputs.Length; i++) foreach (var f in byKey[outputs[i].Key]) f.SetResult(values[i]);
                    break;
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (TaskFailedException failure)
                {
                    var hit = pending.Where(f => !f.IsDone && Reads(f.Spec, failure.Key)).ToArray();
                    if (hit.Length == 0) { foreach (var f in pending) f.SetError(failure); break; }
                    foreach (var f in hit) f.SetError(failure);
                }
                catch (Exception e)
                {
                    foreach (var f in pending) f.SetError(e);
                    break;
                }
            }
        }
        finally
        {
            batch.CancelAll();
            _running.TryRemove(batch, out _);
        }
    }

    /// <summary>True when <paramref name="spec"/> or a task it depends on has key <paramref name="key"/> (as text).</summary>
    private static bool Reads(TaskSpec spec, string key)
    {
        var seen = new HashSet<TaskKey>();
        var stack = new Stack<TaskSpec>([spec]);
        while (stack.Count > 0)
        {
            var s = stack.Pop();
            if (!seen.Add(s.Key)) continue;
            if (s.Key.ToString() == key) return true;
            foreach (var d in s.Dependencies) stack.Push(d);
        }
        return false;
    }

    /// <summary>What a batch needs of its futures, whatever their type.</summary>
    internal interface IFutureCore
    {
        TaskSpec Spec { get; }
        bool IsDone { get; }
        void Attach(Batch batch);
        void SetResult(object? value);
        void SetError(Exception error);
        void SetCanceled();
    }

    /// <summary>Futures computed as one graph, and the cancellation of that computation.</summary>
    internal sealed class Batch
    {
        private readonly CancellationTokenSource _cancel = new();

        public Batch(IFutureCore[] futures)
        {
            Futures = futures;
            foreach (var f in futures) f.Attach(this);
        }

        public IFutureCore[] Futures { get; }

        public CancellationToken Token => _cancel.Token;

        /// <summary>
        /// A future was cancelled: once none waits any more, the computation stops. (Only cancellation asks: a future
        /// resolved while its computation records the result must not cancel that computation from inside it.)
        /// </summary>
        public void FutureCancelled()
        {
            foreach (var f in Futures)
                if (!f.IsDone) return;
            try { _cancel.Cancel(); }
            catch (ObjectDisposedException) { }
        }

        /// <summary>Cancels every unfinished future (client disposed, or the batch ended without a result for them).</summary>
        public void CancelAll()
        {
            foreach (var f in Futures) f.SetCanceled();
            try { _cancel.Cancel(); }
            catch (ObjectDisposedException) { }
        }
    }
}
