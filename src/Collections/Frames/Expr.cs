using System.Globalization;

namespace TaskGraph.Frames;

/// <summary>
/// A column expression: a small tree of plain data (column names, literals, operators) that is type-checked
/// against a schema when a frame operation is built and evaluated column-at-a-time inside partition tasks.
/// Being plain data, an expression travels to worker processes as is and fingerprints into task keys through
/// its canonical <c>ToString()</c>. Write <c>using static TaskGraph.Frames.Expr;</c> for <c>Col("x")</c> and <c>Lit(1)</c>.
/// </summary>
public abstract partial class Expr : ITokenizable
{
    /// <summary>Fingerprints the expression by its node types and fields (names, literals, operators, sub-expressions).</summary>
    public void AddToken(ref TokenBuilder builder)
    {
        // Literals hold only values the tokenizer knows, so this always succeeds; were it not to, a unique token.
        if (!ValueTokenizer.TryAddFields(ref builder, this)) builder.Add(ValueTokenizer.Unique());
    }

    /// <summary>A column reference.</summary>
    public static Expr Col(string name) => new ColumnRef(name);

    /// <summary>A literal value (int, long, double, bool, string, DateOnly, DateTime; null needs <see cref="Null"/>).</summary>
    public static Expr Lit(object value) => new Literal(value, ColumnTypes.Of(value.GetType()));

    /// <summary>A typed missing value.</summary>
    public static Expr Null(ColumnType type) => new Literal(null, type);

    /// <summary>The result type against <paramref name="schema"/>; throws naming the problem (unknown column, type mismatch).</summary>
    public abstract ColumnType TypeIn(Schema schema);

    /// <summary>Evaluates over every row of <paramref name="table"/>.</summary>
    public abstract Column Evaluate(Table table);

    /// <summary>Column names this expression reads.</summary>
    public abstract void CollectColumns(ISet<string> into);

    /// <summary>The names this expression reads.</summary>
    public IReadOnlyCollection<string> Columns { get { var s = new SortedSet<string>(StringComparer.Ordinal); CollectColumns(s); return s; } }

    /// <summary>The name a projection gives this expression by default (a column keeps its name).</summary>
    public virtual string DefaultName => ToString() ?? "";

    // arithmetic
    public static Expr operator +(Expr a, Expr b) => new Binary(BinaryOp.Add, a, b);
    public static Expr operator -(Expr a, Expr b) => new Binary(BinaryOp.Subtract, a, b);
    public static Expr operator *(Expr a, Expr b) => new Binary(BinaryOp.Multiply, a, b);
    public static Expr operator /(Expr a, Expr b) => new Binary(BinaryOp.Divide, a, b);
    public static Expr operator %(Expr a, Expr b) => new Binary(BinaryOp.Modulo, a, b);
    public static Expr operator -(Expr a) => new Unary(UnaryOp.Negate, a);
    // comparisons
    public static Expr operator ==(Expr a, Expr b) => new Binary(BinaryOp.Equal, a, b);
    public static Expr operator !=(Expr a, Expr b) => new Binary(BinaryOp.NotEqual, a, b);
    public static Expr operator <(Expr a, Expr b) => new Binary(BinaryOp.Less, a, b);
    public static Expr operator <=(Expr a, Expr b) => new Binary(BinaryOp.LessOrEqual, a, b);
    public static Expr operator >(Expr a, Expr b) => new Binary(BinaryOp.Greater, a, b);
    public static Expr operator >=(Expr a, Expr b) => new Binary(BinaryOp.GreaterOrEqual, a, b);
    // logic
    public static Expr operator &(Expr a, Expr b) => new Binary(BinaryOp.And, a, b);
    public static Expr operator |(Expr a, Expr b) => new Binary(BinaryOp.Or, a, b);
    public static Expr operator !(Expr a) => new Unary(UnaryOp.Not, a);

    public static implicit operator Expr(int v) => new Literal(v, ColumnType.Int32);
    public static implicit operator Expr(long v) => new Literal(v, ColumnType.Int64);
    public static implicit operator Expr(double v) => new Literal(v, ColumnType.Double);
    public static implicit operator Expr(bool v) => new Literal(v, ColumnType.Bool);
    public static implicit operator Expr(string v) => new Literal(v, ColumnType.String);
    public static implicit operator Expr(DateOnly v) => new Literal(v, ColumnType.Date);
    public static implicit operator Expr(DateTime v) => new Literal(v, ColumnType.DateTime);

    /// <summary>True where the value is missing.</summary>
    public Expr IsNull() => new Unary(UnaryOp.IsNull, this);
    /// <summary>True where the value is present.</summary>
    public Expr IsNotNull() => new Unary(UnaryOp.IsNotNull, this);
    /// <summary>Missing values replaced by <paramref name="value"/>.</summary>
    public Expr FillNull(Expr value) => new Binary(BinaryOp.FillNull, this, value);
    /// <summary>Converts to <paramref name="type"/> (text that does not parse becomes missing).</summary>
    public Expr Cast(ColumnType type) => new Cast(this, type);
    /// <summary>The same values under another name (for <see cref="Frame.Select(Expr[])"/>).</summary>
    public Expr As(string name) => new Alias(this, name);

    /// <summary>String contains <paramref name="s"/> (ordinal).</summary>
    public Expr Contains(string s) => new StringOp(StringOpKind.Contains, this, s);
    /// <summary>String starts with <paramref name="s"/> (ordinal).</summary>
    public Expr StartsWith(string s) => new StringOp(StringOpKind.StartsWith, this, s);
    /// <summary>String ends with <paramref name="s"/> (ordinal).</summary>
    public Expr EndsWith(string s) => new StringOp(StringOpKind.EndsWith, this, s);
    /// <summary>String length in UTF-16 code units.</summary>
    public Expr Length() => new Unary(UnaryOp.Length, this);
    /// <summary>Lower-case (invariant).</summary>
    public Expr Lower() => new Unary(UnaryOp.Lower, this);
    /// <summary>Upper-case (invariant).</summary>
    public Expr Upper() => new Unary(UnaryOp.Upper, this);
    /// <summary>Up to <paramref name="length"/> characters from <paramref name="start"/> (clipped to the string).</summary>
    public Expr Substring(int start, int length) => new Substring(this, start, length);
    /// <summary>Year of a date or date-time.</summary>
    public Expr Year() => new Unary(UnaryOp.Year, this);
    /// <summary>Month (1-12) of a date or date-time.</summary>
    public Expr Month() => new Unary(UnaryOp.Month, this);
    /// <summary>Day of month of a date or date-time.</summary>
    public Expr Day() => new Unary(UnaryOp.Day, this);
    /// <summary>Day of week (0 = Sunday) of a date or date-time.</summary>
    public Expr DayOfWeek() => new Unary(UnaryOp.DayOfWeek, this);
    /// <summary>Hour of a date-time.</summary>
    public Expr Hour() => new Unary(UnaryOp.Hour, this);

    /// <summary>Reference equality (== builds a comparison expression).</summary>
    public override bool Equals(object? obj) => ReferenceEquals(this, obj);
    /// <inheritdoc />
    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);

    internal static string Quote(object? v) => v switch
    {
        null => "null",
        string s => "\"" + s.Replace("\"", "\\\"") + "\"",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString()!,
    };
}

/// <summary>A column reference.</summary>
internal sealed class ColumnRef(string name) : Expr
{
    /// <summary>The column name.</summary>
    public string Name { get; } = name;
    /// <inheritdoc />
    public override ColumnType TypeIn(Schema schema) => schema[Name].Type;
    /// <inheritdoc />
    public override Column Evaluate(Table table) => table[Name];
    /// <inheritdoc />
    public override void CollectColumns(ISet<string> into) => into.Add(Name);
    /// <inheritdoc />
    public override string DefaultName => Name;
    /// <inheritdoc />
    public override string ToString() => $"col({Name})";
}

/// <summary>A literal (null with a type is a typed missing value).</summary>
internal sealed class Literal(object? value, ColumnType type) : Expr
{
    /// <summary>The value (null = missing).</summary>
    public object? Value { get; } = value;
    /// <summary>The value's column type.</summary>
    public ColumnType Type { get; } = type;
    /// <inheritdoc />
    public override ColumnType TypeIn(Schema schema) => Type;
    /// <inheritdoc />
    public override Column Evaluate(Table table)
    {
        int n = table.RowCount;
        if (Value is null) return Column.Nulls(Type, n);
        var data = Column.NewStorage(Type, n);
        switch (Type)
        {
            case ColumnType.Int32: Array.Fill((int[])data, (int)Value); break;
            case ColumnType.Int64: Array.Fill((long[])data, (long)Value); break;
            case ColumnType.Double: Array.Fill((double[])data, (double)Value); break;
            case ColumnType.Bool: Array.Fill((bool[])data, (bool)Value); break;
            case ColumnType.String: Array.Fill((string?[])data, (string)Value); break;
            case ColumnType.Date: Array.Fill((int[])data, ((DateOnly)Value).DayNumber); break;
            case ColumnType.DateTime: Array.Fill((long[])data, ((DateTime)Value).Ticks); break;
        }
        return new Column(Type, data, n);
    }
    /// <inheritdoc />
    public override void CollectColumns(ISet<string> into) { }
    /// <inheritdoc />
    public override string ToString() => $"lit({Type}:{Quote(Value)})";
}

/// <summary>A renamed expression.</summary>
internal sealed class Alias(Expr inner, string name) : Expr
{
    /// <summary>The expression.</summary>
    public Expr Inner { get; } = inner;
    /// <summary>The output name.</summary>
    public string Name { get; } = name;
    /// <inheritdoc />
    public override ColumnType TypeIn(Schema schema) => Inner.TypeIn(schema);
    /// <inheritdoc />
    public override Column Evaluate(Table table) => Inner.Evaluate(table);
    /// <inheritdoc />
    public override void CollectColumns(ISet<string> into) => Inner.CollectColumns(into);
    /// <inheritdoc />
    public override string DefaultName => Name;
    /// <inheritdoc />
    public override string ToString() => $"{Inner} as {Name}";
}

/// <summary>A conversion to another column type.</summary>
internal sealed class Cast(Expr inner, ColumnType to) : Expr
{
    /// <summary>The expression.</summary>
    public Expr Inner { get; } = inner;
    /// <summary>The target type.</summary>
    public ColumnType To { get; } = to;
    /// <inheritdoc />
    public override ColumnType TypeIn(Schema schema)
    {
        var from = Inner.TypeIn(schema);
        bool ok = from == To || To == ColumnType.String || from == ColumnType.String
            || (from.IsNumeric() || from == ColumnType.Bool) && (To.IsNumeric() || To == ColumnType.Bool)
            || from is ColumnType.Date or ColumnType.DateTime && To is ColumnType.Date or ColumnType.DateTime;
        return ok ? To : throw new InvalidOperationException($"Cannot cast {Inner} from {from} to {To}.");
    }
    /// <inheritdoc />
    public override Column Evaluate(Table table) => ColumnKernels.Cast(Inner.Evaluate(table), To);
    /// <inheritdoc />
    public override void CollectColumns(ISet<string> into) => Inner.CollectColumns(into);
    /// <inheritdoc />
    public override string DefaultName => Inner.DefaultName;
    /// <inheritdoc />
    public override string ToString() => $"cast({Inner}, {To})";
}

/// <summary>Substring of a string expression.</summary>
internal sealed class Substring(Expr inner, int start, int length) : Expr
{
    /// <summary>The string expression.</summary>
    public Expr Inner { get; } = inner;
    /// <summary>First character.</summary>
    public int Start { get; } = start;
    /// <summary>Maximum length.</summary>
    public int MaxLength { get; } = length;
    /// <inheritdoc />
    public override ColumnType TypeIn(Schema schema)
        => Inner.TypeIn(schema) == ColumnType.String ? ColumnType.String : throw new InvalidOperationException($"Substring needs a String, {Inner} is {Inner.TypeIn(schema)}.");
    /// <inheritdoc />
    public override Column Evaluate(Table table)
        => ColumnKernels.MapString(Inner.Evaluate(table), s => Start >= s.Length ? "" : s.Substring(Start, Math.Min(MaxLength, s.Length - Start)));
    /// <inheritdoc />
    public override void CollectColumns(ISet<string> into) => Inner.CollectColumns(into);
    /// <inheritdoc />
    public override string ToString() => $"substring({Inner}, {Start}, {MaxLength})";
}

/// <summary>String predicates with a constant argument.</summary>
internal enum StringOpKind
{
    /// <summary>Ordinal contains.</summary>
    Contains,
    /// <summary>Ordinal prefix.</summary>
    StartsWith,
    /// <summary>Ordinal suffix.</summary>
    EndsWith,
}

/// <summary>A string predicate (<see cref="StringOpKind"/>).</summary>
internal sealed class StringOp(StringOpKind kind, Expr inner, string argument) : Expr
{
    /// <summary>Which predicate.</summary>
    public StringOpKind Kind { get; } = kind;
    /// <summary>The string expression.</summary>
    public Expr Inner { get; } = inner;
    /// <summary>The constant argument.</summary>
    public string Argument { get; } = argument;
    /// <inheritdoc />
    public override ColumnType TypeIn(Schema schema)
        => Inner.TypeIn(schema) == ColumnType.String ? ColumnType.Bool : throw new InvalidOperationException($"{Kind} needs a String, {Inner} is {Inner.TypeIn(schema)}.");
    /// <inheritdoc />
    public override Column Evaluate(Table table)
    {
        var c = Inner.Evaluate(table);
        Func<string, bool> f = Kind switch
        {
            StringOpKind.Contains => s => s.Contains(Argument, StringComparison.Ordinal),
            StringOpKind.StartsWith => s => s.StartsWith(Argument, StringComparison.Ordinal),
            _ => s => s.EndsWith(Argument, StringComparison.Ordinal),
        };
        var r = new bool[c.Length];
        var v = c.Strings;
        if (c.Dictionary is { } dict && c.Codes is { } codes)
        {
            // evaluate once per distinct string, then map through the codes
            var d = dict.Select(f).ToArray();
            for (int i = 0; i < r.Length; i++) r[i] = codes[i] >= 0 && d[codes[i]];
        }
        else for (int i = 0; i < r.Length; i++) r[i] = v[i] is { } s && f(s);
        return new Column(ColumnType.Bool, r, c.Length, c.Validity is null ? null : (bool[])c.Validity.Clone());
    }
    /// <inheritdoc />
    public override void CollectColumns(ISet<string> into) => Inner.CollectColumns(into);
    /// <inheritdoc />
    public override string ToString() => $"{Kind}({Inner}, {Quote(Argument)})";
}
