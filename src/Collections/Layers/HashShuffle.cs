namespace TaskGraph.Collections;

/// <summary>
/// The one all-to-all exchange of the collections (behind bags' GroupBy and Join, frames' hash merge,
/// drop-duplicates, sort and group-by split_out). Every input partition's split task cuts it into n buckets, here
/// by <see cref="StableHash"/> (the same in every process: <see cref="StableHash.BucketOfHash"/>) or, for a
/// sort, by ranges; output task j gathers bucket j of every split. The collection supplies only the split body
/// (partition → <c>TIn[n]</c>) and the gather body (parameters, bucket j of every split → result):
/// <code>
///   in0   in1   in2          the collection's partition tasks
///    |     |     |
///  split split split         each returns TIn[n]: bucket b holds the rows or elements hashing to b
///    | \ / | \ / |
///    |  X  |  X  |           output j picks bucket j of every split (the invoker does, once per task)
///  out0  out1  out2          gather(parameters, [split0[j], split1[j], split2[j]])
/// </code>
/// Under a memory limit (<see cref="ComputeOptions.MemoryLimit"/>) a split may write its buckets to disk and return
/// a <see cref="SpilledBuckets{T}"/>: outputs read their bucket back from the file (the gather invokers do).
/// A join gathers two sides (<see cref="Join"/>): bucket j of every left split and of every right split meet in
/// output j. Keys are stages of the caller's layer token, so splits and outputs never share one.
/// </summary>
internal static class HashShuffle
{
    /// <summary>
    /// One split task per input: <paramref name="split"/> (a <see cref="LayerStep.Split{TParams, TIn, TPiece}"/>
    /// step returning the buckets). Each task also receives <see cref="SpillTarget.None"/>, which a computation under
    /// a memory limit replaces by its own target: its buckets may then wait on disk (<see cref="SpilledBuckets{T}"/>).
    /// </summary>
    public static TaskSpec[] Split(IReadOnlyList<TaskSpec> inputs, Token layer, LayerStep split)
    {
        var stage = LayerToken.Stage(layer, split.Name);
        var specs = new TaskSpec[inputs.Count];
        for (int i = 0; i < specs.Length; i++) specs[i] = split.Call(stage[i], [inputs[i]], SpillTarget.None);
        return specs;
    }

    /// <summary>One split task per input that also reads <paramref name="shared"/> (a <see cref="LayerStep.Split{TParams, TIn, TShared, TPiece}"/> step: a sort's boundaries).</summary>
    public static TaskSpec[] Split(IReadOnlyList<TaskSpec> inputs, TaskSpec shared, Token layer, LayerStep split)
    {
        var stage = LayerToken.Stage(layer, split.Name);
        var specs = new TaskSpec[inputs.Count];
        for (int i = 0; i < specs.Length; i++) specs[i] = split.Call(stage[i], [inputs[i], shared], SpillTarget.None);
        return specs;
    }

    /// <summary>Output j (of <paramref name="buckets"/>) runs <paramref name="gather"/> on bucket j of every split, in split order.</summary>
    public static TaskSpec[] Gather(IReadOnlyList<TaskSpec> splits, int buckets, Token layer, LayerStep gather)
    {
        var stage = LayerToken.Stage(layer, gather.Name);
        var inputs = splits as TaskSpec[] ?? splits.ToArray();
        var outputs = new TaskSpec[buckets];
        for (int j = 0; j < buckets; j++) outputs[j] = gather.Call(stage[j], inputs, j);
        return outputs;
    }

    /// <summary>Output j runs <paramref name="gather"/> (a two-sided gather step) on bucket j of every left split and of every right split.</summary>
    public static TaskSpec[] Join(IReadOnlyList<TaskSpec> left, IReadOnlyList<TaskSpec> right, int buckets, Token layer, LayerStep gather)
    {
        var stage = LayerToken.Stage(layer, gather.Name);
        TaskSpec[] inputs = [.. left, .. right];
        var outputs = new TaskSpec[buckets];
        for (int j = 0; j < buckets; j++) outputs[j] = gather.Call(stage[j], inputs, j, left.Count);
        return outputs;
    }

    /// <summary>
    /// The rows of each bucket, in row order, from each row's bucket (a counting sort: two passes, no per-row
    /// allocation). Split bodies use it after computing <c>bucket[i]</c> from a hash or a range search.
    /// </summary>
    public static int[][] RowsByBucket(ReadOnlySpan<int> bucket, int buckets)
    {
        var counts = new int[buckets];
        foreach (var b in bucket) counts[b]++;
        var rows = new int[buckets][];
        for (int b = 0; b < buckets; b++) rows[b] = new int[counts[b]];
        Array.Clear(counts);
        for (int i = 0; i < bucket.Length; i++) { int b = bucket[i]; rows[b][counts[b]++] = i; }
        return rows;
    }

    /// <summary>The rows of each bucket from each row's hash (<see cref="StableHash.BucketOfHash"/>).</summary>
    public static int[][] RowsByHash(ReadOnlySpan<ulong> hashes, int buckets)
    {
        var bucket = new int[hashes.Length];
        for (int i = 0; i < hashes.Length; i++) bucket[i] = StableHash.BucketOfHash(hashes[i], buckets);
        return RowsByBucket(bucket, buckets);
    }
}
