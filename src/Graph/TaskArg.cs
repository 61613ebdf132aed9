namespace TaskGraph;

/// <summary>
/// One argument of a task: either the result of another task (a dependency) or a literal value carried in
/// the task itself, as in Dask's task tuples.
/// </summary>
public readonly struct TaskArg
{
    /// <summary>The task whose result this argument is, or null for a literal.</summary>
    public TaskSpec? Dependency { get; }

    /// <summary>The literal value when <see cref="Dependency"/> is null.</summary>
    public object? Literal { get; }

    private TaskArg(TaskSpec? dependency, object? literal)
    {
        Dependency = dependency;
        Literal = literal;
    }

    /// <summary>True when the argument is another task's result.</summary>
    public bool IsDependency => Dependency is not null;

    /// <summary>An argument that is the result of <paramref name="task"/>.</summary>
    public static TaskArg Of(TaskSpec task) => new(task ?? throw new ArgumentNullException(nameof(task)), null);

    /// <summary>A literal argument.</summary>
    public static TaskArg Value(object? value) => new(null, value);

    /// <inheritdoc />
    public override string ToString() => Dependency is { } d ? d.Key.ToString() : Literal?.ToString() ?? "null";
}
