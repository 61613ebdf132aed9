namespace TaskGraph.Benchmarks.Compare.Workloads;

/// <summary>
/// <c>array_reduce</c>: x = uniform random (N×N, chunks 2000, seed 42); compute (x + x.T).mean(axis=0).sum()
/// and x.std() in one graph. x is never stored: every reduction task regenerates the blocks it reads from the
/// seed (counter-based generator), adds, and folds, tile by tile.
/// </summary>
public sealed class ArrayReduce : IWorkload
{
    public string Name => "array_reduce";

    public WorkloadResult Run(WorkloadContext context, IScheduler scheduler, string schedulerName)
    {
        int n = (int)context.Size("array_n", schedulerName, 20_000);
        int c = (int)context.Size("array_chunk", schedulerName, 2_000);
        var x = NdArray.Random([n, n], [c, c], seed: 42);
        var colmean = (x + x.T).Mean(axis: 0).Sum();
        var std = x.Std();
        var (a, s) = Delayed.Compute(colmean.ToDelayedBlocks()[0], std.ToDelayedBlocks()[0], new ComputeOptions { Scheduler = scheduler });
        var r = new WorkloadResult { Size = new() { ["n"] = n, ["chunk"] = c } };
        r.Checksum["colmean_sum"] = Math.Round(a.Scalar, 6);
        r.Checksum["std"] = Math.Round(s.Scalar, 9);
        r.Checksum["expect_colmean_sum"] = n;
        r.Checksum["expect_std"] = Math.Round(1 / Math.Sqrt(12), 9);
        r.Phases["chunks"] = x.NumBlocks;
        r.Phases["tasks"] = colmean.TaskCount + std.TaskCount;
        return r;
    }
}

/// <summary>
/// <c>array_matmul</c>: A[i,j] = (3i + 7j) mod 11 − 5, B[i,j] = (5i + 2j) mod 13 − 6 (float64, 4000×4000, chunks
/// 1000), C = A @ B; checksums sum, abs_sum, trace and C[n/3, n/7], all exact integers.
/// </summary>
public sealed class ArrayMatmul : IWorkload
{
    public string Name => "array_matmul";

    public WorkloadResult Run(WorkloadContext context, IScheduler scheduler, string schedulerName)
    {
        int n = (int)context.Size("matmul_n", schedulerName, 4_000);
        int c = (int)context.Size("matmul_chunk", schedulerName, 1_000);
        var i = NdArray.Arange(n, c).AsType<double>().ExpandDims(1);
        var j = NdArray.Arange(n, c).AsType<double>().ExpandDims(0);
        var a = (i * 3.0 + j * 7.0) % 11.0 - 5.0;
        var b = (i * 5.0 + j * 2.0) % 13.0 - 6.0;
        var m = a.MatMul(b);
        // Dask: da.diag(C).sum(), which reads only the diagonal blocks; so does Trace.
        var parts = Delayed.Compute(new[] { m.Sum(), NdArray.Abs(m).Sum(), m.Trace(), m[n / 3, n / 7] }.Select(x => x.ToDelayedBlocks()[0]),
            new ComputeOptions { Scheduler = scheduler });
        var r = new WorkloadResult { Size = new() { ["n"] = n, ["chunk"] = c } };
        r.Checksum["sum"] = (long)parts[0].Scalar;
        r.Checksum["abs_sum"] = (long)parts[1].Scalar;
        r.Checksum["trace"] = (long)parts[2].Scalar;
        r.Checksum["probe"] = (long)parts[3].Scalar;
        r.Phases["chunks"] = m.NumBlocks;
        r.Phases["gemm"] = Gemm.Kernel;
        return r;
    }
}
