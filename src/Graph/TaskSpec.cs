namespace TaskGraph;

/// <summary>
/// One task of a graph, as data: its key, the function it runs and its arguments (dependency tasks or literal
/// values). A literal task (<see cref="IsLiteral"/>) has no function and simply is its <see cref="Value"/>.
/// Specs are immutable and point to their dependencies, so a graph is the set of specs reachable from its
/// outputs: combining delayed values never copies a graph (docs/ARCHITECTURE.md, "Graph"), and since a spec's
/// dependencies exist before it does, graphs built this way cannot have cycles.
/// </summary>
public sealed class TaskSpec
{
    private readonly TaskArg[] _args;

    /// <summary>The task's key.</summary>
    public TaskKey Key { get; }

    /// <summary>The function the task runs; null for a literal task.</summary>
    public TaskFunction? Function { get; }

    /// <summary>The value of a literal task.</summary>
    public object? Value { get; }

    /// <summary>Arguments in call order.</summary>
    public ReadOnlySpan<TaskArg> Args => _args;

    /// <summary>True for a task that holds a value rather than calling a function.</summary>
    public bool IsLiteral => Function is null;

    /// <summary>Optional hint for the ordering pass and the visualizer (for example the partition it belongs to).</summary>
    public string? Label { get; init; }

    private TaskSpec(TaskKey key, TaskFunction? function, TaskArg[] args, object? value)
    {
        Key = key;
        Function = function;
        _args = args;
        Value = value;
    }

    /// <summary>A task calling <paramref name="function"/>; its key is derived from the function and the arguments.</summary>
    public static TaskSpec Call(TaskFunction function, params TaskArg[] args)
        => new(KeyFor(function, args), function ?? throw new ArgumentNullException(nameof(function)), args, null);

    /// <summary>A task calling <paramref name="function"/> under an explicit key (collections name their partitions).</summary>
    public static TaskSpec Call(TaskKey key, TaskFunction function, params TaskArg[] args)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (key.IsEmpty) throw new ArgumentException("The task key is empty.", nameof(key));
        return new TaskSpec(key, function, args, null);
    }

    /// <summary>
    /// A literal task holding <paramref name="value"/>; the key fingerprints the value where possible. An explicit
    /// <paramref name="name"/> is the key itself, exactly (Dask's <c>delayed(1, name="X")</c> has key <c>"X"</c>);
    /// two different values under one name in one graph are an error when the graph is compiled.
    /// </summary>
    public static TaskSpec Literal(object? value, string? name = null)
    {
        var b = new TokenBuilder(TokenDomains.Literal);
        var token = ValueTokenizer.TryAdd(ref b, value) ? b.Finish() : ValueTokenizer.Unique();
        if (name is not null) return new TaskSpec(TaskKey.Named(name), null, [], value);
        return new TaskSpec(new TaskKey(LiteralName(value), token), null, [], value);
    }

    /// <summary>
    /// True when <paramref name="other"/>, a task under the same key, holds something else: two literals under one
    /// explicit name (<see cref="TaskKey.Named"/>) with different values. Asked only when a key is met twice, so no
    /// task carries anything for it. Values that cannot be fingerprinted clash unless they are one object.
    /// </summary>
    internal bool ClashesWith(TaskSpec other)
    {
        if (ReferenceEquals(this, other) || !Key.IsNamed || !IsLiteral || !other.IsLiteral || ReferenceEquals(Value, other.Value)) return false;
        var mine = ValueTokenizer.TryTokenize(Value);
        return mine is null || mine != ValueTokenizer.TryTokenize(other.Value);
    }

    /// <summary>A literal task under an explicit key (used by <c>Persist</c>, which keeps the original key).</summary>
    public static TaskSpec Literal(TaskKey key, object? value) => new(key, null, [], value);

    /// <summary>The same task under a fresh, unique key (an impure call that must never collapse with another).</summary>
    public TaskSpec WithUniqueKey() => new(new TaskKey(Key.Name, ValueTokenizer.Unique(), Key.Index), Function, _args, Value) { Label = Label };

    /// <summary>The same task (key, function, label) with argument <paramref name="index"/> replaced by the literal <paramref name="value"/>.</summary>
    internal TaskSpec WithLiteralArgument(int index, object? value)
    {
        var args = (TaskArg[])_args.Clone();
        args[index] = TaskArg.Value(value);
        return new TaskSpec(Key, Function, args, Value) { Label = Label };
    }

    /// <summary>The error for two different tasks that were given the same explicit name.</summary>
    internal static InvalidOperationException NameClash(TaskSpec a, TaskSpec b) => new(
        $"Two different values are named '{a.Key}' in one graph: an explicit name is the task's key, so it must name one value " +
        $"(first: {Describe(a)}; second: {Describe(b)}).");

    private static string Describe(TaskSpec s) => s.Value is null ? "null" : $"{s.Value.GetType().Name} {s.Value}";

    /// <summary>The distinct tasks this one reads, in argument order.</summary>
    public IEnumerable<TaskSpec> Dependencies
    {
        get
        {
            var seen = new HashSet<TaskKey>();
            foreach (var a in _args)
                if (a.Dependency is { } d && seen.Add(d.Key)) yield return d;
        }
    }

    internal TaskArg[] ArgArray => _args;

    /// <summary>
    /// This task with each dependency argument replaced by a null literal: what a <see cref="NodeProgram"/> sends
    /// to another process (the values come from the program's argument sources; a dependency would bring its
    /// whole graph along). The task itself when it has no dependency arguments.
    /// </summary>
    internal TaskSpec WithoutDependencies()
    {
        int first = Array.FindIndex(_args, a => a.IsDependency);
        if (first < 0) return this;
        var args = (TaskArg[])_args.Clone();
        for (int a = first; a < args.Length; a++)
            if (args[a].IsDependency) args[a] = TaskArg.Value(null);
        return new TaskSpec(Key, Function, args, Value) { Label = Label };
    }

    /// <summary>
    /// A task rebuilt in a worker from what its parent sent (a function received once, literal arguments), to run
    /// in a <see cref="NodeProgram"/>; <paramref name="key"/> may be empty when the parent names failures itself.
    /// </summary>
    internal static TaskSpec Received(TaskKey key, TaskFunction? function, TaskArg[] args, object? value) => new(key, function, args, value);

    /// <summary>The deterministic key of a call: function token plus argument keys and literal tokens.</summary>
    public static TaskKey KeyFor(TaskFunction function, ReadOnlySpan<TaskArg> args)
    {
        ArgumentNullException.ThrowIfNull(function);
        // A function whose state cannot be fingerprinted gets a fresh key per call: its own token is shared by every
        // call made through the same delegate, so using it would make inc(1) and inc(2) one task.
        if (!function.IsDeterministic) return new TaskKey(function.Name, ValueTokenizer.Unique());
        var b = new TokenBuilder(TokenDomains.Call);
        b.Add(function.Token);
        b.Add((ulong)args.Length);
        foreach (var a in args)
        {
            if (a.Dependency is { } d) { b.Add(1); b.Add(d.Key.Token); }
            else if (!ValueTokenizer.TryAdd(ref b, a.Literal)) return new TaskKey(function.Name, ValueTokenizer.Unique());
        }
        return new TaskKey(function.Name, b.Finish());
    }

    private static string LiteralName(object? value) => value switch
    {
        null => "null",
        Array a => a.GetType().GetElementType()!.Name.ToLowerInvariant() + "-array",
        _ => value.GetType().Name.ToLowerInvariant(),
    };

    /// <inheritdoc />
    public override string ToString() => IsLiteral ? $"{Key} = {Value}" : $"{Key} = {Function!.Name}({string.Join(", ", _args)})";
}
