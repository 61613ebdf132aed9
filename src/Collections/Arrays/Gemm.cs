using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TaskGraph.Arrays;

/// <summary>
/// Double-precision matrix multiply-accumulate <c>C += A·B</c> on row-major blocks, the kernel under
/// <see cref="NdArray{E}.MatMul"/>. Uses the system's OpenBLAS (<c>libopenblas.so.0</c>, pinned to one thread:
/// the scheduler already runs one block product per core) when it can be loaded, else <see cref="ManagedGemm"/>.
/// The environment variable <c>TASKGRAPH_GEMM=managed</c> forces the managed kernel.
/// </summary>
public static unsafe class Gemm
{
    private static readonly delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void> Dgemm = LoadOpenBlas();

    /// <summary>True when products run on OpenBLAS rather than the managed kernel.</summary>
    public static bool UsesOpenBlas => Dgemm != null;

    /// <summary>The kernel in use, for reports: <c>openblas</c> or <c>managed-avx512</c> / <c>managed-avx2</c> / <c>managed-scalar</c>.</summary>
    public static string Kernel => UsesOpenBlas ? "openblas" : ManagedGemm.Kind;

    /// <summary><c>C[m×n] = A[m×k]·B[k×n]</c>, all row-major and dense; <paramref name="c"/>'s old contents are ignored (it may be uninitialized).</summary>
    public static void Multiply(int m, int n, int k, double[] a, double[] b, double[] c)
    {
        if (Dgemm == null || m == 0 || n == 0 || k == 0) c.AsSpan(0, m * n).Clear();
        MultiplyAdd(m, n, k, a, b, c, Dgemm != null ? 0.0 : 1.0);
    }

    /// <summary><c>C[m×n] += A[m×k]·B[k×n]</c>, all row-major and dense.</summary>
    public static void MultiplyAdd(int m, int n, int k, double[] a, double[] b, double[] c) => MultiplyAdd(m, n, k, a, b, c, 1.0);

    private static void MultiplyAdd(int m, int n, int k, double[] a, double[] b, double[] c, double beta)
    {
        if (a.Length < (long)m * k || b.Length < (long)k * n || c.Length < (long)m * n) throw new ArgumentException("Gemm buffers are smaller than their dimensions.");
        if (m == 0 || n == 0 || k == 0) return;
        if (Dgemm != null)
        {
            fixed (double* pa = a, pb = b, pc = c)
                Dgemm(101 /* row major */, 111, 111, m, n, k, 1.0, pa, k, pb, n, beta, pc, n);
            return;
        }
        ManagedGemm.MultiplyAdd(m, n, k, a, b, c);
    }

    private static delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void> LoadOpenBlas()
    {
        if (Environment.GetEnvironmentVariable("TASKGRAPH_GEMM") == "managed") return null;
        if (!NativeLibrary.TryLoad("libopenblas.so.0", out var lib)) return null;
        if (!NativeLibrary.TryGetExport(lib, "cblas_dgemm", out var f)) return null;
        if (NativeLibrary.TryGetExport(lib, "openblas_set_num_threads", out var t))
            ((delegate* unmanaged<int, void>)t)(1);
        return (delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void>)f;
    }
}

/// <summary>
/// A cache-blocked managed GEMM in the GotoBLAS style: B is packed into 16-column panels of KC rows (L2/L3),
/// A into 6-row panels (L1/L2), and a 6×16 micro-kernel keeps 12 <see cref="Vector512{T}"/> accumulators in
/// registers, doing two fused multiply-adds per loaded B vector pair and broadcast A element. Falls back to
/// 256-bit vectors (two 6×8 halves) and to scalar code on older hardware.
/// </summary>
internal static unsafe class ManagedGemm
{
    private const int MR = 6, NR = 16, KC = 256, MC = 96, NC = 4096;

    public static string Kind => Vector512.IsHardwareAccelerated ? "managed-avx512" : Vector256.IsHardwareAccelerated ? "managed-avx2" : "managed-scalar";

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAdd(int m, int n, int k, double[] a, double[] b, double[] c)
    {
        var bp = new double[KC * (Math.Min(NC, n) + NR)];
        var ap = new double[KC * (MC + MR)];
        var tile = new double[MR * NR];
        fixed (double* pa = a, pb = b, pc = c, pbp = bp, pap = ap, pt = tile)
        {
            for (int jc = 0; jc < n; jc += NC)
            {
                int nc = Math.Min(NC, n - jc);
                for (int pcol = 0; pcol < k; pcol += KC)
                {
                    int kc = Math.Min(KC, k - pcol);
                    PackB(pb, n, pcol, jc, kc, nc, pbp);
                    for (int ic = 0; ic < m; ic += MC)
                    {
                        int mc = Math.Min(MC, m - ic);
                        PackA(pa, k, ic, pcol, mc, kc, pap);
                        for (int jr = 0; jr < nc; jr += NR)
                        {
                            int nr = Math.Min(NR, nc - jr);
                            for (int ir = 0; ir < mc; ir += MR)
                            {
                                int mr = Math.Min(MR, mc - ir);
                                double* cp = pc + (long)(ic + ir) * n + jc + jr;
                                if (mr == MR && nr == NR) Micro(kc, pap + ir * kc, pbp + jr * kc, cp, n);
                                else
                                {
                                    new Span<double>(pt, MR * NR).Clear();
                                    Micro(kc, pap + ir * kc, pbp + jr * kc, pt, NR);
                                    for (int r = 0; r < mr; r++)
                                        for (int q = 0; q < nr; q++) cp[(long)r * n + q] += pt[r * NR + q];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>B[pc.., jc..] (kc×nc) into NR-wide panels, each kc rows of NR contiguous values, zero-padded.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void PackB(double* b, int ldb, int pc, int jc, int kc, int nc, double* dst)
    {
        for (int jr = 0; jr < nc; jr += NR)
        {
            int nr = Math.Min(NR, nc - jr);
            double* panel = dst + jr * kc;
            for (int p = 0; p < kc; p++)
            {
                double* src = b + (long)(pc + p) * ldb + jc + jr;
                double* d = panel + p * NR;
                if (nr == NR) Buffer.MemoryCopy(src, d, NR * sizeof(double), NR * sizeof(double));
                else { for (int q = 0; q < nr; q++) d[q] = src[q]; for (int q = nr; q < NR; q++) d[q] = 0; }
            }
        }
    }

    /// <summary>A[ic.., pc..] (mc×kc) into MR-tall panels, each kc columns of MR contiguous values, zero-padded.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void PackA(double* a, int lda, int ic, int pc, int mc, int kc, double* dst)
    {
        for (int ir = 0; ir < mc; ir += MR)
        {
            int mr = Math.Min(MR, mc - ir);
            double* panel = dst + ir * kc;
            for (int r = 0; r < MR; r++)
            {
                if (r < mr)
                {
                    double* src = a + (long)(ic + ir + r) * lda + pc;
                    for (int p = 0; p < kc; p++) panel[p * MR + r] = src[p];
                }
                else for (int p = 0; p < kc; p++) panel[p * MR + r] = 0;
            }
        }
    }

    private static void Micro(int kc, double* a, double* b, double* c, int ldc)
    {
        if (Vector512.IsHardwareAccelerated) { Micro512(kc, a, b, c, ldc); return; }
        if (Vector256.IsHardwareAccelerated) { Micro256(kc, a, b, c, ldc, 0); Micro256(kc, a, b, c, ldc, 8); return; }
        for (int r = 0; r < MR; r++)
            for (int q = 0; q < NR; q++)
            {
                double s = 0;
                for (int p = 0; p < kc; p++) s += a[p * MR + r] * b[p * NR + q];
                c[r * ldc + q] += s;
            }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Micro512(int kc, double* a, double* b, double* c, int ldc)
    {
        Vector512<double> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<double> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 8);
            Vector512<double> x;
            x = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            a += MR;
            b += NR;
        }
        Acc(c, c00, c01); c += ldc;
        Acc(c, c10, c11); c += ldc;
        Acc(c, c20, c21); c += ldc;
        Acc(c, c30, c31); c += ldc;
        Acc(c, c40, c41); c += ldc;
        Acc(c, c50, c51);
    }

    private static void Acc(double* c, Vector512<double> lo, Vector512<double> hi)
    {
        (Vector512.Load(c) + lo).Store(c);
        (Vector512.Load(c + 8) + hi).Store(c + 8);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Micro256(int kc, double* a, double* b, double* c, int ldc, int half)
    {
        Vector256<double> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<double> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        b += half;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 4);
            Vector256<double> x;
            x = Vector256.Create(a[0]); c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]); c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]); c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]); c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]); c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]); c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
            a += MR;
            b += NR;
        }
        c += half;
        var rows = new[] { (c00, c01), (c10, c11), (c20, c21), (c30, c31), (c40, c41), (c50, c51) };
        foreach (var (lo, hi) in rows)
        {
            (Vector256.Load(c) + lo).Store(c);
            (Vector256.Load(c + 4) + hi).Store(c + 4);
            c += ldc;
        }
    }
}
