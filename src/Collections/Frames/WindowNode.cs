namespace TaskGraph.Frames;

/// <summary>
/// Window functions over a frame's rows in order, across partitions (Dask's <c>map_overlap</c> and cumulative
/// reductions): <see cref="Frame.WithColumns"/> adds window columns and
/// <see cref="Frame.MapOverlap"/> runs a user function on each partition with borrowed neighbour rows. Each partition
/// needs the last <c>before</c> rows of the frame before it, the first <c>after</c> rows after it, and for a
/// cumulative function the totals of every partition before it. A small edge per partition carries exactly that
/// (its first <c>after</c> rows, its last <c>before</c> rows, its totals), and two chains of small tasks merge the
/// edges, one from the left and one from the right, so a partition shorter than the window (or empty) simply passes
/// its neighbours' rows on:
/// <code>
///   p0      p1      p2      p3            partitions (their tasks, kept until their output task ran)
///   │e0     │e1     │e2     │e3           edge: head rows, tail rows, totals of the partition
///   └──▶ L1 ┴──▶ L2 ┴──▶ L3               left chain: tail rows and totals of everything before p1, p2, p3
///        R0 ◀──┬ R1 ◀──┬ R2 ◀──┘          right chain: head rows of everything after p0, p1, p2
///   o0      o1      o2      o3            output: p_i with L_i and R_i, the window columns, the steps after it
/// </code>
/// Edges hold at most <c>before + after</c> rows of the columns the windows read, so the chains cost a few small
/// tasks per partition and move no partition. A side that nothing needs (no rows before, no rows after, no
/// cumulative function) has no chain.
/// </summary>
internal sealed class WindowNode : PlanNode
{
    /// <summary>Window columns added to <paramref name="input"/>, checked against its schema.</summary>
    public WindowNode(Frame input, string[] names, WindowStep[] steps)
    {
        if (names.Length == 0) throw new ArgumentException("Give at least one window column.", nameof(names));
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Length) throw new ArgumentException($"Window column names repeat: {string.Join(", ", names)}.", nameof(names));
        Input = input;
        Names = names;
        Steps = steps;
        var fields = input.Schema.Fields.ToList();
        for (int i = 0; i < steps.Length; i++)
        {
            var field = new Field(names[i], steps[i].ResultType(input.Schema[steps[i].Source].Type));
            int at = fields.FindIndex(f => f.Name == names[i]);
            if (at >= 0) fields[at] = field; else fields.Add(field);
        }
        Schema = new Schema(fields);
        Before = steps.Max(s => s.Before);
        After = steps.Max(s => s.After);
    }

    /// <summary>A user function over each partition with <paramref name="before"/> rows borrowed before it and <paramref name="after"/> after it.</summary>
    public WindowNode(Frame input, int before, int after, Func<Table, Table> function, Schema output)
    {
        if (before < 0) throw new ArgumentOutOfRangeException(nameof(before), before, "The rows borrowed before a partition cannot be negative.");
        if (after < 0) throw new ArgumentOutOfRangeException(nameof(after), after, "The rows borrowed after a partition cannot be negative.");
        Input = input;
        Names = [];
        Steps = [];
        Function = function;
        Schema = output;
        Before = before;
        After = after;
    }

    /// <summary>The frame whose rows the windows run over.</summary>
    public Frame Input { get; }
    /// <summary>Output column of each window step.</summary>
    public string[] Names { get; }
    /// <summary>The window functions (none for a map-overlap).</summary>
    public WindowStep[] Steps { get; }
    /// <summary>The map-overlap function (null for window columns); its identity enters the keys like every field.</summary>
    public Func<Table, Table>? Function { get; }
    /// <summary>Rows every partition borrows from before it.</summary>
    public int Before { get; }
    /// <summary>Rows every partition borrows from after it.</summary>
    public int After { get; }

    /// <inheritdoc />
    public override Schema Schema { get; }

    /// <inheritdoc />
    public override int NPartitions => Input.NPartitions;

    private static WindowEdge Edge(WindowTask p, Table part) => new(
        part.Select(p.EdgeColumns).Head(p.After),
        Tail(part.Select(p.EdgeColumns), p.Before),
        p.Steps.Select(s => s.IsCumulative ? WindowKernels.Total(s.Kind, part[s.Source]) : default).ToArray());

    private static Table Tail(Table t, int n) => n >= t.RowCount ? t : t.Slice(t.RowCount - n, n);

    /// <summary>Edges of neighbouring runs of rows, in row order, merged into the edge of them all.</summary>
    private static WindowEdge Merge(WindowTask p, WindowEdge[] edges)
    {
        var totals = edges[0].Totals;
        for (int e = 1; e < edges.Length; e++)
            totals = totals.Select((t, i) => p.Steps[i].IsCumulative ? WindowKernels.Combine(p.Steps[i].Kind, t, edges[e].Totals[i]) : t).ToArray();
        var schema = edges[0].Head.Schema;
        return new(Table.Concat(edges.Select(e => e.Head).ToList(), schema).Head(p.After),
            Tail(Table.Concat(edges.Select(e => e.Tail).ToList(), schema), p.Before), totals);
    }

    /// <summary>inputs: the partition, the edge of everything before it (or null), the edge of everything after it (or null).</summary>
    private static Table Output(WindowTask p, object?[] inputs)
    {
        var part = (Table)inputs[0]!;
        var left = (WindowEdge?)inputs[1];
        var right = (WindowEdge?)inputs[2];
        Table result;
        if (p.Function is { } function)
        {
            var extended = Table.Concat([left?.Tail ?? Table.Empty(part.Schema), part, right?.Head ?? Table.Empty(part.Schema)], part.Schema);
            int borrowed = left?.Tail.RowCount ?? 0;
            var mapped = function(extended);
            if (!mapped.Schema.Equals(p.Output))
                throw new InvalidOperationException($"MapOverlap's function returned schema {mapped.Schema}, but declared {p.Output}.");
            if (mapped.RowCount != extended.RowCount)
                throw new InvalidOperationException(
                    $"MapOverlap's function returned {mapped.RowCount} rows for {extended.RowCount} (a partition of {part.RowCount} with {extended.RowCount - part.RowCount} borrowed); it must return one row per row it receives, so the borrowed rows can be trimmed.");
            result = mapped.Slice(borrowed, part.RowCount);
        }
        else
        {
            result = part;
            for (int i = 0; i < p.Steps.Length; i++)
            {
                var s = p.Steps[i];
                var source = part[s.Source];
                Column column;
                if (s.IsCumulative)
                    column = WindowKernels.Cumulative(s.Kind, source, left?.Totals[i] ?? WindowKernels.Identity(s.Kind), p.Output[p.Names[i]].Type);
                else
                {
                    var before = left?.Tail[s.Source];
                    var after = right?.Head[s.Source];
                    var parts = new List<Column>(3);
                    if (before is { Length: > 0 }) parts.Add(before);
                    parts.Add(source);
                    if (after is { Length: > 0 }) parts.Add(after);
                    int offset = before?.Length ?? 0;
                    column = s.Kind switch
                    {
                        WindowKind.Shift => WindowKernels.Shift(Column.Concat(parts), offset, part.RowCount, s.Periods),
                        WindowKind.Diff => WindowKernels.Diff(Column.Concat(parts), offset, part.RowCount, s.Periods),
                        // rolling steps read doubles: the pieces are copied once, straight into them
                        _ => WindowKernels.Rolling(s, WindowKernels.ExtendedDoubles(parts), offset, part.RowCount),
                    };
                }
                // every step reads the input columns, so a step replacing its own source column does not disturb the others
                result = result.With(p.Names[i], column);
            }
            result = result.Select(p.Output.Names);
        }
        return Pipeline.Run(result, p.Ops);
    }

    /// <inheritdoc />
    public override TaskSpec[] Lower(string[] needed, PartitionOp[] ops)
    {
        var layer = Layer(needed, ops);
        // only the window columns the consumer reads, and the input columns they and the consumer read
        var active = Enumerable.Range(0, Steps.Length).Where(i => needed.Contains(Names[i])).ToArray();
        var steps = active.Select(i => Steps[i]).ToArray();
        var names = active.Select(i => Names[i]).ToArray();
        string[] inputColumns = Function is not null ? Input.Columns
            : Input.Columns.Where(c => (needed.Contains(c) && !names.Contains(c)) || steps.Any(s => s.Source == c)).ToArray();
        var output = Function is not null ? Schema : new Schema(needed.Select(n => Schema[n]));
        var edgeColumns = Function is not null ? Input.Columns : steps.Where(s => !s.IsCumulative).Select(s => s.Source).Distinct().ToArray();
        int before = Function is not null ? Before : steps.Select(s => s.Before).DefaultIfEmpty().Max();
        int after = Function is not null ? After : steps.Select(s => s.After).DefaultIfEmpty().Max();
        var afterOps = Function is not null ? Restrict(Schema, needed, ops) : ops;
        var p = new WindowTask(steps, names, before, after, edgeColumns, Function, output, afterOps);

        var parts = Input.LowerPartitions(inputColumns);
        int n = parts.Length;
        bool cumulative = steps.Any(s => s.IsCumulative);
        bool leftChain = before > 0 || cumulative, rightChain = after > 0;
        var edges = new TaskSpec[n];
        var left = new TaskSpec?[n];
        var right = new TaskSpec?[n];
        if (leftChain || rightChain)
        {
            var edge = LayerStep.One<WindowTask, Table, WindowEdge>("window-edge", Edge, p);
            var edgeStage = LayerToken.Stage(layer, edge.Name);
            for (int i = 0; i < n; i++) edges[i] = edge.Call(edgeStage[i], parts[i]);
            var merge = LayerStep.Many<WindowTask, WindowEdge, WindowEdge>("window-merge", Merge, p);
            if (leftChain)
            {
                var stage = LayerToken.Stage(layer, "window-before");
                for (int i = 1; i < n; i++)
                    left[i] = i == 1 ? edges[0] : merge.Call(stage[i], [left[i - 1]!, edges[i - 1]]);
            }
            if (rightChain)
            {
                var stage = LayerToken.Stage(layer, "window-after");
                for (int i = n - 2; i >= 0; i--)
                    right[i] = i == n - 2 ? edges[n - 1] : merge.Call(stage[i], [edges[i + 1], right[i + 1]!]);
            }
        }
        var run = LayerStep.Many<WindowTask, object?, Table>(Function is null ? "window" : "map-overlap", Output, p);
        var outStage = LayerToken.Stage(layer, run.Name);
        var result = new TaskSpec[n];
        for (int i = 0; i < n; i++)
            result[i] = TaskSpec.Call(outStage[i], run.Function, TaskArg.Value(p), TaskArg.Of(parts[i]),
                left[i] is { } l ? TaskArg.Of(l) : TaskArg.Value(null), right[i] is { } r ? TaskArg.Of(r) : TaskArg.Value(null));
        return result;
    }
}

/// <summary>
/// The parameters of every task of a window layer: the active steps and their output names, the rows borrowed before
/// and after a partition, the columns edges carry, the map-overlap function (or null), the output schema before the
/// steps after it, and those steps.
/// </summary>
internal sealed record WindowTask(WindowStep[] Steps, string[] Names, int Before, int After, string[] EdgeColumns,
    Func<Table, Table>? Function, Schema Output, PartitionOp[] Ops);

/// <summary>
/// What a run of consecutive rows (a partition, or all partitions before or after one) shows its neighbours: its
/// first <see cref="WindowTask.After"/> rows (<see cref="Head"/>), its last <see cref="WindowTask.Before"/> rows
/// (<see cref="Tail"/>), of the columns windows read, and each cumulative step's total over it.
/// </summary>
internal sealed record WindowEdge(Table Head, Table Tail, ScanState[] Totals);
