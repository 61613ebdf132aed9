namespace TaskGraph.Frames;

/// <summary>The value type of a frame column. Storage: Int32 int[], Int64 long[], Double double[], Bool bool[],
/// String string?[] (optionally dictionary codes), Date int[] (<see cref="DateOnly.DayNumber"/>), DateTime long[] (ticks).</summary>
public enum ColumnType
{
    /// <summary>32-bit integer.</summary>
    Int32,
    /// <summary>64-bit integer.</summary>
    Int64,
    /// <summary>64-bit floating point.</summary>
    Double,
    /// <summary>Boolean.</summary>
    Bool,
    /// <summary>UTF-16 string.</summary>
    String,
    /// <summary>A calendar date (<see cref="DateOnly"/>).</summary>
    Date,
    /// <summary>A date and time (<see cref="System.DateTime"/>).</summary>
    DateTime,
}

/// <summary>Helpers on <see cref="ColumnType"/>.</summary>
public static class ColumnTypes
{
    /// <summary>True for Int32, Int64 and Double.</summary>
    public static bool IsNumeric(this ColumnType t) => t is ColumnType.Int32 or ColumnType.Int64 or ColumnType.Double;

    /// <summary>The CLR type users see for values of this column type.</summary>
    public static Type ClrType(this ColumnType t) => t switch
    {
        ColumnType.Int32 => typeof(int),
        ColumnType.Int64 => typeof(long),
        ColumnType.Double => typeof(double),
        ColumnType.Bool => typeof(bool),
        ColumnType.String => typeof(string),
        ColumnType.Date => typeof(DateOnly),
        _ => typeof(DateTime),
    };

    /// <summary>The column type of a CLR type (nullable value types map to their underlying type).</summary>
    public static ColumnType Of(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(int)) return ColumnType.Int32;
        if (type == typeof(long)) return ColumnType.Int64;
        if (type == typeof(double)) return ColumnType.Double;
        if (type == typeof(bool)) return ColumnType.Bool;
        if (type == typeof(string)) return ColumnType.String;
        if (type == typeof(DateOnly)) return ColumnType.Date;
        if (type == typeof(DateTime)) return ColumnType.DateTime;
        throw new NotSupportedException($"Type {type.Name} cannot be a frame column (use int, long, double, bool, string, DateOnly or DateTime).");
    }

    /// <summary>The common numeric type of an arithmetic operation.</summary>
    public static ColumnType Promote(ColumnType a, ColumnType b)
        => a == ColumnType.Double || b == ColumnType.Double ? ColumnType.Double
         : a == ColumnType.Int64 || b == ColumnType.Int64 ? ColumnType.Int64 : ColumnType.Int32;
}
