namespace TaskGraph.Frames;

/// <summary>The ordered, named and typed columns of a table or frame; known before anything is computed.</summary>
[TokenizeByFields]
public sealed class Schema : IEquatable<Schema>
{
    // Only a plain array (no dictionary): schemas travel inside task arguments to worker processes, and they are
    // small enough that a linear search is as fast as hashing.
    private readonly Field[] _fields;

    /// <summary>Creates a schema; column names must be unique.</summary>
    public Schema(IEnumerable<Field> fields)
    {
        _fields = fields.ToArray();
        for (int i = 0; i < _fields.Length; i++)
            for (int j = 0; j < i; j++)
                if (_fields[i].Name == _fields[j].Name) throw new ArgumentException($"Duplicate column name '{_fields[i].Name}'.");
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
    public bool Contains(string name) => Find(name) >= 0;

    private int Find(string name)
    {
        for (int i = 0; i < _fields.Length; i++) if (string.Equals(_fields[i].Name, name, StringComparison.Ordinal)) return i;
        return -1;
    }

    /// <summary>Position of <paramref name="name"/>; throws <see cref="KeyNotFoundException"/> listing the available columns.</summary>
    public int IndexOf(string name)
        => Find(name) is var i and >= 0 ? i
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
