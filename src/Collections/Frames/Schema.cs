namespace TaskGraph;

/// <summary>The ordered, named and typed columns of a table or frame; known before anything is computed.</summary>
public sealed class Schema : IEquatable<Schema>
{
    private readonly Field[] _fields;
    private readonly Dictionary<string, int> _index;

    /// <summary>Creates a schema; column names must be unique.</summary>
    public Schema(IEnumerable<Field> fields)
    {
        _fields = fields.ToArray();
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < _fields.Length; i++)
            if (!_index.TryAdd(_fields[i].Name, i))
                throw new ArgumentException($"Duplicate column name '{_fields[i].Name}'.");
    }

    /// <summary>Creates a schema from (name, type) pairs.</summary>
    public static Schema Of(params (string Name, ColumnType Type)[] fields) => new(fields.Select(f => new Field(f.Name, f.Type)));

    /// <summary>The fields in order.</summary>
    public IReadOnlyList<Field> Fields => _fields;

    /// <summary>Number of columns.</summary>
    public int Count => _fields.Length;

    /// <summary>Column names in order.</summary>
    public string[] Names => _fields.Select(f => f.Name).ToArray();

    /// <summary>The field at position <paramref name="i"/>.</summary>
    public Field this[int i] => _fields[i];

    /// <summary>The field named <paramref name="name"/>; throws listing the available columns when unknown.</summary>
    public Field this[string name] => _fields[IndexOf(name)];

    /// <summary>True when a column of that name exists.</summary>
    public bool Contains(string name) => _index.ContainsKey(name);

    /// <summary>Position of <paramref name="name"/>; throws <see cref="KeyNotFoundException"/> listing the available columns.</summary>
    public int IndexOf(string name)
        => _index.TryGetValue(name, out var i) ? i
         : throw new KeyNotFoundException($"Unknown column '{name}'. Available columns: {string.Join(", ", _fields.Select(f => f.Name))}.");

    /// <inheritdoc />
    public bool Equals(Schema? other) => other is not null && _fields.SequenceEqual(other._fields);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Schema);

    /// <inheritdoc />
    public override int GetHashCode() => _fields.Aggregate(17, (h, f) => h * 31 + f.GetHashCode());

    /// <inheritdoc />
    public override string ToString() => "{" + string.Join(", ", _fields.Select(f => f.ToString())) + "}";
}
