namespace TaskGraph.Benchmarks.Compare.Workloads;

/// <summary>
/// <c>tokenize</c> (dask_bench.py's <c>w_tokenize</c>): every line of docs.txt is a document; lowercase it, take the
/// <c>[a-z0-9]+</c> tokens, drop the stopwords, cut the kept tokens into 512-token chunks joined by single spaces.
/// Written with <see cref="Bag"/> as a user would: read the text in 4 MB blocks (Dask's <c>docs_blocksize</c>),
/// map each document to its statistics, fold them per partition and combine as a tree.
/// </summary>
public sealed class Tokenize : IWorkload
{
    private const int ChunkTokens = 512;

    /// <inheritdoc />
    public string Name => "tokenize";

    /// <inheritdoc />
    public WorkloadResult Run(WorkloadContext context, IScheduler scheduler, string schedulerName)
    {
        long blockSize = long.Parse(context.Option("docs_blocksize", (4L << 20).ToString()));
        var chunker = new TokenChunker(StopwordSet.Load(context.DataFile("stopwords.txt")), ChunkTokens);
        var docs = Bag.ReadText(context.DataFile("docs.txt"), blockSize);
        var stats = docs
            .Map(chunker.Chunk)
            .Map(DocStats.Of)
            .Fold(default(DocStats), DocStats.Add, DocStats.Add)
            .Compute(scheduler);

        var r = new WorkloadResult();
        r.Checksum["docs"] = stats.Docs;
        r.Checksum["raw_tokens"] = stats.RawTokens;
        r.Checksum["kept_tokens"] = stats.KeptTokens;
        r.Checksum["chunks"] = stats.Chunks;
        r.Checksum["chunk_chars"] = stats.ChunkChars;
        r.Checksum["concat_blocks_512"] = stats.KeptTokens / ChunkTokens;
        r.Phases["partitions"] = docs.PartitionCount;
        return r;
    }

    /// <summary>dask_bench.py's <c>doc_stats</c> tuple: (docs, raw_tokens, kept_tokens, chunks, chunk_chars).</summary>
    private readonly record struct DocStats(long Docs, long RawTokens, long KeptTokens, long Chunks, long ChunkChars)
    {
        public static DocStats Of(DocumentChunks d)
        {
            long chars = 0;
            foreach (var c in d.Chunks) chars += c.Length;
            return new DocStats(1, d.RawTokens, d.KeptTokens, d.Chunks.Length, chars);
        }

        public static DocStats Add(DocStats a, DocStats b)
            => new(a.Docs + b.Docs, a.RawTokens + b.RawTokens, a.KeptTokens + b.KeptTokens, a.Chunks + b.Chunks, a.ChunkChars + b.ChunkChars);
    }
}
