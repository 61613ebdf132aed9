namespace TaskGraph.Benchmarks.Compare;

/// <summary>Paths, sizes and options shared by the workloads of one runner invocation.</summary>
public sealed class WorkloadContext
{
    private readonly Dictionary<string, string> _options;
    private readonly Dictionary<string, long> _overrides;

    /// <summary>Per-scheduler sizes shrunk where the full size would take minutes (the same defaults as dask_bench.py).</summary>
    public static readonly Dictionary<string, long> DefaultOverrides = new()
    {
        ["delayed_n:distributed"] = 2_500,
        ["chain_n:distributed"] = 1_000,
    };

    /// <summary>Creates the context from parsed command-line options (<c>--name value</c>).</summary>
    public WorkloadContext(string dataDir, Dictionary<string, string> options, Dictionary<string, long> overrides)
    {
        DataDir = dataDir;
        _options = options;
        _overrides = overrides;
    }

    /// <summary>The folder gen_data.py wrote (trips.csv, riders.csv, vendors.csv, docs.txt, stopwords.txt).</summary>
    public string DataDir { get; }

    /// <summary>A data file's full path.</summary>
    public string DataFile(string name) => Path.Combine(DataDir, name);

    /// <summary>Cache for things built once per size (delayed graphs), shared across schedulers like dask_bench.py's <c>ctx.built</c>.</summary>
    public Dictionary<string, object> Built { get; } = new();

    /// <summary>A command-line option (<c>--array-n 20000</c> is <c>array_n</c>), or <paramref name="fallback"/>.</summary>
    public string Option(string name, string fallback) => _options.TryGetValue(name, out var v) ? v : fallback;

    /// <summary>
    /// <c>--memory-limit</c> (e.g. <c>1GB</c>): frame workloads compute under <see cref="ComputeOptions.MemoryLimit"/>,
    /// so their shuffles spill to disk; null (the default) for no limit.
    /// </summary>
    public long? MemoryLimit => _options.TryGetValue("memory_limit", out var v) ? ParseSize(v) : null;

    /// <summary>A size in bytes from <c>123</c>, <c>64KB</c>, <c>64MB</c> or <c>1GB</c> (binary multiples).</summary>
    public static long ParseSize(string s)
    {
        var t = s.Trim().ToUpperInvariant();
        long mult = t.EndsWith("GB") ? 1L << 30 : t.EndsWith("MB") ? 1L << 20 : t.EndsWith("KB") ? 1L << 10 : 1;
        return long.TryParse(t.TrimEnd('G', 'M', 'K', 'B'), out var n) && n > 0
            ? n * mult
            : throw new ArgumentException($"'{s}' is not a size: give bytes, or a number with KB, MB or GB.");
    }

    /// <summary>A size for <paramref name="scheduler"/>: a <c>key:scheduler</c> override, the <c>--key</c> option, or the default.</summary>
    public long Size(string key, string scheduler, long fallback)
        => _overrides.TryGetValue($"{key}:{scheduler}", out var o) ? o : long.Parse(Option(key, fallback.ToString()));
}
