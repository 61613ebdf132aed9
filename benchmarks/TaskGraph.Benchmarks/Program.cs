using BenchmarkDotNet.Running;
using TaskGraph.Benchmarks.Compare;

// `compare ...` runs the Dask comparison runner; anything else goes to BenchmarkDotNet
// (e.g. `--filter *GraphBuild*`, `--list flat`).
if (args.Length > 0 && args[0] == "compare")
    return CompareRunner.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

/// <summary>Entry point type (named so BenchmarkDotNet can find the assembly).</summary>
public partial class Program;
