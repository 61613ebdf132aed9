namespace TaskGraph.Collections;

/// <summary>
/// One kind of task a layer makes: a stage name (the key prefix), the function, and its parameter record. A task
/// of the step takes the record as its first argument and then its inputs, and the body receives them typed,
/// <c>(TParams, TIn[]) → R</c>: no body reads positions out of an untyped argument array, so what a builder passes
/// and what a body reads are one record type, kept in one place. Parameter records are plain data (records of
/// strings, numbers, arrays, schemas, expressions), so they cross the wire to the process pool and the cluster
/// like any task argument, and they enter keys with every field (<see cref="LayerToken"/>).
/// </summary>
internal sealed class LayerStep
{
    private LayerStep(string name, TaskFunction function, object? parameters)
    {
        Name = name;
        Function = function;
        Parameters = parameters;
    }

    /// <summary>The stage name, the prefix of the step's task keys.</summary>
    public string Name { get; }

    /// <summary>The function every task of the step runs.</summary>
    public TaskFunction Function { get; }

    /// <summary>The parameter record every task of the step receives first.</summary>
    public object? Parameters { get; }

    /// <summary>A step whose tasks read any number of inputs: <paramref name="body"/>(parameters, inputs in order).</summary>
    public static LayerStep Many<TParams, TIn, R>(string name, Func<TParams, TIn[], R> body, TParams parameters)
        => new(name, TaskFunction.Create(body, LayerInvokers.Many<TParams, TIn, R>, name), parameters);

    /// <summary>A step whose tasks read one input: <paramref name="body"/>(parameters, input).</summary>
    public static LayerStep One<TParams, TIn, R>(string name, Func<TParams, TIn, R> body, TParams parameters)
        => new(name, TaskFunction.Create(body, TaskInvokers.Call2<TParams, TIn, R>, name), parameters);

    /// <summary>
    /// A step of a shuffle's split tasks: <paramref name="body"/>(parameters, input) cuts a partition into buckets.
    /// Its tasks also receive a <see cref="SpillTarget"/> (<see cref="HashShuffle"/>'s splits pass
    /// <see cref="SpillTarget.None"/>, a computation under a memory limit its own): when the target says so, the
    /// buckets go to disk and the task's result is a <see cref="SpilledBuckets{T}"/> instead of the array.
    /// </summary>
    public static LayerStep Split<TParams, TIn, TPiece>(string name, Func<TParams, TIn, TPiece[]> body, TParams parameters) where TPiece : class
        => new(name, TaskFunction.Create(body, LayerInvokers.Split<TParams, TIn, TPiece>, name), parameters);

    /// <summary>A split step whose tasks also read one input shared by every split (a sort's range boundaries): <paramref name="body"/>(parameters, input, shared).</summary>
    public static LayerStep Split<TParams, TIn, TShared, TPiece>(string name, Func<TParams, TIn, TShared, TPiece[]> body, TParams parameters) where TPiece : class
        => new(name, TaskFunction.Create(body, LayerInvokers.SplitWith<TParams, TIn, TShared, TPiece>, name), parameters);

    /// <summary>
    /// A step of a shuffle's output tasks: <paramref name="body"/>(parameters, bucket j of every split), the bucket
    /// picked from each split's <c>TIn[]</c> by the invoker (see <see cref="HashShuffle"/>).
    /// </summary>
    public static LayerStep Gather<TParams, TIn, R>(string name, Func<TParams, TIn[], R> body, TParams parameters)
        => new(name, TaskFunction.Create(body, LayerInvokers.Bucket<TParams, TIn, R>, name), parameters);

    /// <summary>
    /// A step of a two-sided shuffle's output tasks (a join): <paramref name="body"/>(parameters, bucket j of every
    /// left split, bucket j of every right split).
    /// </summary>
    public static LayerStep Gather<TParams, TLeft, TRight, R>(string name, Func<TParams, TLeft[], TRight[], R> body, TParams parameters)
        => new(name, TaskFunction.Create(body, LayerInvokers.Buckets<TParams, TLeft, TRight, R>, name), parameters);

    /// <summary>The same step (name and function) with other parameters, for tasks whose parameters differ (an output block's shape).</summary>
    public LayerStep With(object? parameters) => new(Name, Function, parameters);

    /// <summary>A task of this step under <paramref name="key"/> reading <paramref name="inputs"/> (plus literal <paramref name="prefix"/> arguments the invoker expects).</summary>
    internal TaskSpec Call(TaskKey key, ReadOnlySpan<TaskSpec> inputs, params ReadOnlySpan<object?> prefix)
    {
        var args = new TaskArg[1 + prefix.Length + inputs.Length];
        args[0] = TaskArg.Value(Parameters);
        for (int i = 0; i < prefix.Length; i++) args[1 + i] = TaskArg.Value(prefix[i]);
        for (int i = 0; i < inputs.Length; i++) args[1 + prefix.Length + i] = TaskArg.Of(inputs[i]);
        return TaskSpec.Call(key, Function, args);
    }

    /// <summary>
    /// A single task of this step outside a layer, keyed like any delayed call: by the function, the parameter record
    /// and the inputs' keys (so the key covers every parameter without a layer token).
    /// </summary>
    public TaskSpec Call(ReadOnlySpan<TaskSpec> inputs)
    {
        var args = new TaskArg[1 + inputs.Length];
        args[0] = TaskArg.Value(Parameters);
        for (int i = 0; i < inputs.Length; i++) args[1 + i] = TaskArg.Of(inputs[i]);
        return TaskSpec.Call(Function, args);
    }

    /// <summary>A task of this step under <paramref name="key"/> reading one input.</summary>
    public TaskSpec Call(TaskKey key, TaskSpec input) => Call(key, [input]);

    /// <summary>A task of this step under <paramref name="key"/> reading one input given as an argument (a task or a literal).</summary>
    public TaskSpec Call(TaskKey key, TaskArg input) => TaskSpec.Call(key, Function, TaskArg.Value(Parameters), input);
}

/// <summary>
/// The invokers of <see cref="LayerStep"/> tasks: static generic methods (so an out-of-process scheduler names them
/// like every invoker) that hand a body its parameter record and its inputs as typed arrays. They copy argument
/// references once per task; no work per row or element.
/// </summary>
internal static class LayerInvokers
{
    /// <summary><c>args</c>: the parameters, then the inputs.</summary>
    public static object? Many<TParams, TIn, R>(Delegate f, object?[] args)
    {
        var inputs = new TIn[args.Length - 1];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = (TIn)args[i + 1]!;
        return ((Func<TParams, TIn[], R>)f)((TParams)args[0]!, inputs);
    }

    /// <summary><c>args</c>: the parameters, the spill target, the input.</summary>
    public static object? Split<TParams, TIn, TPiece>(Delegate f, object?[] args) where TPiece : class
    {
        var buckets = ((Func<TParams, TIn, TPiece[]>)f)((TParams)args[0]!, (TIn)args[2]!);
        var spill = (SpillTarget)args[1]!;
        return spill.ShouldSpill ? SpilledBuckets<TPiece>.Write(buckets, spill) : buckets;
    }

    /// <summary><c>args</c>: the parameters, the spill target, the input, the shared input.</summary>
    public static object? SplitWith<TParams, TIn, TShared, TPiece>(Delegate f, object?[] args) where TPiece : class
    {
        var buckets = ((Func<TParams, TIn, TShared, TPiece[]>)f)((TParams)args[0]!, (TIn)args[2]!, (TShared)args[3]!);
        var spill = (SpillTarget)args[1]!;
        return spill.ShouldSpill ? SpilledBuckets<TPiece>.Write(buckets, spill) : buckets;
    }

    /// <summary>Bucket <paramref name="j"/> of a split's result: from its array, or read back from disk.</summary>
    private static T Piece<T>(object? split, int j) => split is T[] buckets ? buckets[j] : ((IBucketSource<T>)split!).Read(j);

    /// <summary><c>args</c>: the parameters, the bucket j, then the splits (each a <c>TIn[]</c> of buckets, or spilled ones).</summary>
    public static object? Bucket<TParams, TIn, R>(Delegate f, object?[] args)
    {
        int j = (int)args[1]!;
        var pieces = new TIn[args.Length - 2];
        for (int i = 0; i < pieces.Length; i++) pieces[i] = Piece<TIn>(args[i + 2], j);
        return ((Func<TParams, TIn[], R>)f)((TParams)args[0]!, pieces);
    }

    /// <summary><c>args</c>: the parameters, the bucket j, the number of left splits, then the left splits and the right splits.</summary>
    public static object? Buckets<TParams, TLeft, TRight, R>(Delegate f, object?[] args)
    {
        int j = (int)args[1]!;
        int nLeft = (int)args[2]!;
        var left = new TLeft[nLeft];
        var right = new TRight[args.Length - 3 - nLeft];
        for (int i = 0; i < left.Length; i++) left[i] = Piece<TLeft>(args[i + 3], j);
        for (int i = 0; i < right.Length; i++) right[i] = Piece<TRight>(args[i + 3 + nLeft], j);
        return ((Func<TParams, TLeft[], TRight[], R>)f)((TParams)args[0]!, left, right);
    }
}
