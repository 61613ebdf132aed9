using BenchmarkDotNet.Attributes;

namespace TaskGraph.Benchmarks.Micro;

/// <summary>
/// The bag hot paths: the tokenizer (vectorized path against the character-by-character one) on a 5,000-word
/// document, and the fused per-element pipeline (Map, Filter, Map, Count in one task per partition) on 1M ints.
/// Run: <c>dotnet run -c Release --project benchmarks/TaskGraph.Benchmarks -- --filter *BagBenchmarks*</c>.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
// Micro-benchmarks measure one core with the runtime's default (workstation) GC; the comparison runner uses Server GC.
[GcServer(false)]
public class BagBenchmarks
{
    private string _document = "";
    private TokenChunker _chunker = null!;
    private Bag<int> _numbers = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        string[] stop = ["the", "a", "of", "and", "to", "in", "is", "it", "that", "was"];
        var words = Enumerable.Range(0, 5000).Select(i => rng.Next(3) == 0
            ? stop[rng.Next(stop.Length)]
            : new string(Enumerable.Range(0, 3 + rng.Next(8)).Select(_ => (char)('a' + rng.Next(26))).ToArray()));
        _document = string.Join(" ", words.Select((w, i) => i % 11 == 0 ? char.ToUpperInvariant(w[0]) + w[1..] + "," : w));
        _chunker = new TokenChunker(new StopwordSet(stop), 512);
        _numbers = Bag.From(Enumerable.Range(0, 1_000_000), 8);
    }

    /// <summary>The tokenizer's fast path.</summary>
    [Benchmark(Baseline = true)]
    public int ChunkVectorized() => _chunker.ChunkVectorized(_document).KeptTokens;

    /// <summary>The character-by-character path (used for text containing 'İ').</summary>
    [Benchmark]
    public int ChunkScalar() => _chunker.ChunkScalar(_document).KeptTokens;

    /// <summary>Map, Filter, Map and Count fused into one task per partition, 1M elements, on the calling thread.</summary>
    [Benchmark]
    public long FusedPipeline() => _numbers.Map(x => x * 3).Filter(x => (x & 1) == 0).Map(x => (long)x).Count().Compute(Scheduler.Synchronous);
}
