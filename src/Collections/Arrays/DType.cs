namespace TaskGraph.Arrays;

/// <summary>The element types an <see cref="NdArray{T}"/> can hold (NumPy's dtypes of the same names).</summary>
public enum DType
{
    /// <summary><see cref="bool"/>, one byte per element.</summary>
    Bool,
    /// <summary><see cref="int"/>.</summary>
    Int32,
    /// <summary><see cref="long"/>.</summary>
    Int64,
    /// <summary><see cref="float"/>.</summary>
    Float32,
    /// <summary><see cref="double"/>.</summary>
    Float64,
}

/// <summary>Mapping between CLR element types and <see cref="DType"/>, and NumPy's promotion rules.</summary>
public static class DTypes
{
    /// <summary>The dtype of <typeparamref name="T"/>; throws for element types arrays do not support.</summary>
    public static DType Of<T>() where T : unmanaged => Cache<T>.Value;

    /// <summary>The CLR type of <paramref name="t"/>.</summary>
    public static Type ClrType(DType t) => t switch
    {
        DType.Bool => typeof(bool),
        DType.Int32 => typeof(int),
        DType.Int64 => typeof(long),
        DType.Float32 => typeof(float),
        _ => typeof(double),
    };

    /// <summary>NumPy's name of the dtype (<c>float64</c>, <c>int32</c>, <c>bool</c>…).</summary>
    public static string Name(DType t) => t switch
    {
        DType.Bool => "bool",
        DType.Int32 => "int32",
        DType.Int64 => "int64",
        DType.Float32 => "float32",
        _ => "float64",
    };

    /// <summary>True for float32 and float64.</summary>
    public static bool IsFloat(DType t) => t is DType.Float32 or DType.Float64;

    /// <summary>The common type of a binary arithmetic operation (bool &lt; int32 &lt; int64 &lt; float32 &lt; float64, with int64 + float32 giving float64 as in NumPy).</summary>
    public static DType Promote(DType a, DType b)
    {
        if (a == b) return a == DType.Bool ? DType.Int64 : a;
        if ((a == DType.Float32 && b is DType.Int64) || (b == DType.Float32 && a is DType.Int64)) return DType.Float64;
        return (DType)Math.Max((int)a, (int)b);
    }

    /// <summary>A fresh typed buffer of <paramref name="length"/> elements.</summary>
    internal static Array NewArray(DType t, int length) => t switch
    {
        DType.Bool => new bool[length],
        DType.Int32 => new int[length],
        DType.Int64 => new long[length],
        DType.Float32 => new float[length],
        _ => new double[length],
    };

    private static class Cache<T> where T : unmanaged
    {
        public static readonly DType Value =
            typeof(T) == typeof(double) ? DType.Float64 :
            typeof(T) == typeof(float) ? DType.Float32 :
            typeof(T) == typeof(int) ? DType.Int32 :
            typeof(T) == typeof(long) ? DType.Int64 :
            typeof(T) == typeof(bool) ? DType.Bool :
            throw new NotSupportedException($"NdArray does not support element type {typeof(T).Name}; use double, float, int, long or bool.");
    }
}
