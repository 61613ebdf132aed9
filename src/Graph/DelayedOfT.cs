namespace TaskGraph;

/// <summary>
/// A lazily computed value of type <typeparamref name="T"/>. Composing delayed values builds a graph of tasks;
/// nothing runs until <see cref="Compute(IScheduler?)"/>, <see cref="ComputeAsync(CancellationToken)"/> or
/// <see cref="Persist(IScheduler?)"/>. A plain value converts implicitly into a delayed one that is carried inline as a
/// literal argument (like a plain argument of a Dask <c>delayed</c> call), not as a task of its own.
/// </summary>
[TypeFormatterSource(typeof(DelayedFormatterSource), PreferredMimeTypes = ["text/html"])]
public sealed class Delayed<T> : IDelayed
{
    private readonly TaskSpec? _spec;
    private readonly T _inline = default!;
    private TaskSpec? _inlineSpec;

    internal Delayed(TaskSpec spec) => _spec = spec;

    private Delayed(T value) => _inline = value;

    /// <summary>Wraps a plain value as an inline literal.</summary>
    public static implicit operator Delayed<T>(T value) => new(value);

    /// <summary>The task producing this value (a literal task for an inline value).</summary>
    public TaskSpec Spec => _spec ?? (_inlineSpec ??= TaskSpec.Literal(_inline));

    /// <summary>The key of the task producing this value.</summary>
    public TaskKey Key => Spec.Key;

    /// <summary>This value as an argument of another task: a dependency, or the literal itself when inline.</summary>
    public TaskArg AsArg() => _spec is null ? TaskArg.Value(_inline) : TaskArg.Of(_spec);

    /// <summary>A delayed call of <paramref name="f"/> on this value.</summary>
    public Delayed<R> Then<R>(Func<T, R> f, string? name = null) => Delayed.Call<R>(f, Invokers<T, R>.Call1, name, AsArg());

    /// <summary>
    /// The same task under a fresh key, for impure functions (random numbers, clocks, I/O with side effects):
    /// it never collapses with an identical-looking call.
    /// </summary>
    public Delayed<T> Impure() => new(Spec.WithUniqueKey());

    /// <summary>Computes the value on <paramref name="scheduler"/>, or on the current default scheduler.</summary>
    public T Compute(IScheduler? scheduler = null) => Compute(new ComputeOptions { Scheduler = scheduler });

    /// <summary>Computes the value with explicit options (scheduler, fusion, listeners, cancellation).</summary>
    public T Compute(ComputeOptions options) => (T)Computation.Run([Spec], options)[0]!;

    /// <summary>Computes the value without blocking the caller.</summary>
    public Task<T> ComputeAsync(CancellationToken cancellationToken = default) => ComputeAsync(new ComputeOptions { CancellationToken = cancellationToken });

    /// <summary>Computes the value without blocking the caller, with explicit options.</summary>
    public async Task<T> ComputeAsync(ComputeOptions options) => (T)(await Computation.RunAsync([Spec], options).ConfigureAwait(false))[0]!;

    /// <summary>
    /// Computes the value now and keeps it (Dask's <c>persist</c>): the handle's <see cref="Persisted{T}.Value"/>
    /// is a delayed value under the same key that later graphs read instead of recomputing. On the process pool
    /// a large result stays in the worker that made it; dispose the handle to release it.
    /// </summary>
    public Persisted<Delayed<T>> Persist(IScheduler? scheduler = null) => Persist(new ComputeOptions { Scheduler = scheduler });

    /// <inheritdoc cref="Persist(IScheduler?)"/>
    public Persisted<Delayed<T>> Persist(ComputeOptions options)
    {
        var kept = Persistence.Run([Spec], options);
        return new(new Delayed<T>(kept.Specs[0]), kept);
    }

    /// <inheritdoc cref="Persist(IScheduler?)"/>
    public async Task<Persisted<Delayed<T>>> PersistAsync(ComputeOptions? options = null)
    {
        var kept = await Persistence.RunAsync([Spec], options).ConfigureAwait(false);
        return new(new Delayed<T>(kept.Specs[0]), kept);
    }

    /// <summary>The task graph behind this value in Graphviz DOT format.</summary>
    public string ToDot(bool fuse = false) => GraphPicture.ToDot(ExecutionPlan.Compile([Spec], fuse));

    /// <summary>
    /// The task graph behind this value as a QuikGraph graph (vertices are task keys, edges go from a dependency
    /// to the task that needs it), to run graph algorithms on it: see <see cref="GraphExport.ToQuikGraph"/>.
    /// </summary>
    public QuikGraph.BidirectionalGraph<TaskKey, QuikGraph.SEquatableEdge<TaskKey>> ToQuikGraph(bool fuse = false) => ExecutionPlan.Compile([Spec], fuse).ToQuikGraph();

    /// <summary>An SVG picture of the task graph (Graphviz <c>dot</c> when installed, else TaskGraph's own layout).</summary>
    public string ToSvg(bool fuse = false) => GraphPicture.ToSvg(ExecutionPlan.Compile([Spec], fuse));

    /// <summary>Writes <see cref="ToSvg"/> to <paramref name="path"/> and returns the path.</summary>
    public string Visualize(string path, bool fuse = false)
    {
        File.WriteAllText(path, ToSvg(fuse));
        return path;
    }

    /// <summary>Describes the value without computing it.</summary>
    public override string ToString() => _spec is null ? $"Delayed<{typeof(T).Name}>(inline {_inline})" : $"Delayed<{typeof(T).Name}>({Key})";
}

/// <summary>Cached invoker delegates per type combination (creating a delegate per task would allocate).</summary>
internal static class Invokers<T1, R>
{
    public static readonly TaskInvoker Call1 = TaskInvokers.Call1<T1, R>;
}
