using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TaskGraph.Arrays;

/// <summary>
/// The typed inner loops of block programs. Each entry point switches once on the element type and calls a
/// generic kernel the JIT specializes per type, vectorized with <see cref="TensorPrimitives"/>; nothing here
/// boxes or makes a virtual call per element.
/// </summary>
internal static class Kernels
{
    public static void Binary(BinaryOp op, DType t, Array a, int ao, bool aScalar, Array b, int bo, bool bScalar, Array d, int len)
    {
        switch (t)
        {
            case DType.Float64: FloatArith(op, Sp<double>(a, ao, aScalar, len), aScalar, Sp<double>(b, bo, bScalar, len), bScalar, ((double[])d).AsSpan(0, len)); break;
            case DType.Float32: FloatArith(op, Sp<float>(a, ao, aScalar, len), aScalar, Sp<float>(b, bo, bScalar, len), bScalar, ((float[])d).AsSpan(0, len)); break;
            case DType.Int64: Arith(op, Sp<long>(a, ao, aScalar, len), aScalar, Sp<long>(b, bo, bScalar, len), bScalar, ((long[])d).AsSpan(0, len)); break;
            case DType.Int32: Arith(op, Sp<int>(a, ao, aScalar, len), aScalar, Sp<int>(b, bo, bScalar, len), bScalar, ((int[])d).AsSpan(0, len)); break;
            default: Logical(op, Sp<bool>(a, ao, aScalar, len), aScalar, Sp<bool>(b, bo, bScalar, len), bScalar, ((bool[])d).AsSpan(0, len)); break;
        }
    }

    public static void Compare(BinaryOp op, DType t, Array a, int ao, bool aScalar, Array b, int bo, bool bScalar, bool[] d, int len)
    {
        var dst = d.AsSpan(0, len);
        switch (t)
        {
            case DType.Float64: Cmp(op, Sp<double>(a, ao, aScalar, len), aScalar, Sp<double>(b, bo, bScalar, len), bScalar, dst); break;
            case DType.Float32: Cmp(op, Sp<float>(a, ao, aScalar, len), aScalar, Sp<float>(b, bo, bScalar, len), bScalar, dst); break;
            case DType.Int64: Cmp(op, Sp<long>(a, ao, aScalar, len), aScalar, Sp<long>(b, bo, bScalar, len), bScalar, dst); break;
            case DType.Int32: Cmp(op, Sp<int>(a, ao, aScalar, len), aScalar, Sp<int>(b, bo, bScalar, len), bScalar, dst); break;
            default:
                var x = Sp<bool>(a, ao, aScalar, len); var y = Sp<bool>(b, bo, bScalar, len);
                for (int i = 0; i < len; i++)
                {
                    bool p = x[aScalar ? 0 : i], q = y[bScalar ? 0 : i];
                    dst[i] = op switch { BinaryOp.Equal => p == q, BinaryOp.NotEqual => p != q, BinaryOp.Less => !p & q, BinaryOp.LessOrEqual => !p | q, BinaryOp.Greater => p & !q, _ => p | !q };
                }
                break;
        }
    }

    public static void Unary(UnaryOp op, DType t, Array a, int ao, Array d, int len)
    {
        switch (t)
        {
            case DType.Float64: FloatUnary(op, new ReadOnlySpan<double>((double[])a, ao, len), ((double[])d).AsSpan(0, len)); break;
            case DType.Float32: FloatUnary(op, new ReadOnlySpan<float>((float[])a, ao, len), ((float[])d).AsSpan(0, len)); break;
            case DType.Int64: IntUnary(op, new ReadOnlySpan<long>((long[])a, ao, len), ((long[])d).AsSpan(0, len)); break;
            case DType.Int32: IntUnary(op, new ReadOnlySpan<int>((int[])a, ao, len), ((int[])d).AsSpan(0, len)); break;
            default:
                var x = new ReadOnlySpan<bool>((bool[])a, ao, len); var y = ((bool[])d).AsSpan(0, len);
                for (int i = 0; i < len; i++) y[i] = !x[i];
                break;
        }
    }

    public static void Where(bool[] c, int co, DType t, Array a, int ao, bool aScalar, Array b, int bo, bool bScalar, Array d, int len)
    {
        var cond = new ReadOnlySpan<bool>(c, co, len);
        switch (t)
        {
            case DType.Float64: Sel(cond, Sp<double>(a, ao, aScalar, len), aScalar, Sp<double>(b, bo, bScalar, len), bScalar, ((double[])d).AsSpan(0, len)); break;
            case DType.Float32: Sel(cond, Sp<float>(a, ao, aScalar, len), aScalar, Sp<float>(b, bo, bScalar, len), bScalar, ((float[])d).AsSpan(0, len)); break;
            case DType.Int64: Sel(cond, Sp<long>(a, ao, aScalar, len), aScalar, Sp<long>(b, bo, bScalar, len), bScalar, ((long[])d).AsSpan(0, len)); break;
            case DType.Int32: Sel(cond, Sp<int>(a, ao, aScalar, len), aScalar, Sp<int>(b, bo, bScalar, len), bScalar, ((int[])d).AsSpan(0, len)); break;
            default: Sel(cond, Sp<bool>(a, ao, aScalar, len), aScalar, Sp<bool>(b, bo, bScalar, len), bScalar, ((bool[])d).AsSpan(0, len)); break;
        }
    }

    /// <summary>Converts <paramref name="len"/> elements of type <paramref name="from"/> to type <paramref name="to"/> (floats truncate toward zero into integers, as NumPy's astype).</summary>
    public static void Convert(DType from, Array a, int ao, DType to, Array d, int len, int dOffset = 0)
    {
        if (from == to) { Array.Copy(a, ao, d, dOffset, len); return; }
        switch (from)
        {
            case DType.Float64: ConvertFrom(new ReadOnlySpan<double>((double[])a, ao, len), to, d, dOffset); break;
            case DType.Float32: ConvertFrom(new ReadOnlySpan<float>((float[])a, ao, len), to, d, dOffset); break;
            case DType.Int64: ConvertFrom(new ReadOnlySpan<long>((long[])a, ao, len), to, d, dOffset); break;
            case DType.Int32: ConvertFrom(new ReadOnlySpan<int>((int[])a, ao, len), to, d, dOffset); break;
            default:
                var b = new ReadOnlySpan<bool>((bool[])a, ao, len);
                switch (to)
                {
                    case DType.Float64: { var x = (double[])d; for (int i = 0; i < len; i++) x[dOffset + i] = b[i] ? 1 : 0; break; }
                    case DType.Float32: { var x = (float[])d; for (int i = 0; i < len; i++) x[dOffset + i] = b[i] ? 1 : 0; break; }
                    case DType.Int64: { var x = (long[])d; for (int i = 0; i < len; i++) x[dOffset + i] = b[i] ? 1 : 0; break; }
                    default: { var x = (int[])d; for (int i = 0; i < len; i++) x[dOffset + i] = b[i] ? 1 : 0; break; }
                }
                break;
        }
    }

    /// <summary>Fills <paramref name="len"/> elements of a typed buffer from <paramref name="start"/> with a double, converting like <see cref="Convert"/>.</summary>
    public static void Fill(DType t, Array d, int start, int len, double v)
    {
        switch (t)
        {
            case DType.Float64: ((double[])d).AsSpan(start, len).Fill(v); break;
            case DType.Float32: ((float[])d).AsSpan(start, len).Fill((float)v); break;
            case DType.Int64: ((long[])d).AsSpan(start, len).Fill((long)v); break;
            case DType.Int32: ((int[])d).AsSpan(start, len).Fill((int)v); break;
            default: ((bool[])d).AsSpan(start, len).Fill(v != 0); break;
        }
    }

    /// <summary>
    /// <c>dst[i] = a + b·(origin + i·step)</c>, the values of an arange/linspace run. Vectorized with the same
    /// operations in the same order as the scalar formula (no fused multiply-add), so every element is identical
    /// whichever path computed it; a broadcast run (step 0) is one fill.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Ramp(Span<double> dst, double origin, long step, double a, double b)
    {
        if (step == 0) { dst.Fill(a + b * origin); return; }
        int i = 0;
        if (Vector512.IsHardwareAccelerated && dst.Length >= 8)
        {
            var lanes = Vector512.Create(0L, 1, 2, 3, 4, 5, 6, 7) * step;
            var va = Vector512.Create(a);
            var vb = Vector512.Create(b);
            var vo = Vector512.Create(origin);
            ref double d0 = ref MemoryMarshal.GetReference(dst);
            for (; i <= dst.Length - 8; i += 8)
            {
                var x = vo + Vector512.ConvertToDouble(lanes + Vector512.Create(i * step));
                (va + vb * x).StoreUnsafe(ref d0, (nuint)i);
            }
        }
        for (; i < dst.Length; i++) dst[i] = a + b * (origin + i * step);
    }

    /// <summary>Copies <c>src[start + i·step]</c> for i &lt; len into <c>dst[at..]</c>.</summary>
    public static void Gather(DType t, Array src, long start, long step, Array dst, int at, int len)
    {
        if (step == 1) { Array.Copy(src, start, dst, at, len); return; }
        switch (t)
        {
            case DType.Float64: GatherT((double[])src, start, step, (double[])dst, at, len); break;
            case DType.Float32: GatherT((float[])src, start, step, (float[])dst, at, len); break;
            case DType.Int64: GatherT((long[])src, start, step, (long[])dst, at, len); break;
            case DType.Int32: GatherT((int[])src, start, step, (int[])dst, at, len); break;
            default: GatherT((bool[])src, start, step, (bool[])dst, at, len); break;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void GatherT<T>(T[] src, long start, long step, T[] dst, int at, int len)
    {
        if (step == 0) { dst.AsSpan(at, len).Fill(src[start]); return; }
        for (int i = 0; i < len; i++) dst[at + i] = src[start + i * step];
    }

    private static ReadOnlySpan<T> Sp<T>(Array a, int offset, bool scalar, int len) => new((T[])a, offset, scalar ? 1 : len);

    /// <summary>Float arithmetic: modulo and power vectorized here (the scalar fmod and Math.Pow cost tens of nanoseconds each).</summary>
    private static void FloatArith<T>(BinaryOp op, ReadOnlySpan<T> a, bool aS, ReadOnlySpan<T> b, bool bS, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (op == BinaryOp.Modulo && !aS)
        {
            // NumPy's floor-mod: a - floor(a / b)·b takes the divisor's sign; exact for integer-valued operands.
            if (bS) TensorPrimitives.Divide(a, b[0], d); else TensorPrimitives.Divide(a, b, d);
            TensorPrimitives.Floor(d, d);
            if (bS) TensorPrimitives.Multiply(d, b[0], d); else TensorPrimitives.Multiply(d, b, d);
            TensorPrimitives.Subtract(a, d, d);
            return;
        }
        if (op == BinaryOp.Power && !aS)
        {
            if (bS) TensorPrimitives.Pow(a, b[0], d); else TensorPrimitives.Pow(a, b, d);
            return;
        }
        Arith(op, a, aS, b, bS, d);
    }

    private static void Arith<T>(BinaryOp op, ReadOnlySpan<T> a, bool aS, ReadOnlySpan<T> b, bool bS, Span<T> d) where T : unmanaged, INumber<T>
    {
        if (aS && bS) { var v = Scalar(op, a[0], b[0]); d.Fill(v); return; }
        switch (op)
        {
            case BinaryOp.Add: if (aS) TensorPrimitives.Add(b, a[0], d); else if (bS) TensorPrimitives.Add(a, b[0], d); else TensorPrimitives.Add(a, b, d); return;
            case BinaryOp.Subtract: if (aS) TensorPrimitives.Subtract(a[0], b, d); else if (bS) TensorPrimitives.Subtract(a, b[0], d); else TensorPrimitives.Subtract(a, b, d); return;
            case BinaryOp.Multiply: if (aS) TensorPrimitives.Multiply(b, a[0], d); else if (bS) TensorPrimitives.Multiply(a, b[0], d); else TensorPrimitives.Multiply(a, b, d); return;
            case BinaryOp.Divide: if (aS) TensorPrimitives.Divide(a[0], b, d); else if (bS) TensorPrimitives.Divide(a, b[0], d); else TensorPrimitives.Divide(a, b, d); return;
            case BinaryOp.Maximum: if (aS) TensorPrimitives.Max(b, a[0], d); else if (bS) TensorPrimitives.Max(a, b[0], d); else TensorPrimitives.Max(a, b, d); return;
            case BinaryOp.Minimum: if (aS) TensorPrimitives.Min(b, a[0], d); else if (bS) TensorPrimitives.Min(a, b[0], d); else TensorPrimitives.Min(a, b, d); return;
        }
        for (int i = 0; i < d.Length; i++) d[i] = Scalar(op, a[aS ? 0 : i], b[bS ? 0 : i]);
    }

    private static T Scalar<T>(BinaryOp op, T x, T y) where T : unmanaged, INumber<T>
    {
        switch (op)
        {
            case BinaryOp.Add: return x + y;
            case BinaryOp.Subtract: return x - y;
            case BinaryOp.Multiply: return x * y;
            case BinaryOp.Divide: return x / y;
            case BinaryOp.Maximum: return T.Max(x, y);
            case BinaryOp.Minimum: return T.Min(x, y);
            case BinaryOp.Modulo:
                {
                    // NumPy's mod: the result takes the sign of the divisor.
                    if (y == T.Zero) return T.IsInteger(x) ? T.Zero : x / y;
                    var r = x % y;
                    return r != T.Zero && (r < T.Zero) != (y < T.Zero) ? r + y : r;
                }
            case BinaryOp.Power: return T.CreateTruncating(Math.Pow(double.CreateTruncating(x), double.CreateTruncating(y)));
            default: throw new InvalidOperationException($"Operation {op} is not arithmetic.");
        }
    }

    private static void Logical(BinaryOp op, ReadOnlySpan<bool> a, bool aS, ReadOnlySpan<bool> b, bool bS, Span<bool> d)
    {
        for (int i = 0; i < d.Length; i++)
        {
            bool p = a[aS ? 0 : i], q = b[bS ? 0 : i];
            d[i] = op switch { BinaryOp.And => p & q, BinaryOp.Or => p | q, BinaryOp.Xor => p ^ q, _ => throw new InvalidOperationException($"Operation {op} is not defined on bool arrays.") };
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Cmp<T>(BinaryOp op, ReadOnlySpan<T> a, bool aS, ReadOnlySpan<T> b, bool bS, Span<bool> d) where T : unmanaged, INumber<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.Count % 8 == 0 && d.Length >= Vector256<T>.Count)
        {
            // Compare a vector at a time; the lane mask's bits become bytes 0/1 through a 256-entry table, 8 at once.
            int w = Vector256<T>.Count;
            ref byte dst = ref Unsafe.As<bool, byte>(ref MemoryMarshal.GetReference(d));
            var sa = Vector256.Create(a[0]);
            var sb = Vector256.Create(b[0]);
            for (; i <= d.Length - w; i += w)
            {
                var x = aS ? sa : Vector256.Create(a.Slice(i, w));
                var y = bS ? sb : Vector256.Create(b.Slice(i, w));
                var m = op switch
                {
                    BinaryOp.Less => Vector256.LessThan(x, y),
                    BinaryOp.LessOrEqual => Vector256.LessThanOrEqual(x, y),
                    BinaryOp.Greater => Vector256.GreaterThan(x, y),
                    BinaryOp.GreaterOrEqual => Vector256.GreaterThanOrEqual(x, y),
                    BinaryOp.Equal => Vector256.Equals(x, y),
                    _ => ~Vector256.Equals(x, y),
                };
                uint bits = m.ExtractMostSignificantBits();
                for (int g = 0; g < w; g += 8)
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, i + g), BitBytes[(bits >> g) & 0xFF]);
            }
        }
        // The tail, and hardware without 256-bit vectors: one loop per operator, no per-element dispatch.
        switch (op)
        {
            case BinaryOp.Less: for (; i < d.Length; i++) d[i] = a[aS ? 0 : i] < b[bS ? 0 : i]; break;
            case BinaryOp.LessOrEqual: for (; i < d.Length; i++) d[i] = a[aS ? 0 : i] <= b[bS ? 0 : i]; break;
            case BinaryOp.Greater: for (; i < d.Length; i++) d[i] = a[aS ? 0 : i] > b[bS ? 0 : i]; break;
            case BinaryOp.GreaterOrEqual: for (; i < d.Length; i++) d[i] = a[aS ? 0 : i] >= b[bS ? 0 : i]; break;
            case BinaryOp.Equal: for (; i < d.Length; i++) d[i] = a[aS ? 0 : i] == b[bS ? 0 : i]; break;
            default: for (; i < d.Length; i++) d[i] = a[aS ? 0 : i] != b[bS ? 0 : i]; break;
        }
    }

    /// <summary>Entry k: eight bytes, byte j = bit j of k (a comparison mask byte spelled out as bools).</summary>
    private static readonly ulong[] BitBytes = Enumerable.Range(0, 256).Select(k =>
    {
        ulong v = 0;
        for (int j = 0; j < 8; j++) if ((k >> j & 1) != 0) v |= 1UL << (8 * j);
        return v;
    }).ToArray();

    private static void Sel<T>(ReadOnlySpan<bool> c, ReadOnlySpan<T> a, bool aS, ReadOnlySpan<T> b, bool bS, Span<T> d)
    {
        for (int i = 0; i < d.Length; i++) d[i] = c[i] ? a[aS ? 0 : i] : b[bS ? 0 : i];
    }

    private static void FloatUnary<T>(UnaryOp op, ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case UnaryOp.Negate: TensorPrimitives.Negate(x, d); break;
            case UnaryOp.Abs: TensorPrimitives.Abs(x, d); break;
            case UnaryOp.Sqrt: TensorPrimitives.Sqrt(x, d); break;
            case UnaryOp.Exp: TensorPrimitives.Exp(x, d); break;
            case UnaryOp.Log: TensorPrimitives.Log(x, d); break;
            case UnaryOp.Sin: TensorPrimitives.Sin(x, d); break;
            case UnaryOp.Cos: TensorPrimitives.Cos(x, d); break;
            case UnaryOp.Tan: TensorPrimitives.Tan(x, d); break;
            case UnaryOp.Floor: TensorPrimitives.Floor(x, d); break;
            case UnaryOp.Ceil: TensorPrimitives.Ceiling(x, d); break;
            case UnaryOp.Round: TensorPrimitives.Round(x, MidpointRounding.ToEven, d); break;
            default: throw new InvalidOperationException($"{op} is not defined on floating-point arrays.");
        }
    }

    private static void IntUnary<T>(UnaryOp op, ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IBinaryInteger<T>, ISignedNumber<T>
    {
        switch (op)
        {
            case UnaryOp.Negate: TensorPrimitives.Negate(x, d); break;
            case UnaryOp.Abs: for (int i = 0; i < d.Length; i++) d[i] = x[i] < T.Zero ? -x[i] : x[i]; break;
            case UnaryOp.Floor or UnaryOp.Ceil or UnaryOp.Round: x.CopyTo(d); break;
            default: throw new InvalidOperationException($"{op} is not defined on integer arrays (it promotes to float64).");
        }
    }

    private static void ConvertFrom<TFrom>(ReadOnlySpan<TFrom> a, DType to, Array d, int o) where TFrom : unmanaged, INumber<TFrom>
    {
        int len = a.Length;
        switch (to)
        {
            case DType.Float64: TensorPrimitives.ConvertTruncating(a, ((double[])d).AsSpan(o, len)); break;
            case DType.Float32: TensorPrimitives.ConvertTruncating(a, ((float[])d).AsSpan(o, len)); break;
            case DType.Int64: TensorPrimitives.ConvertTruncating(a, ((long[])d).AsSpan(o, len)); break;
            case DType.Int32: TensorPrimitives.ConvertTruncating(a, ((int[])d).AsSpan(o, len)); break;
            default: { var x = (bool[])d; for (int i = 0; i < len; i++) x[o + i] = a[i] != TFrom.Zero; break; }
        }
    }
}
