namespace TaskGraph.Arrays;

/// <summary>Binary elementwise operations of the fused block programs.</summary>
internal enum BinOp : byte
{
    Add, Sub, Mul, Div, Mod, Pow, Maximum, Minimum,
    Lt, Le, Gt, Ge, Eq, Ne,
    And, Or, Xor,
}

/// <summary>Unary elementwise operations of the fused block programs.</summary>
internal enum UnOp : byte
{
    Neg, Abs, Sqrt, Exp, Log, Sin, Cos, Not,
}

/// <summary>How a leaf of a block program produces its values.</summary>
internal enum LeafKind : byte
{
    /// <summary>Reads a block computed by another task.</summary>
    Source,
    /// <summary>A constant (<c>Zeros</c>, <c>Ones</c>, <c>Full</c>).</summary>
    Full,
    /// <summary><c>A + B * i</c> over the global index of a 1-d array (<c>Arange</c>, <c>Linspace</c>).</summary>
    Ramp,
    /// <summary>Seeded uniform numbers in [0, 1), a pure function of seed, block and position.</summary>
    Uniform,
    /// <summary>Seeded standard normal numbers, a pure function of seed, block and position.</summary>
    Normal,
}

internal static class BinOps
{
    public static bool IsComparison(BinOp op) => op is >= BinOp.Lt and <= BinOp.Ne;
    public static bool IsLogical(BinOp op) => op is >= BinOp.And;

    public static string Symbol(BinOp op) => op switch
    {
        BinOp.Add => "+", BinOp.Sub => "-", BinOp.Mul => "*", BinOp.Div => "/", BinOp.Mod => "%",
        BinOp.Lt => "<", BinOp.Le => "<=", BinOp.Gt => ">", BinOp.Ge => ">=", BinOp.Eq => "==", BinOp.Ne => "!=",
        BinOp.And => "&", BinOp.Or => "|", BinOp.Xor => "^",
        _ => op.ToString().ToLowerInvariant(),
    };
}
