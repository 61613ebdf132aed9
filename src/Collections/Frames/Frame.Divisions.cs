namespace TaskGraph.Frames;

public sealed partial class Frame
{
    /// <summary>Sample values per partition taken to choose <see cref="SetIndex(string, IScheduler?)"/>'s divisions.</summary>
    internal const int IndexSamplesPerPartition = 64;

    /// <summary>The index column (set by <see cref="SetIndex(string, IScheduler?)"/>), or null.</summary>
    public string? Index => _facts?.Index?.Column;

    /// <summary>
    /// True when the key range of every partition is known (Dask's <c>known_divisions</c>): <see cref="Loc(object?, object?)"/>
    /// and filters comparing the index with constants then read only the partitions that can match.
    /// </summary>
    public bool KnownDivisions => _facts?.Index is not null;

    /// <summary>
    /// Dask's <c>divisions</c>: <see cref="NPartitions"/> + 1 index values, partition i holding keys from
    /// <c>Divisions[i]</c> up to <c>Divisions[i + 1]</c> (the last partition including its end), or null when
    /// unknown. After <see cref="SetIndex(string, IScheduler?)"/> partition i holds exactly the keys in
    /// [<c>Divisions[i]</c>, <c>Divisions[i + 1]</c>); after <c>SetIndex(column, sorted: true)</c> each partition's
    /// smallest key, then the last partition's largest. A partition known to hold no key shows as an empty range at
    /// the next partition's start. Values are the index column's CLR type (long, double, string, DateOnly, ...).
    /// </summary>
    public IReadOnlyList<object>? Divisions
    {
        get
        {
            if (_facts?.Index is not { } ix) return null;
            var ranges = ix.Ranges;
            if (ranges.All(r => r is null)) return null;
            var result = new object[ranges.Length + 1];
            object last = ranges.Last(r => r is not null)!.High;
            result[^1] = last;
            for (int i = ranges.Length - 1; i >= 0; i--) result[i] = ranges[i]?.Low ?? result[i + 1];
            return result;
        }
    }

    /// <summary>
    /// Sorts the frame by <paramref name="column"/> and makes it the index (Dask's <c>set_index(column)</c>): the
    /// divisions are chosen now from one pass over that column alone (its range and an evenly spaced sample of every
    /// partition, computed on <paramref name="scheduler"/>), then the sort itself stays lazy: each partition is
    /// range-split by the divisions and each output partition sorted. Output partition i holds the keys in
    /// [<c>Divisions[i]</c>, <c>Divisions[i + 1]</c>) (the last one includes its end); rows with a missing key
    /// come last. The partition count stays about the same (fewer when many keys are equal). The column stays a
    /// column: the index is the column the frame is sorted and partitioned by.
    /// </summary>
    public Frame SetIndex(string column, IScheduler? scheduler = null)
    {
        var type = Schema[column].Type;
        var summaries = SummarizeIndex(column, scheduler);
        var sample = Table.Concat(summaries.Select(s => s.Sample).ToArray(), new Schema([new Field(column, type)]));
        if (sample.RowCount == 0) // no present key: nothing to divide, one partition of missing keys
            return new Frame(new IndexSortNode(this, column, Column.Nulls(type, 2)), FrameFacts.OfIndex(new IndexState(column, type, [null])));
        var sorted = sample.Take(Sorting.Order(sample, [column], null), sample.RowCount)[column];
        var divisions = new List<object> { sorted.GetValue(0)! };
        int parts = NPartitions;
        for (int j = 1; j < parts; j++)
        {
            var v = sorted.GetValue((int)((long)j * sorted.Length / parts))!;
            // strictly increasing inner divisions: equal quantiles (many equal keys) merge their partitions
            if (IndexValues.Compare(v, divisions[^1]) > 0) divisions.Add(v);
        }
        // the largest key closes the last partition (an inner division equal to it leaves that partition only this key)
        divisions.Add(sorted.GetValue(sorted.Length - 1)!);
        return SortedInto(column, type, divisions);
    }

    /// <summary>
    /// Sorts the frame by <paramref name="column"/> into partitions bounded by <paramref name="divisions"/> (Dask's
    /// <c>set_index(column, divisions=...)</c>): partition i of the result holds the keys in
    /// [<c>divisions[i]</c>, <c>divisions[i + 1]</c>), the last one also <c>divisions[^1]</c>, so there are
    /// <c>divisions.Count - 1</c> partitions. Nothing is computed now. Divisions must be values of the column's type
    /// (numbers convert when exact), at least two, non-decreasing; a key outside them fails the computation naming
    /// the key.
    /// </summary>
    public Frame SetIndex(string column, IReadOnlyList<object> divisions)
    {
        ArgumentNullException.ThrowIfNull(divisions);
        var type = Schema[column].Type;
        return SortedInto(column, type, CheckDivisions(column, type, divisions, partitions: null));
    }

    /// <summary>
    /// Makes <paramref name="column"/> the index of a frame whose rows are already sorted by it across partitions
    /// (Dask's <c>set_index(column, sorted=True)</c>, e.g. CSV files of consecutive dates): nothing moves. With
    /// <paramref name="divisions"/> (<see cref="NPartitions"/> + 1 values, Dask's convention: partition i holds
    /// keys in [<c>divisions[i]</c>, <c>divisions[i + 1]</c>), the last including its end) they are trusted as
    /// Dask trusts them and nothing is computed. Without, each partition's smallest and largest key are computed
    /// now on <paramref name="scheduler"/> (one pass over the column), and a partition out of order (a key below
    /// the previous partition's largest, or rows unsorted inside) fails naming the partition and the keys.
    /// With <paramref name="sorted"/> false this is <see cref="SetIndex(string, IScheduler?)"/> (or the
    /// <paramref name="divisions"/> overload).
    /// </summary>
    public Frame SetIndex(string column, bool sorted, IReadOnlyList<object>? divisions = null, IScheduler? scheduler = null)
    {
        var type = Schema[column].Type;
        if (!sorted) return divisions is null ? SetIndex(column, scheduler) : SetIndex(column, divisions);
        if (divisions is not null)
        {
            var d = CheckDivisions(column, type, divisions, NPartitions);
            var given = Enumerable.Range(0, NPartitions).Select(i => (IndexRange?)new IndexRange(d[i], d[i + 1], i == NPartitions - 1)).ToArray();
            return new Frame(_source, _ops, _schemas, WithIndex(new IndexState(column, type, given)));
        }
        var summaries = SummarizeIndex(column, scheduler);
        var ranges = new IndexRange?[summaries.Length];
        IndexRange? previous = null;
        int previousAt = -1;
        for (int i = 0; i < summaries.Length; i++)
        {
            var s = summaries[i];
            if (s.FirstUnsortedRow >= 0)
                throw new InvalidOperationException($"Partition {i} is not sorted by '{column}' (row {s.FirstUnsortedRow} is smaller than the row before it); use SetIndex(\"{column}\") to sort.");
            var keys = s.Sample[column];
            if (keys.Length == 0) continue;
            var range = new IndexRange(keys.GetValue(0)!, keys.GetValue(keys.Length - 1)!, true);
            if (previous is not null && IndexValues.Compare(range.Low, previous.High) < 0)
                throw new InvalidOperationException(
                    $"Partitions are not sorted by '{column}': partition {i} starts at {keys.Format(0)}, below the largest key of partition {previousAt} ({Expr.Quote(previous.High)}); use SetIndex(\"{column}\") to sort.");
            ranges[i] = previous = range;
            previousAt = i;
        }
        return new Frame(_source, _ops, _schemas, WithIndex(new IndexState(column, type, ranges)));
    }

    /// <summary>
    /// The rows whose index lies between <paramref name="from"/> and <paramref name="to"/>, both included (Dask's
    /// <c>df.loc[from:to]</c>); a null bound leaves that side open. Only the partitions whose range can hold such
    /// keys are read (with known divisions); the others are not in the graph. Needs an index (<see cref="SetIndex(string, IScheduler?)"/>).
    /// </summary>
    public Frame Loc(object? from, object? to)
    {
        var ix = RequireIndex(nameof(Loc));
        Expr? predicate = null;
        if (from is not null) predicate = Expr.Col(ix.Column) >= new Literal(IndexValues.Normalize(from, ix.Type, ix.Column, "Loc's lower bound"), ix.Type);
        if (to is not null)
        {
            var upper = Expr.Col(ix.Column) <= new Literal(IndexValues.Normalize(to, ix.Type, ix.Column, "Loc's upper bound"), ix.Type);
            predicate = predicate is null ? upper : predicate & upper;
        }
        return predicate is null ? this : Filter(predicate);
    }

    /// <summary>
    /// The rows whose index equals <paramref name="key"/> (Dask's <c>df.loc[key]</c>); with known divisions only the
    /// partitions whose range can hold it are read.
    /// </summary>
    public Frame Loc(object key)
    {
        var ix = RequireIndex(nameof(Loc));
        return Filter(Expr.Col(ix.Column) == new Literal(IndexValues.Normalize(key, ix.Type, ix.Column, "Loc's key"), ix.Type));
    }

    private IndexState RequireIndex(string operation)
        => _facts?.Index ?? throw new InvalidOperationException($"{operation} needs an index: call SetIndex(column) first (the frame has columns {string.Join(", ", Columns)}).");

    /// <summary>This frame without the partitions whose index range cannot satisfy <paramref name="predicate"/> (itself when all can).</summary>
    private Frame PrunedFor(Expr predicate)
    {
        if (_facts?.Index is not { } ix) return this;
        var keep = ix.PartitionsFor(predicate);
        if (keep.Length == NPartitions) return this;
        return new Frame(new PartitionSubsetNode(this, keep), keep.Length == 0 ? null : _facts!.Subset(keep));
    }

    /// <summary>
    /// The merge as a partition-by-partition join when the frames are indexed on the join keys (one key each side):
    /// with equal divisions on both sides (each sorted by <see cref="SetIndex(string, IScheduler?)"/>) nothing moves;
    /// otherwise, when the merge would hash-shuffle both sides, the other side is sorted into the divisions of a side
    /// placed by <see cref="SetIndex(string, IScheduler?)"/> (the one with more partitions when both were; keys beyond
    /// them go to the first or last partition), and only it moves. Null when neither applies.
    /// </summary>
    private Frame? AlignedMerge(Frame other, MergeNode merge)
    {
        var spec = merge.Spec;
        if (spec.LeftKeys.Length != 1 || _facts?.Index is not { } li || other._facts?.Index is not { } ri) return null;
        if (li.Column != spec.LeftKeys[0] || ri.Column != spec.RightKeys[0] || li.Type != ri.Type) return null;
        if (li.PlacedByRange && ri.PlacedByRange && li.SameRanges(ri)) return new Frame(new AlignedMergeNode(this, other, spec));
        if (merge.How != MergeNode.Strategy.Shuffle) return null; // a broadcast moves less than a sort
        bool leftTarget = li.PlacedByRange && (!ri.PlacedByRange || NPartitions >= other.NPartitions);
        var target = leftTarget ? li : ri.PlacedByRange ? ri : null;
        if (target?.DaskDivisions is not { } d) return null;
        var divisions = IndexValues.ToColumn(target.Type, d);
        return leftTarget
            ? new Frame(new AlignedMergeNode(this, new Frame(new IndexSortNode(other, ri.Column, divisions, clip: true)), spec))
            : new Frame(new AlignedMergeNode(new Frame(new IndexSortNode(this, li.Column, divisions, clip: true)), other, spec));
    }

    private FrameFacts WithIndex(IndexState index) => _facts is null ? FrameFacts.OfIndex(index) : _facts with { Index = index };

    private Frame SortedInto(string column, ColumnType type, IReadOnlyList<object> divisions)
    {
        int n = divisions.Count - 1;
        var ranges = Enumerable.Range(0, n).Select(i => (IndexRange?)new IndexRange(divisions[i], divisions[i + 1], i == n - 1)).ToArray();
        // the sort moves rows between partitions but keeps every value: known categories stay true
        var facts = new FrameFacts(new IndexState(column, type, ranges, PlacedByRange: true), _facts?.Categories ?? []);
        return new Frame(new IndexSortNode(this, column, IndexValues.ToColumn(type, divisions)), facts);
    }

    /// <summary>Divisions given by a user, checked: values of the column's type, at least two (or <paramref name="partitions"/> + 1), non-decreasing.</summary>
    private static object[] CheckDivisions(string column, ColumnType type, IReadOnlyList<object> divisions, int? partitions)
    {
        if (partitions is { } p && divisions.Count != p + 1)
            throw new ArgumentException($"A frame of {p} partitions needs {p + 1} divisions for index '{column}', {divisions.Count} given.", nameof(divisions));
        if (divisions.Count < 2) throw new ArgumentException($"Give at least two divisions for index '{column}' (the first key and the last).", nameof(divisions));
        var d = divisions.Select((v, i) => IndexValues.Normalize(v, type, column, $"Division {i}")).ToArray();
        for (int i = 1; i < d.Length; i++)
            if (IndexValues.Compare(d[i - 1], d[i]) > 0)
                throw new ArgumentException($"Divisions of index '{column}' must not decrease: division {i} ({Expr.Quote(d[i])}) is below division {i - 1} ({Expr.Quote(d[i - 1])}).", nameof(divisions));
        return d;
    }

    /// <summary>One pass over <paramref name="column"/>: per partition its sorted sample (with its smallest and largest key) and whether it is sorted.</summary>
    private IndexSummary[] SummarizeIndex(string column, IScheduler? scheduler)
    {
        var step = LayerStep.One<IndexSummaryTask, Table, IndexSummary>("index-summary", IndexSummary.Of, new IndexSummaryTask(column, IndexSamplesPerPartition));
        var parts = LowerPartitions([column]);
        return Delayed.Compute(parts.Select(p => Delayed.FromSpec<IndexSummary>(step.Call([p]))), new ComputeOptions { Scheduler = scheduler });
    }
}

/// <summary>The parameters of an index summary task: the column and the sample size.</summary>
internal sealed record IndexSummaryTask(string Column, int Samples);

/// <summary>
/// One partition's index column in brief: an evenly spaced sample of its present keys in order, starting with the
/// smallest and ending with the largest, and the first row whose key is below the row before it (-1 when sorted).
/// </summary>
internal sealed record IndexSummary(Table Sample, int FirstUnsortedRow)
{
    /// <summary>The summary of one partition.</summary>
    public static IndexSummary Of(IndexSummaryTask p, Table t)
    {
        var key = t[p.Column];
        int unsorted = -1, previous = -1;
        var present = new List<int>(t.RowCount);
        for (int i = 0; i < t.RowCount; i++)
        {
            if (!IsPresent(key, i)) continue;
            if (unsorted < 0 && previous >= 0 && key.CompareAt(i, previous) < 0) unsorted = i;
            previous = i;
            present.Add(i);
        }
        var keys = t.Select([p.Column]);
        var order = present.ToArray();
        if (unsorted >= 0) Array.Sort(order, (x, y) => key.CompareAt(x, y));
        int n = order.Length;
        int take = Math.Min(n, Math.Max(2, p.Samples));
        var idx = new int[take];
        for (int j = 0; j < take; j++) idx[j] = order[take == 1 ? 0 : (int)((long)j * (n - 1) / (take - 1))];
        return new IndexSummary(keys.Take(idx, take), unsorted);
    }

    /// <summary>True when row <paramref name="i"/> has a key a comparison can match: present, and not NaN.</summary>
    public static bool IsPresent(Column key, int i) => key.IsValid(i) && !(key.Type == ColumnType.Double && double.IsNaN(key.Doubles[i]));
}
