using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace TaskGraph.Arrays;

/// <summary>
/// A counter-based random generator: value number <c>c</c> of a stream is SplitMix64's output function applied to
/// <c>key + (c + 1)·γ</c>, so any element can be produced without producing the ones before it. A block's key
/// is derived from the seed and the block's index, so the numbers do not depend on which worker runs the block,
/// in which order, or whether it is recomputed; and a transposed or sliced view can generate exactly the
/// elements it reads. The loop is vectorized with <see cref="Vector512"/> where the hardware has it.
/// </summary>
internal static class CounterRandom
{
    // SplitMix64's constants, from the collections' one mixer (the vector loops below inline it).
    private const ulong Gamma = StableHash.Gamma;
    private const ulong M1 = StableHash.M1;
    private const ulong M2 = StableHash.M2;
    private const double Unit = 1.0 / (1UL << 53);

    /// <summary>The stream key of block <paramref name="block"/> under <paramref name="seed"/>.</summary>
    public static ulong Key(ulong seed, long block) => Mix(Mix(seed + Gamma) ^ Mix((ulong)block * 0xD1B54A32D192ED03UL + 0x632BE59BD9B4E019UL));

    private static ulong Mix(ulong z) => StableHash.Mix(z);

    /// <summary>Writes uniform [0, 1) numbers for counters <c>start, start + step, …</c>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Uniform(ulong key, long start, long step, Span<double> dst)
    {
        int i = 0;
        ulong z0 = key + ((ulong)start + 1) * Gamma;
        ulong dz = (ulong)step * Gamma;
        if (Vector512.IsHardwareAccelerated && dst.Length >= 8)
        {
            var z = Vector512.Create(z0) + Vector512.Create(0UL, 1, 2, 3, 4, 5, 6, 7) * Vector512.Create(dz);
            var inc = Vector512.Create(dz * 8);
            var m1 = Vector512.Create(M1);
            var m2 = Vector512.Create(M2);
            var unit = Vector512.Create(Unit);
            for (; i <= dst.Length - 8; i += 8)
            {
                var x = z;
                x = (x ^ Vector512.ShiftRightLogical(x, 30)) * m1;
                x = (x ^ Vector512.ShiftRightLogical(x, 27)) * m2;
                x ^= Vector512.ShiftRightLogical(x, 31);
                var d = Vector512.ConvertToDouble(Vector512.ShiftRightLogical(x, 11)) * unit;
                d.StoreUnsafe(ref dst[i]);
                z += inc;
            }
        }
        else if (Vector256.IsHardwareAccelerated && dst.Length >= 4)
        {
            var z = Vector256.Create(z0) + Vector256.Create(0UL, 1, 2, 3) * Vector256.Create(dz);
            var inc = Vector256.Create(dz * 4);
            var m1 = Vector256.Create(M1);
            var m2 = Vector256.Create(M2);
            for (; i <= dst.Length - 4; i += 4)
            {
                var x = z;
                x = (x ^ Vector256.ShiftRightLogical(x, 30)) * m1;
                x = (x ^ Vector256.ShiftRightLogical(x, 27)) * m2;
                x ^= Vector256.ShiftRightLogical(x, 31);
                var d = Vector256.ConvertToDouble(Vector256.ShiftRightLogical(x, 11)) * Unit;
                d.StoreUnsafe(ref dst[i]);
                z += inc;
            }
        }
        for (; i < dst.Length; i++)
            dst[i] = (Mix(z0 + (ulong)i * dz) >> 11) * Unit;
    }

    /// <summary>Writes standard normal numbers (Box–Muller on counters 2c and 2c + 1) for counters <c>start, start + step, …</c>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Normal(ulong key, long start, long step, Span<double> dst, Span<double> scratch)
    {
        var u1 = dst;
        var u2 = scratch[..dst.Length];
        Uniform(key, 2 * start, 2 * step, u1);
        Uniform(key, 2 * start + 1, 2 * step, u2);
        // 1 - u lies in (0, 1], so the logarithm is finite.
        TensorPrimitives.Subtract(1.0, u1, u1);
        TensorPrimitives.Log(u1, u1);
        TensorPrimitives.Multiply(u1, -2.0, u1);
        TensorPrimitives.Sqrt(u1, u1);
        TensorPrimitives.Multiply(u2, 2 * Math.PI, u2);
        TensorPrimitives.Cos(u2, u2);
        TensorPrimitives.Multiply(u1, u2, dst);
    }
}
