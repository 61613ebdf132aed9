using System.Reflection;
using System.Text;

namespace TaskGraph.Frames;

/// <summary>
/// An in-memory columnar table: a <see cref="Schema"/> and one <see cref="Column"/> per field, all of
/// <see cref="RowCount"/> rows. Immutable by convention: operations return new tables and share columns they do
/// not change. A frame partition is a table.
/// </summary>
[TypeFormatterSource(typeof(TableFormatterSource), PreferredMimeTypes = [HtmlFormatterSource.Html])]
[TokenizeByFields] // by content: equal tables give equal keys (data beyond the length or under a missing value may split them, never join)
public sealed class Table
{
    private readonly Column[] _columns;

    /// <summary>Creates a table; every column must have <paramref name="schema"/>'s type and the same length.</summary>
    public Table(Schema schema, Column[] columns, int? rowCount = null)
    {
        if (schema.Count != columns.Length) throw new ArgumentException($"Schema has {schema.Count} columns, {columns.Length} given.");
        int n = rowCount ?? (columns.Length > 0 ? columns[0].Length : 0);
        for (int i = 0; i < columns.Length; i++)
        {
            if (columns[i].Type != schema[i].Type) throw new ArgumentException($"Column '{schema[i].Name}' is {columns[i].Type}, the schema says {schema[i].Type}.");
            if (columns[i].Length != n) throw new ArgumentException($"Column '{schema[i].Name}' has {columns[i].Length} rows, expected {n}.");
        }
        Schema = schema;
        _columns = columns;
        RowCount = n;
    }

    /// <summary>A table from named columns: <c>Table.Create(("id", Column.Of(ids)), ("name", Column.Of(names)))</c>.</summary>
    public static Table Create(params (string Name, Column Column)[] columns)
        => new(new Schema(columns.Select(c => new Field(c.Name, c.Column.Type))), columns.Select(c => c.Column).ToArray());

    /// <summary>An empty table of <paramref name="schema"/>.</summary>
    public static Table Empty(Schema schema)
        => new(schema, schema.Fields.Select(f => new Column(f.Type, Column.NewStorage(f.Type, 0), 0)).ToArray(), 0);

    /// <summary>The schema.</summary>
    public Schema Schema { get; }

    /// <summary>Number of rows.</summary>
    public int RowCount { get; }

    /// <summary>Number of columns.</summary>
    public int ColumnCount => _columns.Length;

    /// <summary>The columns in schema order.</summary>
    public IReadOnlyList<Column> Columns => _columns;

    /// <summary>The column at position <paramref name="i"/>.</summary>
    public Column this[int i] => _columns[i];

    /// <summary>The column named <paramref name="name"/> (throws listing available columns when unknown).</summary>
    public Column this[string name] => _columns[Schema.IndexOf(name)];

    /// <summary>The value at (<paramref name="row"/>, <paramref name="column"/>), null when missing.</summary>
    public object? this[int row, string column] => this[column].GetValue(row);

    /// <summary>Only the named columns, in that order.</summary>
    public Table Select(IReadOnlyList<string> names)
        => new(new Schema(names.Select(n => Schema[n])), names.Select(n => this[n]).ToArray(), RowCount);

    /// <summary>Gathers rows by index (-1 gives a row of missing values).</summary>
    public Table Take(int[] index, int count) => new(Schema, _columns.Select(c => c.Take(index, count)).ToArray(), count);

    /// <summary>Rows <paramref name="start"/> .. start+length-1.</summary>
    public Table Slice(int start, int length)
    {
        length = Math.Max(0, Math.Min(length, RowCount - start));
        if (start == 0 && length == RowCount) return this;
        return new(Schema, _columns.Select(c => c.Slice(start, length)).ToArray(), length);
    }

    /// <summary>The first <paramref name="n"/> rows.</summary>
    public Table Head(int n) => Slice(0, Math.Min(n, RowCount));

    /// <summary>Concatenates tables with equal schemas (an empty list needs <paramref name="schema"/>).</summary>
    public static Table Concat(IReadOnlyList<Table> tables, Schema? schema = null)
    {
        var parts = tables.Where(t => t.RowCount > 0).ToList();
        schema ??= tables.Count > 0 ? tables[0].Schema : throw new ArgumentException("Concatenating no tables needs a schema.");
        foreach (var t in tables)
            if (!t.Schema.Equals(schema)) throw new ArgumentException($"Cannot concatenate tables with schemas {schema} and {t.Schema}.");
        if (parts.Count == 0) return tables.Count > 0 ? tables[0] : Empty(schema);
        if (parts.Count == 1) return parts[0];
        var cols = new Column[schema.Count];
        for (int c = 0; c < cols.Length; c++) cols[c] = Column.Concat(parts.Select(p => p[c]).ToList());
        return new Table(schema, cols, parts.Sum(p => p.RowCount));
    }

    /// <summary>The table with column <paramref name="name"/> added or replaced.</summary>
    public Table With(string name, Column column)
    {
        var fields = Schema.Fields.ToList();
        var cols = _columns.ToList();
        int i = Schema.Contains(name) ? Schema.IndexOf(name) : -1;
        if (i >= 0) { fields[i] = new Field(name, column.Type); cols[i] = column; }
        else { fields.Add(new Field(name, column.Type)); cols.Add(column); }
        return new Table(new Schema(fields), cols.ToArray(), RowCount);
    }

    /// <summary>Row <paramref name="row"/> as boxed values in column order.</summary>
    public object?[] Row(int row) => _columns.Select(c => c.GetValue(row)).ToArray();

    /// <summary>All rows as boxed values (for tests and small tables).</summary>
    public IEnumerable<object?[]> Rows() { for (int r = 0; r < RowCount; r++) yield return Row(r); }

    /// <summary>A table from records: one column per public property or field of <typeparamref name="T"/>.</summary>
    public static Table FromRecords<T>(IEnumerable<T> records)
    {
        var members = RecordMembers.Of(typeof(T));
        var list = records as IReadOnlyList<T> ?? records.ToList();
        var cols = new Column[members.Length];
        for (int m = 0; m < members.Length; m++)
        {
            var values = new object?[list.Count];
            for (int i = 0; i < values.Length; i++) values[i] = members[m].Get(list[i]!);
            cols[m] = Column.FromValues(members[m].Type, values);
        }
        return new Table(new Schema(members.Select(m => new Field(m.Name, m.Type))), cols, list.Count);
    }

    /// <summary>The rows as records of <typeparamref name="T"/>, matching columns to members by name (case-insensitive).</summary>
    public List<T> ToRecords<T>()
    {
        var type = typeof(T);
        var ctor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();
        var result = new List<T>(RowCount);
        var ps = ctor?.GetParameters() ?? [];
        bool useCtor = ps.Length > 0 && ps.All(p => Schema.Fields.Any(f => string.Equals(f.Name, p.Name, StringComparison.OrdinalIgnoreCase)));
        var members = RecordMembers.Of(type).Where(m => m.CanSet && Schema.Fields.Any(f => string.Equals(f.Name, m.Name, StringComparison.OrdinalIgnoreCase))).ToArray();
        Column ColumnFor(string name) => _columns[Schema.Fields.Select((f, i) => (f, i)).First(x => string.Equals(x.f.Name, name, StringComparison.OrdinalIgnoreCase)).i];
        var ctorCols = ps.Select(p => useCtor ? ColumnFor(p.Name!) : null).ToArray();
        var memberCols = members.Select(m => ColumnFor(m.Name)).ToArray();
        for (int r = 0; r < RowCount; r++)
        {
            object obj = useCtor
                ? ctor!.Invoke(ps.Select((p, i) => RecordMembers.Convert(ctorCols[i]!.GetValue(r), p.ParameterType)).ToArray())
                : Activator.CreateInstance(type)!;
            if (!useCtor)
                for (int m = 0; m < members.Length; m++) members[m].Set(obj, RecordMembers.Convert(memberCols[m].GetValue(r), members[m].ClrType));
            result.Add((T)obj);
        }
        return result;
    }

    /// <summary>True when both tables have equal schemas and equal rows in the same order (doubles within <paramref name="tolerance"/>).</summary>
    public bool ContentEquals(Table other, double tolerance = 0)
    {
        if (!Schema.Equals(other.Schema) || RowCount != other.RowCount) return false;
        for (int r = 0; r < RowCount; r++)
            if (!RowsEqual(Row(r), other.Row(r), tolerance)) return false;
        return true;
    }

    /// <summary>True when both tables hold the same multiset of rows, in any order (doubles within <paramref name="tolerance"/>).</summary>
    public bool ContentEqualsUnordered(Table other, double tolerance = 0)
    {
        if (!Schema.Equals(other.Schema) || RowCount != other.RowCount) return false;
        var a = Rows().Select(RowText).OrderBy(s => s, StringComparer.Ordinal).ToList();
        var b = other.Rows().Select(RowText).OrderBy(s => s, StringComparer.Ordinal).ToList();
        if (tolerance == 0) return a.SequenceEqual(b);
        var ra = Rows().OrderBy(RowText, StringComparer.Ordinal).ToList();
        var rb = other.Rows().OrderBy(RowText, StringComparer.Ordinal).ToList();
        for (int i = 0; i < ra.Count; i++) if (!RowsEqual(ra[i], rb[i], tolerance)) return false;
        return true;
    }

    /// <summary>A canonical text of a row (for unordered comparisons and messages).</summary>
    public static string RowText(object?[] row) => string.Join("|", row.Select(v => v switch
    {
        null => "∅",
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture),
    }));

    private static bool RowsEqual(object?[] a, object?[] b, double tol)
    {
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] is double x && b[i] is double y)
            {
                if (double.IsNaN(x) && double.IsNaN(y)) continue;
                if (!(Math.Abs(x - y) <= tol * Math.Max(1, Math.Max(Math.Abs(x), Math.Abs(y))))) return false;
            }
            else if (!Equals(a[i], b[i])) return false;
        }
        return true;
    }

    /// <summary>An aligned preview of the first <paramref name="maxRows"/> rows.</summary>
    public string ToString(int maxRows)
    {
        int n = Math.Min(maxRows, RowCount);
        var cells = new string[n + 1][];
        cells[0] = Schema.Names;
        for (int r = 0; r < n; r++) cells[r + 1] = _columns.Select(c => c.IsValid(r) ? c.Format(r) : "null").ToArray();
        var width = new int[ColumnCount];
        foreach (var row in cells) for (int c = 0; c < row.Length; c++) width[c] = Math.Max(width[c], Math.Min(row[c].Length, 40));
        var sb = new StringBuilder();
        for (int r = 0; r <= n; r++)
        {
            for (int c = 0; c < ColumnCount; c++)
            {
                var s = cells[r][c];
                if (s.Length > 40) s = s[..39] + "…";
                bool right = r > 0 && Schema[c].Type.IsNumeric();
                if (c > 0) sb.Append("  ");
                sb.Append(right ? s.PadLeft(width[c]) : s.PadRight(width[c]));
            }
            sb.Append('\n');
            if (r == 0) { sb.Append(string.Join("  ", width.Select(w => new string('-', w)))).Append('\n'); }
        }
        if (RowCount > n) sb.Append($"… {RowCount - n} more rows\n");
        sb.Append($"[{RowCount} rows x {ColumnCount} columns]");
        return sb.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => ToString(10);
}

/// <summary>Reflection over the public properties and fields records are made of.</summary>
internal sealed record RecordMembers(string Name, ColumnType Type, Type ClrType, Func<object, object?> Get, Action<object, object?> Set, bool CanSet)
{
    public static RecordMembers[] Of(Type type)
    {
        var list = new List<RecordMembers>();
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            if (p.GetIndexParameters().Length == 0 && p.CanRead)
                list.Add(new(p.Name, ColumnTypes.Of(p.PropertyType), p.PropertyType, p.GetValue, (o, v) => p.SetValue(o, v), p.CanWrite));
        foreach (var f in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
            list.Add(new(f.Name, ColumnTypes.Of(f.FieldType), f.FieldType, f.GetValue, f.SetValue, !f.IsInitOnly));
        return list.ToArray();
    }

    public static object? Convert(object? value, Type target)
    {
        if (value is null) return null;
        var t = Nullable.GetUnderlyingType(target) ?? target;
        return t.IsInstanceOfType(value) ? value : System.Convert.ChangeType(value, t, System.Globalization.CultureInfo.InvariantCulture);
    }
}
