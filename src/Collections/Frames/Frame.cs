using System.Text.RegularExpressions;

namespace TaskGraph.Frames;

/// <summary>
/// A lazy, partitioned table: a logical plan (a <see cref="PlanNode"/> source plus per-partition steps) whose
/// schema and partition count are known without computing. Nothing runs until <see cref="Compute(IScheduler?)"/>,
/// <see cref="Head"/>, <see cref="ToCsv(string, CsvOptions?, IScheduler?)"/> or a similar call; then the plan lowers to graph tasks, one per
/// partition per stage (consecutive per-partition steps share one task), and runs on any scheduler.
/// </summary>
[TypeFormatterSource(typeof(FrameFormatterSource), PreferredMimeTypes = [HtmlFormatterSource.Html])]
public sealed partial class Frame : ITokenizable
{
    private readonly PlanNode _source;
    private readonly PartitionOp[] _ops;
    private readonly Schema[] _schemas; // _schemas[i] = input schema of _ops[i]; last = output schema
    private readonly FrameFacts? _facts; // what is known of the data beyond its schema (index and divisions, categories)

    internal Frame(PlanNode source, FrameFacts? facts = null) : this(source, [], [source.Schema], facts) { }

    private Frame(PlanNode source, PartitionOp[] ops, Schema[] schemas, FrameFacts? facts = null)
    {
        _source = source;
        _ops = ops;
        _schemas = schemas;
        _facts = facts;
    }

    /// <summary>The output schema (known without computing).</summary>
    public Schema Schema => _schemas[^1];

    /// <summary>Column names.</summary>
    public string[] Columns => Schema.Names;

    /// <summary>Number of partitions.</summary>
    public int NPartitions => _source.NPartitions;

    /// <summary>The per-partition steps after the source (for plan inspection).</summary>
    internal IReadOnlyList<PartitionOp> Steps => _ops;

    /// <summary>The plan node the steps run after (plan rewrites look through it).</summary>
    internal PlanNode Source => _source;

    /// <summary>This frame without its last step when that step is a filter, and the filter's predicate.</summary>
    internal (Frame Input, Expr? Predicate) SplitTrailingFilter()
        => _ops.Length > 0 && _ops[^1] is FilterOp f ? (new Frame(_source, _ops[..^1], _schemas[..^1], _facts), f.Predicate) : (this, null);

    /// <summary>
    /// Fingerprints the frame's plan: its source node's identity and its steps. Nodes reading this frame take it into
    /// their own identities, so equal plans give equal keys however often they are built.
    /// </summary>
    public void AddToken(ref TokenBuilder builder)
    {
        ((ITokenizable)_source).AddToken(ref builder);
        builder.Add((ulong)_ops.Length);
        foreach (var op in _ops) ((ITokenizable)op).AddToken(ref builder);
        // Declared divisions and categories steer later plans (pruning), so they are part of the frame's identity.
        if (_facts is not null) ((ITokenizable)_facts).AddToken(ref builder);
    }

    private Frame With(PartitionOp op, Schema output) => new(_source, [.. _ops, op], [.. _schemas, output], FrameFacts.After(_facts, op, output));

    // ---- sources ----

    /// <summary>
    /// A frame over CSV files (a path or a glob such as <c>data/*.csv</c>), split into byte blocks of about
    /// <paramref name="blockSize"/> bytes aligned to line starts; column types are inferred from a sample at the start
    /// of the first file unless given in <paramref name="options"/>.
    /// </summary>
    public static Frame ReadCsv(string pathOrGlob, long blockSize = 64L << 20, CsvOptions? options = null)
    {
        options ??= new CsvOptions();
        var files = ExpandGlob(pathOrGlob);
        // Each file's length and last write time before any byte is read: a change from now on fails the compute.
        var stamps = files.Select(CsvReader.Stamp).ToArray();
        var layout = CsvReader.Sniff(files[0], options);
        var starts = files.Select((f, i) => (f, i == 0 ? layout.DataStart : CsvReader.Sniff(f, options with { SampleBytes = 64 * 1024 }).DataStart, stamps[i]));
        var blocks = CsvReader.Blocks(starts, blockSize);
        return new Frame(new CsvScanNode(blocks.ToArray(), layout, options));
    }

    /// <summary>Files matching a path or a glob (<c>*</c> and <c>?</c> in the file name), sorted.</summary>
    public static string[] ExpandGlob(string pathOrGlob)
    {
        if (Directory.Exists(pathOrGlob))
            throw new IOException($"{pathOrGlob} is a directory, not a CSV file; to read the CSV files in it, pass a glob such as {Path.Combine(pathOrGlob, "*.csv")}.");
        if (!pathOrGlob.Contains('*') && !pathOrGlob.Contains('?'))
            return File.Exists(pathOrGlob) ? [pathOrGlob] : throw new FileNotFoundException($"CSV file not found: {pathOrGlob}", pathOrGlob);
        var dir = Path.GetDirectoryName(pathOrGlob);
        if (string.IsNullOrEmpty(dir)) dir = ".";
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir, Path.GetFileName(pathOrGlob)).OrderBy(f => f, StringComparer.Ordinal).ToArray() : [];
        return files.Length > 0 ? files
            : throw new FileNotFoundException(Directory.Exists(dir) ? $"No file matches {pathOrGlob}." : $"No file matches {pathOrGlob}: the directory {dir} does not exist.", pathOrGlob);
    }

    /// <summary>A frame over an in-memory table split into <paramref name="partitions"/> row ranges.</summary>
    public static Frame FromTable(Table table, int partitions = 1)
    {
        if (partitions < 1) throw new ArgumentOutOfRangeException(nameof(partitions), "At least one partition.");
        var parts = new Table[partitions];
        int n = table.RowCount;
        for (int p = 0; p < partitions; p++)
        {
            int s = (int)((long)n * p / partitions), e = (int)((long)n * (p + 1) / partitions);
            parts[p] = table.Slice(s, e - s);
        }
        return InMemory(parts, table.Schema);
    }

    /// <summary>A frame over tables given as partitions (all of one schema).</summary>
    public static Frame FromPartitions(IReadOnlyList<Table> partitions, Schema? schema = null)
    {
        schema ??= partitions.Count > 0 ? partitions[0].Schema : throw new ArgumentException("No partitions and no schema.");
        foreach (var p in partitions)
            if (!p.Schema.Equals(schema)) throw new ArgumentException($"Partition schema {p.Schema} differs from {schema}.");
        return InMemory(partitions.ToArray(), schema);
    }

    // In-memory partitions are literal tasks: the same source as delayed partitions, with nothing to compute. Keyed by
    // content, so the same table given twice collapses (a table too large to fingerprint gets a key of its own).
    private static Frame InMemory(Table[] parts, Schema schema)
    {
        var layer = ValueTokenizer.TryTokenize(parts, "frame-from-table") ?? ValueTokenizer.Unique();
        var specs = parts.Select((p, i) => TaskSpec.Literal(TaskKey.ForPartition("from-table", layer, i), p)).ToArray();
        return new Frame(new DelayedTablesNode(specs, schema));
    }

    /// <summary>
    /// A frame whose partitions are computed by <paramref name="partitions"/> (Dask's <c>from_delayed</c>); every
    /// partition must have <paramref name="schema"/> (a partition that does not fails its task, naming both schemas).
    /// </summary>
    public static Frame FromDelayed(IEnumerable<Delayed<Table>> partitions, Schema schema)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        ArgumentNullException.ThrowIfNull(schema);
        var specs = partitions.Select(p => p.Then(CheckSchema(schema), "check-schema").Spec).ToArray();
        if (specs.Length == 0) throw new ArgumentException("A frame needs at least one partition.", nameof(partitions));
        return new Frame(new DelayedTablesNode(specs, schema));
    }

    private static Func<Table, Table> CheckSchema(Schema schema) => t => t.Schema.Equals(schema)
        ? t : throw new InvalidOperationException($"A delayed partition has schema {t.Schema}, not the frame's {schema}.");

    /// <summary>A frame over records (one column per public property or field).</summary>
    public static Frame FromRecords<T>(IEnumerable<T> records, int partitions = 1) => FromTable(Table.FromRecords(records), partitions);

    // ---- per-partition steps ----

    /// <summary>Keeps the rows where <paramref name="predicate"/> is true.</summary>
    public Frame Filter(Expr predicate)
    {
        var t = predicate.TypeIn(Schema);
        if (t != ColumnType.Bool) throw new InvalidOperationException($"A filter needs a Bool expression; {predicate} is {t}.");
        // On a frame with known divisions, partitions whose index range cannot satisfy the predicate are not read.
        return PrunedFor(predicate).With(new FilterOp(predicate), Schema);
    }

    /// <summary>Only the named columns, in that order.</summary>
    public Frame Select(params string[] columns) => Select(columns.Select(Expr.Col).ToArray());

    /// <summary>One column per expression (named by <see cref="Expr.As"/>, or the column it reads).</summary>
    public Frame Select(params Expr[] exprs)
    {
        var names = exprs.Select(e => e.DefaultName).ToArray();
        var types = exprs.Select(e => e.TypeIn(Schema)).ToArray();
        return With(new ProjectOp(names, exprs), new Schema(names.Select((n, i) => new Field(n, types[i]))));
    }

    /// <summary>Adds (or replaces) column <paramref name="name"/>.</summary>
    public Frame WithColumn(string name, Expr expr)
    {
        var type = expr.TypeIn(Schema);
        var names = Schema.Names.ToList();
        var exprs = names.Select(Expr.Col).ToList();
        int at = names.IndexOf(name);
        if (at >= 0) exprs[at] = expr; else { names.Add(name); exprs.Add(expr); }
        var fields = names.Select((n, i) => n == name ? new Field(n, type) : Schema[n]);
        return With(new ProjectOp(names.ToArray(), exprs.ToArray()), new Schema(fields));
    }

    /// <summary>Renames columns (<c>old → new</c>).</summary>
    public Frame Rename(IReadOnlyDictionary<string, string> names)
    {
        foreach (var k in names.Keys) Schema.IndexOf(k);
        var outNames = Schema.Names.Select(n => names.TryGetValue(n, out var r) ? r : n).ToArray();
        return With(new ProjectOp(outNames, Schema.Names.Select(Expr.Col).ToArray()),
            new Schema(Schema.Fields.Select((f, i) => new Field(outNames[i], f.Type))));
    }

    /// <summary>Renames one column.</summary>
    public Frame Rename(string from, string to) => Rename(new Dictionary<string, string> { [from] = to });

    /// <summary>Drops columns.</summary>
    public Frame Drop(params string[] columns)
    {
        foreach (var c in columns) Schema.IndexOf(c);
        return Select(Schema.Names.Where(n => !columns.Contains(n)).ToArray());
    }

    /// <summary>Runs <paramref name="function"/> on every partition; <paramref name="output"/> is its schema (the input schema when null).</summary>
    public Frame MapPartitions(Func<Table, Table> function, Schema? output = null) => With(new MapOp(function, output ?? Schema), output ?? Schema);

    // ---- lowering and computing ----

    /// <summary>One task per partition producing the columns <paramref name="needed"/> (all when null).</summary>
    public TaskSpec[] LowerPartitions(IReadOnlyCollection<string>? needed = null)
    {
        var (atSource, ops) = PlanFor(needed);
        return _source.Lower(atSource, ops);
    }

    /// <summary>
    /// A group-by's chunk tasks streamed from CSV when possible: one task per block reducing each read window to a
    /// partial aggregate (see <see cref="CsvScanNode.ReadAndChunk"/>). Null when the source is not CSV or a step
    /// needs whole partitions; the caller then chunks whole partitions.
    /// </summary>
    internal TaskSpec[]? TryLowerStreamedAggChunks(IReadOnlyCollection<string> needed, GroupByTask group, Func<int, TaskKey> keyOf)
    {
        if (_source is not (CsvScanNode or ParquetScanNode)) return null;
        var (atSource, ops) = PlanFor(needed);
        if (!ops.All(op => op.RowWise)) return null;
        return _source is ParquetScanNode pq ? pq.LowerAggregateChunks(atSource, ops, group, keyOf)
            : ((CsvScanNode)_source).LowerAggregateChunks(atSource, ops, group, keyOf);
    }

    /// <summary>The source columns and the pruned steps that produce <paramref name="needed"/> (all when null).</summary>
    private (string[] AtSource, PartitionOp[] Ops) PlanFor(IReadOnlyCollection<string>? needed)
    {
        string[] want = needed is null ? Schema.Names : Schema.Names.Where(needed.Contains).ToArray();
        if (needed is not null) foreach (var n in needed) Schema.IndexOf(n);
        var ops = _ops;
        var inputSchemas = _schemas[..^1];
        if (want.Length != Schema.Count || !want.SequenceEqual(Schema.Names))
        {
            ops = [.. ops, new ProjectOp(want, want.Select(Expr.Col).ToArray())];
            inputSchemas = [.. inputSchemas, Schema];
        }
        if (ops.Length == 0) return (want, ops);
        var (pruned, atSource) = Pipeline.Prune(ops, inputSchemas, want);
        return (atSource, pruned);
    }

    /// <summary>The partitions as delayed tables.</summary>
    public Delayed<Table>[] ToDelayedPartitions() => LowerPartitions().Select(Delayed.FromSpec<Table>).ToArray();

    /// <summary>The whole frame as one delayed table.</summary>
    public Delayed<Table> ToDelayed()
    {
        var parts = LowerPartitions();
        return Delayed.FromSpec<Table>(LayerStep.Many<Schema, Table, Table>("concat", ConcatParts, Schema).Call(parts));
    }

    /// <summary>
    /// Computes the partitions now and keeps them (Dask's <c>persist</c>): the handle's <see cref="Persisted{T}.Value"/>
    /// is this frame backed by the computed partitions (same keys), so later computations on it neither read nor
    /// recompute anything before it. On the process pool partitions over 64 KB stay in the worker processes that
    /// made them and are used there; elsewhere they are kept in this process. Dispose the handle to release them.
    /// </summary>
    public Persisted<Frame> Persist(IScheduler? scheduler = null) => Persist(new ComputeOptions { Scheduler = scheduler });

    /// <inheritdoc cref="Persist(IScheduler?)"/>
    public Persisted<Frame> Persist(ComputeOptions options)
    {
        var kept = Persistence.Run(LowerPartitions(), options);
        return new(new Frame(new DelayedTablesNode([.. kept.Specs], Schema), _facts), kept);
    }

    /// <inheritdoc cref="Persist(IScheduler?)"/>
    public async Task<Persisted<Frame>> PersistAsync(ComputeOptions? options = null)
    {
        var kept = await Persistence.RunAsync(LowerPartitions(), options).ConfigureAwait(false);
        return new(new Frame(new DelayedTablesNode([.. kept.Specs], Schema), _facts), kept);
    }

    // static task bodies (no closure): the parameter is typed, the inputs are the partitions
    private static Table ConcatParts(Schema schema, Table[] parts) => Table.Concat(parts, schema);

    private static long CountRows(FrameCount _, Table[] parts) => parts.Sum(t => (long)t.RowCount);

    private static long SumBadLines(FrameCount _, int[] counts) => counts.Sum(c => (long)c);

    /// <summary>Computes the whole frame into one table.</summary>
    public Table Compute(IScheduler? scheduler = null) => ToDelayed().Compute(scheduler);

    /// <summary>Computes the whole frame into one table.</summary>
    public Table Compute(ComputeOptions options) => ToDelayed().Compute(options);

    /// <summary>Computes the frame into records of <typeparamref name="T"/>.</summary>
    public List<T> ToRecords<T>(IScheduler? scheduler = null) => Compute(scheduler).ToRecords<T>();

    /// <summary>The first <paramref name="n"/> rows, computing partitions one at a time only until there are enough.</summary>
    public Table Head(int n = 5, IScheduler? scheduler = null)
    {
        var parts = LowerPartitions();
        var got = new List<Table>();
        int rows = 0;
        foreach (var p in parts)
        {
            if (rows >= n) break;
            var t = Delayed.FromSpec<Table>(p).Compute(scheduler);
            got.Add(t);
            rows += t.RowCount;
        }
        return Table.Concat(got, Schema).Head(n);
    }

    /// <summary>Number of rows (parses no column of a CSV source unless a filter needs one).</summary>
    public long Count(IScheduler? scheduler = null)
    {
        var parts = LowerPartitions(Array.Empty<string>());
        return Delayed.FromSpec<long>(LayerStep.Many<FrameCount, Table, long>("count", CountRows, new FrameCount()).Call(parts)).Compute(scheduler);
    }

    /// <summary>
    /// For a frame read from CSV: the number of malformed lines (wrong field count, unbalanced quote, unparsable
    /// value) that <see cref="CsvOptions.SkipBadLines"/> skips, counted in parallel over the blocks.
    /// </summary>
    public long CountBadLines(IScheduler? scheduler = null)
    {
        if (_source is not CsvScanNode scan) throw new InvalidOperationException("CountBadLines needs a frame read by Frame.ReadCsv.");
        var step = LayerStep.Many<FrameCount, int, long>("bad-lines", SumBadLines, new FrameCount());
        return Delayed.FromSpec<long>(step.Call(scan.LowerBadLineCounts())).Compute(scheduler);
    }

    /// <summary>
    /// Writes one CSV file per partition; <c>*</c> in <paramref name="pattern"/> becomes the partition number
    /// (zero-padded). Returns the file names.
    /// </summary>
    public string[] ToCsv(string pattern, CsvOptions? options = null, IScheduler? scheduler = null)
    {
        options ??= new CsvOptions();
        return WritePartitions(pattern, scheduler, (part, file) => part.Then(t => CsvWriter.WriteFile(t, file, options), "to-csv"));
    }

    /// <summary>
    /// Writes every partition to its own file, <paramref name="pattern"/> with <c>*</c> replaced by the partition
    /// number (zero-padded so the names sort in partition order), through <paramref name="write"/>'s task per
    /// partition (which returns the rows written); returns the file names. Shared by the CSV, Parquet and Arrow writers.
    /// </summary>
    private string[] WritePartitions(string pattern, IScheduler? scheduler, Func<Delayed<Table>, string, Delayed<int>> write)
    {
        if (!pattern.Contains('*')) throw new ArgumentException($"The output pattern '{pattern}' needs a '*' for the partition number.");
        var parts = LowerPartitions();
        int width = Math.Max(1, (parts.Length - 1).ToString().Length);
        var names = parts.Select((_, i) => pattern.Replace("*", i.ToString().PadLeft(width, '0'))).ToArray();
        var writes = parts.Select((p, i) => write(Delayed.FromSpec<Table>(p), names[i])).ToList();
        Delayed.Compute(writes, new ComputeOptions { Scheduler = scheduler });
        return names;
    }

    /// <summary>Graph tasks and fused tasks of computing the whole frame (for checking fusion).</summary>
    public (int Tasks, int FusedTasks) TaskCounts()
    {
        var spec = ToDelayed().Spec;
        var plan = ExecutionPlan.Compile([spec], true);
        return (plan.TaskCount, plan.Count);
    }

    /// <inheritdoc />
    public override string ToString()
        => $"Frame[{NPartitions} partitions] {Schema}" + (_ops.Length == 0 ? "" : " <- " + string.Join(" <- ", _ops.Reverse().Select(o => o.ToString())));
}

public sealed partial class Frame
{
    /// <summary>Groups rows by the key columns; follow with <see cref="GroupedFrame.Agg"/>. Rows with a missing key are dropped.</summary>
    public GroupedFrame GroupBy(params string[] keys) => new(this, keys, true);

    /// <summary>
    /// Groups rows by the key columns. With <paramref name="dropNa"/> (pandas' and Dask's <c>dropna=True</c>, the
    /// default of the other overload) a row with a missing value in any key column is dropped; with
    /// <c>dropNa: false</c> missing is a key value of its own, so those rows form groups whose key shows as missing
    /// (sorted after the present values).
    /// </summary>
    public GroupedFrame GroupBy(string[] keys, bool dropNa) => new(this, keys, dropNa);

    /// <summary>Groups rows by one key column (see <see cref="GroupBy(string[], bool)"/>).</summary>
    public GroupedFrame GroupBy(string key, bool dropNa) => new(this, [key], dropNa);

    /// <summary>Whole-frame aggregates: a one-row frame (e.g. <c>df.Agg(Sum("fare"), Mean("tip"))</c>).</summary>
    public Frame Agg(params Aggregation[] aggs) => new(new GroupByNode(this, [], aggs, 8, 1));
}

public sealed partial class Frame
{
    /// <summary>
    /// Joins with <paramref name="other"/> like pandas' <c>merge</c>: on shared key columns (<paramref name="on"/>) or on
    /// <paramref name="leftOn"/>/<paramref name="rightOn"/>; overlapping non-key names get <paramref name="suffixes"/>
    /// (<c>_x</c>, <c>_y</c>). A side with at most <paramref name="broadcastMaxPartitions"/> partitions is broadcast
    /// (when the join type allows); otherwise both sides are hash-shuffled into <paramref name="partitions"/> buckets
    /// (default: the larger partition count). Frames indexed on their join keys (<see cref="SetIndex(string, IScheduler?)"/>)
    /// join partition by partition instead (see <see cref="AlignedMerge"/>).
    /// </summary>
    public Frame Merge(Frame other, string[]? on = null, JoinType how = JoinType.Inner, string[]? leftOn = null, string[]? rightOn = null,
        (string Left, string Right)? suffixes = null, int broadcastMaxPartitions = 1, int? partitions = null)
    {
        if (on is null && leftOn is null)
        {
            on = Schema.Names.Where(other.Schema.Contains).ToArray();
            if (on.Length == 0) throw new ArgumentException($"No common columns to merge on. Left: {string.Join(", ", Columns)}; right: {string.Join(", ", other.Columns)}.");
        }
        var lk = on ?? leftOn!;
        var rk = on ?? rightOn ?? throw new ArgumentException("leftOn needs rightOn.");
        foreach (var k in lk) Schema.IndexOf(k);
        foreach (var k in rk) other.Schema.IndexOf(k);
        var merge = new MergeNode(this, other, lk, rk, how, suffixes ?? ("_x", "_y"), broadcastMaxPartitions, partitions);
        return AlignedMerge(other, merge) ?? new(merge);
    }
}

public sealed partial class Frame
{
    /// <summary>A global sort by <paramref name="columns"/> (sampled quantiles, then range partitioning); missing values last.</summary>
    public Frame SortBy(string[] columns, bool[]? descending = null)
    {
        foreach (var c in columns) Schema.IndexOf(c);
        descending ??= new bool[columns.Length];
        if (descending.Length != columns.Length) throw new ArgumentException("Give one descending flag per sort column.");
        return new(new SortNode(this, columns, descending));
    }

    /// <summary>A global sort by one column.</summary>
    public Frame SortBy(string column, bool descending = false) => SortBy([column], [descending]);

    /// <summary>Drops duplicate rows (equal on <paramref name="subset"/>, all columns when none), keeping the first of each.</summary>
    public Frame DropDuplicates(params string[] subset)
    {
        foreach (var c in subset) Schema.IndexOf(c);
        return new(new DropDuplicatesNode(this, subset.Length == 0 ? Columns : subset));
    }

    /// <summary>How often each value of <paramref name="column"/> occurs: columns <c>column</c> and <c>count</c>, most frequent first.</summary>
    public Frame ValueCounts(string column)
        => GroupBy(column).Agg(Frames.Agg.Count()).With(new SortOp(["count", column], [true, false]), new Schema([Schema[column], new Field("count", ColumnType.Int64)]));

    /// <summary>The same rows in <paramref name="partitions"/> partitions (neighbours concatenated or partitions sliced; no shuffle).</summary>
    public Frame Repartition(int partitions)
    {
        if (partitions < 1) throw new ArgumentOutOfRangeException(nameof(partitions), "At least one partition.");
        return new(new RepartitionNode(this, partitions));
    }
}

/// <summary>The parameters of a frame's counting tasks (row counts, bad-line counts): none.</summary>
internal sealed record FrameCount;
