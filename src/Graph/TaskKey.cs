namespace TaskGraph;

/// <summary>
/// The name of a task and of its result. Keys are deterministic where inputs are: the same function
/// applied to the same argument keys or values gets the same key, so identical subgraphs collapse and
/// several outputs computed together share their common work. Equality is by <see cref="Token"/>;
/// <see cref="Name"/> and <see cref="Index"/> are for people (they are part of the token already).
/// </summary>
public readonly struct TaskKey : IEquatable<TaskKey>
{
    private const int NamedOnly = int.MinValue;

    /// <summary>Human-readable prefix, usually the function's or the operation's name.</summary>
    public string Name { get; }

    /// <summary>The fingerprint that identifies the task.</summary>
    public Token Token { get; }

    /// <summary>Partition or block index for collection tasks, or -1.</summary>
    public int Index => _index == NamedOnly ? -1 : _index;

    private readonly int _index;

    /// <summary>Creates a key from a name and a token; <paramref name="index"/> is shown as <c>name-token[index]</c>.</summary>
    public TaskKey(string name, Token token, int index = -1)
    {
        Name = name;
        Token = token;
        _index = index;
    }

    private TaskKey(string name, Token token, bool namedOnly)
    {
        Name = name;
        Token = token;
        _index = namedOnly ? NamedOnly : -1;
    }

    /// <summary>A key that is exactly the given string (as in a hand-written dask graph dictionary).</summary>
    public static TaskKey Named(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var b = new TokenBuilder(TokenDomains.NamedKey);
        b.Add(key);
        return new TaskKey(key, b.Finish(), namedOnly: true);
    }

    /// <summary>The key of partition <paramref name="index"/> of a collection layer named <paramref name="name"/> with token <paramref name="layer"/>.</summary>
    public static TaskKey ForPartition(string name, Token layer, int index)
    {
        var b = new TokenBuilder(TokenDomains.PartitionKey);
        b.Add(layer);
        b.Add((ulong)index);
        return new TaskKey(name, b.Finish(), index);
    }

    /// <summary>True for a key that is exactly its name (<see cref="Named"/>).</summary>
    internal bool IsNamed => _index == NamedOnly;

    /// <summary>True when this is the default (empty) key.</summary>
    public bool IsEmpty => Name is null;

    /// <inheritdoc />
    public bool Equals(TaskKey other) => Token == other.Token;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TaskKey k && Equals(k);

    /// <inheritdoc />
    public override int GetHashCode() => (int)Token.Lo ^ (int)(Token.Lo >> 32);

    /// <summary>Key equality.</summary>
    public static bool operator ==(TaskKey a, TaskKey b) => a.Equals(b);

    /// <summary>Key inequality.</summary>
    public static bool operator !=(TaskKey a, TaskKey b) => !a.Equals(b);

    /// <summary><c>name-0123456789abcdef</c>, <c>name-…[index]</c>, or the exact name of a <see cref="Named"/> key.</summary>
    public override string ToString() => _index switch
    {
        NamedOnly => Name,
        < 0 => $"{Name}-{Token}",
        _ => $"{Name}-{Token}[{_index}]",
    };
}
