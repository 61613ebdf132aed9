namespace TaskGraph.Frames;

/// <summary>
/// One record batch of an Arrow IPC file (Feather v2): a frame partition (<see cref="Batch"/> -1: a file with no
/// batches, an empty partition). <see cref="FileLength"/> and <see cref="LastWriteUtcTicks"/> are the file's length
/// and last write time when the frame was built; reading a file that changed since fails (<see cref="FileChangedException"/>).
/// </summary>
internal sealed record ArrowPart(string File, int Batch, long FileLength, long LastWriteUtcTicks)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path.GetFileName(File)}[batch {Batch}]";
}

/// <summary>Arrow IPC files: each partition reads one record batch, converts the columns the plan needs, then runs the steps, in one task.</summary>
internal sealed class ArrowScanNode(ArrowPart[] parts, Schema schema) : PlanNode
{
    /// <summary>The record batches, one per partition.</summary>
    public ArrowPart[] Parts { get; } = parts;

    /// <inheritdoc />
    public override Schema Schema { get; } = schema;

    /// <inheritdoc />
    public override int NPartitions => Parts.Length;

    private static readonly TaskFunction ReadFn = TaskFunction.Create(
        (Func<ArrowPart, Schema, string[], PartitionOp[], Table>)Read,
        TaskInvokers.Call4<ArrowPart, Schema, string[], PartitionOp[], Table>, "read-arrow");

    /// <summary>The task body: one batch's needed columns, then the steps.</summary>
    public static Table Read(ArrowPart part, Schema schema, string[] columns, PartitionOp[] ops)
    {
        using var handle = File.OpenHandle(part.File);
        var now = CsvReader.Stamp(handle);
        if (part.FileLength >= 0 && (now.Length != part.FileLength || now.LastWriteUtcTicks != part.LastWriteUtcTicks))
            throw new FileChangedException(part.File, part.FileLength, part.LastWriteUtcTicks, now.Length, now.LastWriteUtcTicks);
        var wanted = new Schema(columns.Select(c => schema[c]));
        if (part.Batch < 0) return Pipeline.Run(Table.Empty(wanted), ops);
        using var stream = new FileStream(handle, FileAccess.Read, 1 << 16);
        using var reader = ArrowInterop.Open(part.File, stream);
        Table table;
        try
        {
            using var batch = reader.ReadRecordBatchAsync(part.Batch, default).AsTask().GetAwaiter().GetResult()
                ?? throw new IOException($"{part.File} has no record batch {part.Batch}.");
            table = ArrowInterop.ToTable(batch, columns);
        }
        catch (Exception e) when (e is not OperationCanceledException and not NotSupportedException and not FileChangedException)
        {
            throw new IOException($"{part.File}, record batch {part.Batch}: cannot be read ({e.Message})", e);
        }
        if (!table.Schema.Equals(wanted)) throw new IOException($"{part.File}, record batch {part.Batch}: columns {table.Schema}, the frame expects {wanted}.");
        return Pipeline.Run(table, ops);
    }

    /// <inheritdoc />
    public override TaskSpec[] Lower(string[] needed, PartitionOp[] ops)
    {
        var layer = Layer(needed, ops);
        return Parts.Select((p, i) => TaskSpec.Call(LayerToken.Key("read-arrow", layer, i), ReadFn,
            TaskArg.Value(p), TaskArg.Value(Schema), TaskArg.Value(needed), TaskArg.Value(ops))).ToArray();
    }
}
