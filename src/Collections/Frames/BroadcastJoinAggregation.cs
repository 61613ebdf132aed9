namespace TaskGraph.Frames;

/// <summary>
/// A group-by right after a broadcast join, run without building the joined rows. When the group keys are columns
/// of the small (broadcast) side or the join keys, and every aggregation reads the big side and merges its state in
/// any order (<see cref="AggPartial.CombinesInAnyOrder"/>), each joined row is a big row repeated once per matching
/// small row, so: the big side is grouped by its join keys (and its own group keys) like any group-by — streamed
/// from CSV or Parquet, through the same tree of partials — and only the final task maps those few groups onto
/// the small table (by the join's own <see cref="JoinIndex.Match"/>, so null keys and unmatched rows of a left
/// join behave exactly as in the join) and merges them by the real group keys:
/// <code>
///   trips ⋈ vendors (broadcast) → group by region          trips → group by vendor   vendors
///   ─────────────────────────────────────────────          ───────────────────────   ───────
///   read+probe  read+probe  ...   joined rows                chunk  chunk  ...         read
///        \          |        /                                  \     |     /           |
///          agg tree by region                 becomes             agg tree            concat
///                                                                        \            /
///                                                                 map groups to regions, merge
/// </code>
/// Other shapes (a group key or an aggregated column from the small side, a filter after the join, split_out,
/// First/Last) lower as the join then the group-by.
/// </summary>
internal static class BroadcastJoinAggregation
{
    /// <summary>The fused tasks of <paramref name="group"/> (one output partition), or null when the shape does not fit.</summary>
    public static TaskSpec[]? TryLower(GroupByNode group, string[] needed, PartitionOp[] ops, Token layer)
    {
        if (group.SplitOut != 1 || group.Keys.Length == 0 || group.Input.Steps.Count != 0 || group.Input.Source is not MergeNode merge) return null;
        if (merge.How == MergeNode.Strategy.Shuffle) return null;
        bool bigIsLeft = merge.How == MergeNode.Strategy.BroadcastRight;
        var spec = merge.Spec;
        int bigSide = bigIsLeft ? 0 : 1;
        var column = spec.Output.ToDictionary(c => c.Name);
        string BigName(MergeColumn c) => (bigIsLeft ? c.Left : c.Right)!;
        string SmallName(MergeColumn c) => (bigIsLeft ? c.Right : c.Left)!;
        // Aggregations read big-side columns (or the join keys, equal on both sides where rows match).
        var preAggs = new Aggregation[group.Aggs.Length];
        for (int a = 0; a < preAggs.Length; a++)
        {
            var agg = group.Aggs[a];
            if (!AggPartial.CombinesInAnyOrder(agg.Kind)) return null;
            if (agg.Column is null) { preAggs[a] = agg; continue; }
            var c = column[agg.Column];
            if (c.Side != bigSide && c.Side != 2) return null;
            preAggs[a] = new Aggregation(agg.Kind, BigName(c), agg.Name, agg.Custom);
        }
        // Groups of the big side: its join keys, then its own columns among the group keys.
        var bigKeys = (bigIsLeft ? spec.LeftKeys : spec.RightKeys).ToList();
        var keySources = new List<(bool FromSmall, string Name)>();
        foreach (var k in group.Keys)
        {
            var c = column[k];
            if (c.Side == 2 || c.Side == bigSide)
            {
                var name = BigName(c);
                if (!bigKeys.Contains(name)) bigKeys.Add(name);
                keySources.Add((false, name));
            }
            else keySources.Add((true, SmallName(c)));
        }
        var small = bigIsLeft ? merge.Right : merge.Left;
        var big = bigIsLeft ? merge.Left : merge.Right;
        var smallKeys = bigIsLeft ? spec.RightKeys : spec.LeftKeys;
        var smallCols = smallKeys.Concat(keySources.Where(s => s.FromSmall).Select(s => s.Name)).Distinct().ToArray();
        var task = new BroadcastAggregationTask(
            BigKeys: bigKeys.ToArray(),
            BigJoinKeys: bigIsLeft ? spec.LeftKeys : spec.RightKeys,
            SmallKeys: smallKeys,
            SmallSchema: new Schema(small.Schema.Fields.Where(f => smallCols.Contains(f.Name))),
            SmallPartitions: small.NPartitions,
            KeepUnmatched: spec.How == (bigIsLeft ? JoinType.Left : JoinType.Right),
            Keys: group.Keys,
            KeySources: keySources.Select(s => s.FromSmall).ToArray(),
            KeyColumns: keySources.Select(s => s.Name).ToArray(),
            Aggs: group.Aggs,
            DropNa: group.DropNa,
            Schema: group.Schema,
            Ops: PlanNode.Restrict(group.Schema, needed, ops));
        // The big side's group-by: null join keys form groups too (the join matches them to null small keys).
        var pre = new GroupByTask(task.BigKeys, preAggs, null, DropNa: false, SplitOut: 1, group.Schema, []);
        var (bigInput, predicate) = big.SplitTrailingFilter();
        if (predicate is not null) pre = pre with { Predicate = predicate };
        var bigCols = task.BigKeys.Concat(preAggs.Where(a => a.Column is not null).Select(a => a.Column!))
            .Concat(predicate?.Columns ?? []).Distinct().ToArray();
        var chunks = LayerToken.Stage(layer, "agg-chunk");
        var level = bigInput.TryLowerStreamedAggChunks(bigCols, pre, i => chunks[i]);
        if (level is null)
        {
            var chunk = LayerStep.One<GroupByTask, Table, AggPartial>("agg-chunk", GroupByNode.Chunk, pre);
            level = bigInput.LowerPartitions(bigCols).Select((part, i) => chunk.Call(chunks[i], part)).ToArray();
        }
        var combine = LayerStep.Many<GroupByTask, AggPartial, AggPartial>("agg-combine", GroupByNode.Combine, pre);
        var combined = TreeReduction.Reduce(level, group.SplitEvery, layer, combine, aggregate: null);
        var smallParts = small.LowerPartitions(smallCols);
        var final = LayerStep.Many<BroadcastAggregationTask, object, Table>("agg-broadcast-finalize", Finalize, task);
        return [final.Call(LayerToken.Key("agg-broadcast-finalize", layer, 0), [.. smallParts, combined])];
    }

    // Inputs: the small side's partitions, then the big side's combined partial.
    private static Table Finalize(BroadcastAggregationTask p, object[] inputs)
    {
        var small = Table.Concat(inputs.Take(p.SmallPartitions).Cast<Table>().ToList(), p.SmallSchema);
        var groups = (AggPartial)inputs[p.SmallPartitions];
        var index = new JoinIndex(small, p.SmallKeys);
        var (bigRows, smallRows, count) = index.Match(groups.Keys, p.BigJoinKeys, p.KeepUnmatched, keepBuildUnmatched: false);
        var keys = new Column[p.Keys.Length];
        for (int k = 0; k < keys.Length; k++)
            keys[k] = p.KeySources[k] ? small[p.KeyColumns[k]].Take(smallRows, count) : groups.Keys[p.KeyColumns[k]].Take(bigRows, count);
        var keyTable = new Table(new Schema(p.Keys.Select(k => p.Schema[k])), keys, count);
        var merged = groups.Rekey(keyTable, bigRows, count, p.Keys, p.Aggs, p.DropNa);
        return Pipeline.Run(merged.Finalize(p.Aggs, p.Schema), p.Ops);
    }
}

/// <summary>
/// The parameters of a fused broadcast join and group-by's final task: the big side's group keys and join keys,
/// the small side's join keys, schema and partition count, whether unmatched big rows stay (a left join), and
/// the group-by's keys (each from the small side or the big one, by name there), aggregations, dropna, output
/// schema and the steps after it.
/// </summary>
internal sealed record BroadcastAggregationTask(
    string[] BigKeys, string[] BigJoinKeys, string[] SmallKeys, Schema SmallSchema, int SmallPartitions, bool KeepUnmatched,
    string[] Keys, bool[] KeySources, string[] KeyColumns, Aggregation[] Aggs, bool DropNa, Schema Schema, PartitionOp[] Ops);
