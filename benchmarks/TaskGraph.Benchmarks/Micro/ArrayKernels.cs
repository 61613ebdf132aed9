using BenchmarkDotNet.Attributes;

namespace TaskGraph.Benchmarks.Micro;

/// <summary>Hot kernels of the array collection: block GEMM (OpenBLAS vs managed), counter-based random, a fused reduction block.</summary>
[ShortRunJob]
[MemoryDiagnoser]
// Micro-benchmarks measure one core with the runtime's default (workstation) GC; the comparison runner uses Server GC.
[GcServer(false)]
public class ArrayKernels
{
    private double[] _a = null!, _b = null!, _c = null!, _r = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rnd = new Random(1);
        _a = Enumerable.Range(0, 500 * 500).Select(_ => rnd.NextDouble()).ToArray();
        _b = Enumerable.Range(0, 500 * 500).Select(_ => rnd.NextDouble()).ToArray();
        _c = new double[500 * 500];
        _r = new double[1 << 20];
    }

    /// <summary>500×500×500 through <see cref="Gemm"/> (OpenBLAS when present).</summary>
    [Benchmark]
    public void GemmDefault() => Gemm.MultiplyAdd(500, 500, 500, _a, _b, _c);

    /// <summary>500×500×500 through the managed packed AVX-512 kernel.</summary>
    [Benchmark]
    public void GemmManaged() => ManagedGemm.MultiplyAdd(500, 500, 500, _a, _b, _c);

    /// <summary>One million uniform doubles from the counter-based generator.</summary>
    [Benchmark]
    public void RandomUniform() => CounterRandom.Uniform(42, 0, 1, _r);

    /// <summary>One 1000×1000 block of <c>(x + x.T).Mean(0)</c> stage-one work over a random x.</summary>
    [Benchmark]
    public double FusedReduceBlock()
    {
        var x = NdArray.Random([1000, 1000], [1000, 1000], seed: 1);
        return (x + x.T).Mean(0).Sum().Compute(Scheduler.Synchronous).Scalar;
    }

    /// <summary>A 1000×1000 block with ~10% NaN: the plain sum (NaN propagates), for comparison with <see cref="NanSumBlock"/>.</summary>
    [Benchmark]
    public double SumBlockWithNaN() => WithNaN().Sum().Compute(Scheduler.Synchronous).Scalar;

    /// <summary>The same block through the NaN-skipping sum (folds each run of non-NaN values).</summary>
    [Benchmark]
    public double NanSumBlock() => WithNaN().NanSum().Compute(Scheduler.Synchronous).Scalar;

    /// <summary>CumSum along axis 0 of 2000×2000 in 4×4 blocks (local scans, a chain of carries, one add per block).</summary>
    [Benchmark]
    public double CumSumBlocks() => NdArray.Random([2000, 2000], [500, 500], seed: 1).CumSum(0).Sum().Compute(Scheduler.Synchronous).Scalar;

    /// <summary>TSQR of a 20,000×20 matrix in 10 row blocks.</summary>
    [Benchmark]
    public double TsqrTall() => LinearAlgebra.Qr(NdArray.Random([20_000, 20], [2_000, 20], seed: 1)).R.Sum().Compute(Scheduler.Synchronous).Scalar;

    private static NdArray<double> WithNaN()
    {
        var x = NdArray.Random([1000, 1000], [1000, 1000], seed: 1);
        return NdArray.Where(x < 0.1, double.NaN, x);
    }
}
