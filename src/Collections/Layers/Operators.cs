namespace TaskGraph.Collections;

/// <summary>
/// The binary operators of frames' expressions and arrays' elementwise programs: one vocabulary for both (frames
/// implement the first group, through <see cref="BinaryOp.FillNull"/>; the rest are elementwise array operators).
/// </summary>
internal enum BinaryOp
{
    /// <summary>a + b (strings concatenate).</summary>
    Add,
    /// <summary>a - b.</summary>
    Subtract,
    /// <summary>a * b.</summary>
    Multiply,
    /// <summary>a / b (always Double, like pandas' true division).</summary>
    Divide,
    /// <summary>a % b.</summary>
    Modulo,
    /// <summary>a == b.</summary>
    Equal,
    /// <summary>a != b.</summary>
    NotEqual,
    /// <summary>a &lt; b.</summary>
    Less,
    /// <summary>a &lt;= b.</summary>
    LessOrEqual,
    /// <summary>a &gt; b.</summary>
    Greater,
    /// <summary>a &gt;= b.</summary>
    GreaterOrEqual,
    /// <summary>a and b.</summary>
    And,
    /// <summary>a or b.</summary>
    Or,
    /// <summary>a where present, else b.</summary>
    FillNull,
    /// <summary>a to the power b (arrays).</summary>
    Power,
    /// <summary>The larger of a and b, elementwise (arrays).</summary>
    Maximum,
    /// <summary>The smaller of a and b, elementwise (arrays).</summary>
    Minimum,
    /// <summary>a xor b (arrays of bool).</summary>
    Xor,
}

/// <summary>
/// The unary operators of frames' expressions and arrays' elementwise programs: one vocabulary for both (frames
/// implement the first group, through <see cref="UnaryOp.Hour"/>; the rest are elementwise array functions).
/// </summary>
internal enum UnaryOp
{
    /// <summary>-a.</summary>
    Negate,
    /// <summary>not a.</summary>
    Not,
    /// <summary>a is missing.</summary>
    IsNull,
    /// <summary>a is present.</summary>
    IsNotNull,
    /// <summary>String length.</summary>
    Length,
    /// <summary>Lower-case.</summary>
    Lower,
    /// <summary>Upper-case.</summary>
    Upper,
    /// <summary>Year.</summary>
    Year,
    /// <summary>Month.</summary>
    Month,
    /// <summary>Day of month.</summary>
    Day,
    /// <summary>Day of week, 0 = Sunday.</summary>
    DayOfWeek,
    /// <summary>Hour.</summary>
    Hour,
    /// <summary>|a| (arrays).</summary>
    Abs,
    /// <summary>Square root (arrays of floats).</summary>
    Sqrt,
    /// <summary>e to the power a (arrays of floats).</summary>
    Exp,
    /// <summary>Natural logarithm (arrays of floats).</summary>
    Log,
    /// <summary>Sine (arrays of floats).</summary>
    Sin,
    /// <summary>Cosine (arrays of floats).</summary>
    Cos,
    /// <summary>Tangent (arrays of floats).</summary>
    Tan,
    /// <summary>Largest integer not above a (arrays; integers unchanged).</summary>
    Floor,
    /// <summary>Smallest integer not below a (arrays; integers unchanged).</summary>
    Ceil,
    /// <summary>Nearest integer, halves to even like NumPy's <c>rint</c>/<c>round</c> (arrays; integers unchanged).</summary>
    Round,
}

/// <summary>Questions about the shared operators, asked in one place.</summary>
internal static class Operators
{
    /// <summary>True for ==, !=, &lt;, &lt;=, &gt;, &gt;=.</summary>
    public static bool IsComparison(BinaryOp op) => op is >= BinaryOp.Equal and <= BinaryOp.GreaterOrEqual;

    /// <summary>True for and, or, xor.</summary>
    public static bool IsLogical(BinaryOp op) => op is BinaryOp.And or BinaryOp.Or or BinaryOp.Xor;

    /// <summary>True for the operators frame expressions implement.</summary>
    public static bool InFrames(BinaryOp op) => op <= BinaryOp.FillNull;

    /// <summary>True for the unary operators frame expressions implement.</summary>
    public static bool InFrames(UnaryOp op) => op <= UnaryOp.Hour;

    /// <summary>The operator's symbol in messages (<c>+</c>, <c>&lt;=</c>), or its lower-case name.</summary>
    public static string Symbol(BinaryOp op) => op switch
    {
        BinaryOp.Add => "+", BinaryOp.Subtract => "-", BinaryOp.Multiply => "*", BinaryOp.Divide => "/", BinaryOp.Modulo => "%",
        BinaryOp.Less => "<", BinaryOp.LessOrEqual => "<=", BinaryOp.Greater => ">", BinaryOp.GreaterOrEqual => ">=",
        BinaryOp.Equal => "==", BinaryOp.NotEqual => "!=", BinaryOp.And => "&", BinaryOp.Or => "|", BinaryOp.Xor => "^",
        _ => op.ToString().ToLowerInvariant(),
    };
}
