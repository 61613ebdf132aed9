namespace TaskGraph.Arrays;

/// <summary>
/// Deterministic tokens for array layers (docs/ARCHITECTURE.md, "Graph"): a layer's token fingerprints the
/// operation, its parameters and the tokens of the layers it reads, so building the same array twice gives the same keys,
/// identical subgraphs collapse, and <c>Delayed.Compute(a, b)</c> runs shared blocks once. Anything that cannot
/// be fingerprinted (a user delegate with opaque state) makes the token unique instead.
/// </summary>
internal static class LayerToken
{
    public static Token Of(string op, params object?[] parts)
    {
        var b = new TokenBuilder("array-" + op);
        foreach (var p in parts)
            if (!TryAdd(ref b, p)) return ValueTokenizer.Unique();
        return b.Finish();
    }

    private static bool TryAdd(ref TokenBuilder b, object? p)
    {
        switch (p)
        {
            case Token t: b.Add(1); b.Add(t); return true;
            case BlockGrid g: b.Add(2); b.Add(g.Token); return true;
            case TaskSpec s: b.Add(3); b.Add(s.Key.Token); return true;
            case TaskFunction f: b.Add(4); b.Add(f.Token); return f.IsDeterministic;
            case ElemNode n: b.Add(5); return TryAddNode(ref b, n);
            case int[][] jag:
                b.Add(6); b.Add((ulong)jag.Length);
                foreach (var a in jag) if (!ValueTokenizer.TryAdd(ref b, a)) return false;
                return true;
            case IEnumerable<TaskSpec> specs:
                b.Add(8);
                foreach (var s in specs) b.Add(s.Key.Token);
                return true;
            case IEnumerable<BlockGrid> grids:
                b.Add(7);
                foreach (var g in grids) b.Add(g.Token);
                return true;
            default: return ValueTokenizer.TryAdd(ref b, p);
        }
    }

    private static bool TryAddNode(ref TokenBuilder b, ElemNode n)
    {
        b.Add((ulong)n.Type);
        switch (n)
        {
            case LeafNode l:
                b.Add(10); b.Add((ulong)l.Kind); b.Add((ulong)l.Slot);
                b.Add(BitConverter.DoubleToUInt64Bits(l.A)); b.Add(BitConverter.DoubleToUInt64Bits(l.B)); b.Add(l.Seed);
                return ValueTokenizer.TryAdd(ref b, l.AxisOf) && ValueTokenizer.TryAdd(ref b, l.LeafShape) && TryAdd(ref b, l.LeafChunks);
            case ScalarNode s: b.Add(11); b.Add(BitConverter.DoubleToUInt64Bits(s.Value)); return true;
            case UnaryNode u: b.Add(12); b.Add((ulong)u.Op); return TryAddNode(ref b, u.X);
            case BinaryNode x: b.Add(13); b.Add((ulong)x.Op); return TryAddNode(ref b, x.L) && TryAddNode(ref b, x.R);
            case WhereNode w: b.Add(14); return TryAddNode(ref b, w.C) && TryAddNode(ref b, w.A) && TryAddNode(ref b, w.B);
            case CastNode c: b.Add(15); return TryAddNode(ref b, c.X);
            default: return false;
        }
    }
}
