namespace TaskGraph.Bags;

/// <summary>
/// A lazy, partitioned sequence of <typeparamref name="T"/> (Dask's bag). Nothing runs until a result is
/// computed. Consecutive per-element operations (<see cref="Map{TOut}"/>, <see cref="Filter"/>,
/// <see cref="FlatMap{TOut}"/>, <see cref="MapPartitions{TOut}"/>) compose into ONE task per partition; reductions
/// (<see cref="Fold{TAcc}"/>, <see cref="Count"/>, …) run that composed function straight into a per-partition
/// accumulator, then combine the partial results as a tree. <see cref="GroupBy{TKey}"/> and
/// <see cref="Join{TOther, TKey, TResult}"/> hash-shuffle the partitions. Partitions are plain
/// <see cref="List{T}"/>s; results are identical on every scheduler.
/// </summary>
public sealed partial class Bag<T>
{
    private const int MaxNameLength = 48;
    private TaskSpec[]? _partitions;

    /// <summary>Name of the pending layer (the fused operations), used in task keys.</summary>
    internal string Name { get; }

    /// <summary>Fingerprint of the pending layer: the source and every operation since.</summary>
    internal Token Layer { get; }

    /// <summary>Per partition, the input the producer reads (an upstream task, a text block, a slice).</summary>
    internal TaskArg[] Inputs { get; }

    /// <summary>The fused source-plus-operators that turn an input into the partition's elements.</summary>
    internal PartitionProducer<T> Producer { get; }

    /// <summary>True when each input already is the partition's final <c>List&lt;T&gt;</c> (shuffle outputs), so no copy task is needed.</summary>
    private readonly bool _inputsAreLists;

    internal Bag(string name, Token layer, TaskArg[] inputs, PartitionProducer<T> producer, bool inputsAreLists = false)
    {
        Name = name;
        Layer = layer;
        Inputs = inputs;
        Producer = producer;
        _inputsAreLists = inputsAreLists;
    }

    /// <summary>The number of partitions.</summary>
    public int PartitionCount => Inputs.Length;

    /// <summary>Applies <paramref name="f"/> to every element (fused into the partition task).</summary>
    public Bag<TOut> Map<TOut>(Func<T, TOut> f)
        => Derive("map", Check(f), new MapOperator<T, TOut>(Producer, f));

    /// <summary>Keeps the elements for which <paramref name="predicate"/> holds (fused into the partition task).</summary>
    public Bag<T> Filter(Func<T, bool> predicate)
        => Derive("filter", Check(predicate), new FilterOperator<T>(Producer, predicate));

    /// <summary>Replaces every element by the elements <paramref name="f"/> returns for it (fused into the partition task).</summary>
    public Bag<TOut> FlatMap<TOut>(Func<T, IEnumerable<TOut>> f)
        => Derive("flatmap", Check(f), new FlatMapOperator<T, TOut>(Producer, f));

    /// <summary>
    /// Calls <paramref name="f"/> once per partition with all its elements, and makes its result the partition
    /// (fused with the operations before and after it).
    /// </summary>
    public Bag<TOut> MapPartitions<TOut>(Func<IReadOnlyList<T>, IEnumerable<TOut>> f)
        => Derive("map-partitions", Check(f), new MapPartitionsOperator<T, TOut>(Producer, f));

    /// <summary>The partitions as delayed lists (one task per partition).</summary>
    public Delayed<List<T>>[] ToDelayedPartitions() => PartitionSpecs.Select(Delayed.FromSpec<List<T>>).ToArray();

    /// <summary>All elements, in partition order, as one delayed list.</summary>
    public Delayed<List<T>> ToDelayed()
    {
        var parts = PartitionSpecs;
        if (parts.Length == 1) return Delayed.FromSpec<List<T>>(parts[0]);
        var concat = LayerStep.Many<BagConcat, List<T>, List<T>>(Name + "-concat", BagFunctions<T>.Concat, new BagConcat());
        return Delayed.FromSpec<List<T>>(concat.Call(new TaskKey(Name + "-concat", LayerToken.Of("bag-concat", Layer)), parts));
    }

    /// <summary>Computes all elements, in partition order, on <paramref name="scheduler"/> (or the default one).</summary>
    public List<T> Compute(IScheduler? scheduler = null) => ToDelayed().Compute(scheduler);

    /// <summary>Computes all elements, in partition order, with explicit options.</summary>
    public List<T> Compute(ComputeOptions options) => ToDelayed().Compute(options);

    /// <summary>Computes all elements without blocking the caller.</summary>
    public Task<List<T>> ComputeAsync(ComputeOptions? options = null) => ToDelayed().ComputeAsync(options ?? new ComputeOptions());

    /// <summary>
    /// Computes the partitions now and returns a bag holding them under the same keys, so that several later
    /// computations on it do not recompute the pipeline.
    /// </summary>
    public Bag<T> Persist(ComputeOptions? options = null)
    {
        var parts = PartitionSpecs;
        var lists = Delayed.Compute(parts.Select(Delayed.FromSpec<List<T>>), options);
        var inputs = new TaskArg[parts.Length];
        for (int i = 0; i < parts.Length; i++) inputs[i] = TaskArg.Of(TaskSpec.Literal(parts[i].Key, lists[i]));
        return new Bag<T>(Name, Layer, inputs, new ListSource<T>(), inputsAreLists: true);
    }

    /// <summary>
    /// The first <paramref name="n"/> elements, computed now. Only the partitions needed are computed: the first
    /// one, then twice as many more each round while elements are missing.
    /// </summary>
    public List<T> Take(int n, ComputeOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var result = new List<T>(Math.Min(n, 1024));
        var parts = PartitionSpecs;
        int next = 0, batch = 1;
        while (result.Count < n && next < parts.Length)
        {
            int count = Math.Min(batch, parts.Length - next);
            var lists = Delayed.Compute(parts.Skip(next).Take(count).Select(Delayed.FromSpec<List<T>>), options);
            foreach (var list in lists)
            {
                result.AddRange(list.Take(n - result.Count));
                if (result.Count == n) break;
            }
            next += count;
            batch *= 2;
        }
        return result;
    }

    /// <summary>The tasks producing each partition's list (built once; one task per partition).</summary>
    internal TaskSpec[] PartitionSpecs => _partitions ??= BuildPartitionSpecs();

    private TaskSpec[] BuildPartitionSpecs()
    {
        if (_inputsAreLists && Producer is ListSource<T>) return Inputs.Select(a => a.Dependency!).ToArray();
        Func<object?, int, List<T>> body = Producer.ToList;
        return PerPartition(Name, Layer, body);
    }

    /// <summary>One task per partition running <paramref name="body"/>(input, partition index), keyed <c>name-token[i]</c>.</summary>
    internal TaskSpec[] PerPartition<R>(string name, Token token, Func<object?, int, R> body)
    {
        var fn = TaskFunction.Create(body, PartitionInvoker<R>.Call, name);
        // A stage of the operation's layer: a shuffle's split and group tasks share the operation's token, not their keys.
        var stage = LayerToken.Stage(token, name);
        var specs = new TaskSpec[Inputs.Length];
        for (int i = 0; i < specs.Length; i++)
            specs[i] = TaskSpec.Call(stage[i], fn, Inputs[i], TaskArg.Value(i));
        return specs;
    }

    /// <summary>
    /// The token of an operation on this bag, in the collections' one key scheme (<see cref="LayerToken"/>): the
    /// domain <c>bag-op</c>, this bag's layer and EVERY parameter that changes its result (functions with their captured
    /// values, seeds, split_every, partition counts...). A parameter that cannot be fingerprinted makes the token unique
    /// (the operation never collapses with another), never silently equal.
    /// </summary>
    internal Token TokenFor(string op, params object?[] parameters) => LayerToken.Of("bag-" + op, [Layer, .. parameters]);

    private Bag<TOut> Derive<TOut>(string op, Delegate f, PartitionProducer<TOut> producer)
        => new(FusedName(op), TokenFor(op, f), Inputs, producer);

    private string FusedName(string op)
    {
        var name = Name + "-" + op;
        if (name.Length <= MaxNameLength) return name;
        int cut = name.IndexOf('-', name.Length - MaxNameLength);
        return cut < 0 ? op : name[(cut + 1)..];
    }

    private static D Check<D>(D f) where D : Delegate => f ?? throw new ArgumentNullException(nameof(f), "The bag operation's function is null.");

    /// <summary>Describes the bag without computing it.</summary>
    public override string ToString() => $"Bag<{typeof(T).Name}>({Name}, {PartitionCount} partitions)";
}

/// <summary>Cached invoker of per-partition bodies <c>(input, index) → R</c> (one delegate per result type, not per task).</summary>
internal static class PartitionInvoker<R>
{
    public static readonly TaskInvoker Call = TaskInvokers.Call2<object?, int, R>;
}
