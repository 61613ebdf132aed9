namespace TaskGraph;

/// <summary>
/// A collection or delayed value backed by computed results (from <c>Persist</c>): graphs built on
/// <see cref="Value"/> read the kept results instead of computing them again (Dask's <c>persist</c>). On the
/// process pool and the cluster large results stay in the worker processes that made them, and later computations use them
/// there; a worker that died took its results with it, and they are computed again from their lineage. On the
/// other schedulers the results are kept in this process. Dispose the handle to release them.
/// <code>
/// using var kept = trips.Filter(Col("fare") &gt; 0).Persist(pool);
/// var byVendor = kept.Value.GroupBy("vendor").Agg(Sum("fare")).Compute(pool);   // no CSV read, no filter
/// </code>
/// </summary>
/// <typeparam name="T">The persisted collection: <see cref="Delayed{T}"/>, a frame or an array.</typeparam>
public sealed class Persisted<T> : IDisposable, IAsyncDisposable
{
    private readonly PersistedResults _results;

    internal Persisted(T value, PersistedResults results)
    {
        Value = value;
        _results = results;
    }

    /// <summary>The collection (or delayed value) whose tasks read the kept results.</summary>
    public T Value { get; }

    /// <summary>
    /// Releases the kept results. On the process pool the workers drop them, and computing <see cref="Value"/>
    /// afterwards fails with an <see cref="ObjectDisposedException"/> naming the key; in-process results are
    /// released to the garbage collector with the last reference to <see cref="Value"/>.
    /// </summary>
    public void Dispose() => _results.Dispose();

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override string ToString() => $"Persisted({Value})";
}

/// <summary>The one path every <c>Persist</c> takes.</summary>
internal static class Persistence
{
    /// <summary>
    /// Computes <paramref name="outputs"/> and keeps them: on an <see cref="IPersistingScheduler"/> where it keeps
    /// them, elsewhere as literal tasks under the same keys holding the values.
    /// </summary>
    public static PersistedResults Run(IReadOnlyList<TaskSpec> outputs, ComputeOptions? options)
        => RunAsync(outputs, options).GetAwaiter().GetResult();

    /// <inheritdoc cref="Run"/>
    public static async Task<PersistedResults> RunAsync(IReadOnlyList<TaskSpec> outputs, ComputeOptions? options)
    {
        options ??= new ComputeOptions();
        var scheduler = options.Scheduler ?? TaskGraphOptions.CurrentScheduler;
        if (scheduler is IPersistingScheduler keeping)
        {
            var plan = ExecutionPlan.Compile(outputs, options.Fuse);
            IReadOnlyList<IComputeListener> listeners = options.Listeners.Count == 0 ? ComputeListeners.Active : [.. ComputeListeners.Active, .. options.Listeners];
            foreach (var l in listeners) l.OnComputeScheduled(plan, scheduler);
            return await keeping.PersistAsync(plan, new ComputeContext(options.CancellationToken, listeners) { StallTimeout = options.StallTimeout }).ConfigureAwait(false);
        }
        var values = await Computation.RunAsync([.. outputs], options).ConfigureAwait(false);
        var specs = new TaskSpec[outputs.Count];
        for (int i = 0; i < specs.Length; i++) specs[i] = TaskSpec.Literal(outputs[i].Key, values[i]);
        return new PersistedResults(specs, null);
    }
}
