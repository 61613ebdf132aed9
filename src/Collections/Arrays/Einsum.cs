namespace TaskGraph.Arrays;

public abstract partial class NdArray
{
    /// <summary>
    /// Einstein summation of two operands (NumPy's <c>einsum</c> for the common two-operand cases):
    /// <c>"ij,jk->ik"</c> (matmul), <c>"bij,bjk->bik"</c> (batched), <c>"i,j->ij"</c> (outer), <c>"ij,ij->ij"</c>
    /// (elementwise), <c>"ij,ij->"</c>, <c>"i,i->"</c>, <c>"ik,jk->ij"</c>; without <c>-></c> the output is the
    /// letters that appear once, in alphabetical order, as NumPy does. A letter repeated within one operand
    /// (diagonals) and <c>...</c> are not supported.
    /// <para>
    /// Two plans: with no letter shared by both operands and the output (no batch axes), a
    /// <see cref="NdArray{E}.TensorDot(NdArray{E}, int[], int[])"/> over the summed letters (the blocked GEMM);
    /// otherwise both operands are transposed and broadcast into one letter order and multiplied, and the summed
    /// letters are reduced, which fuses into the reduction's first stage (the product is never stored).
    /// Letters of one operand only that are not in the output are summed out of it first.
    /// </para>
    /// </summary>
    public static NdArray<E> Einsum<E>(string subscripts, NdArray<E> a, NdArray<E> b) where E : unmanaged
    {
        ArgumentNullException.ThrowIfNull(subscripts);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var spec = subscripts.Replace(" ", "");
        if (spec.Contains("...")) throw new NotSupportedException($"Einsum '{subscripts}': ellipsis ('...') is not supported; name the axes.");
        var arrow = spec.IndexOf("->", StringComparison.Ordinal);
        var ins = (arrow < 0 ? spec : spec[..arrow]).Split(',');
        if (ins.Length != 2) throw new ArgumentException($"Einsum '{subscripts}' needs exactly two operands, got {ins.Length}.", nameof(subscripts));
        string sa = ins[0], sb = ins[1];
        string so = arrow >= 0 ? spec[(arrow + 2)..]
            : new string((sa + sb).GroupBy(c => c).Where(g => g.Count() == 1).Select(g => g.Key).Order().ToArray());
        foreach (var (s, x, what) in new[] { (sa, (NdArray)a, "first"), (sb, b, "second") })
        {
            if (s.Length != x.Rank) throw new ArgumentException($"Einsum '{subscripts}': the {what} operand has {x.Rank} axes, shape {ShapeMath.Format(x.ShapeRef)}, but '{s}' names {s.Length}.", nameof(subscripts));
            if (s.Any(c => !char.IsAsciiLetter(c))) throw new ArgumentException($"Einsum '{subscripts}': '{s}' may only hold letters.", nameof(subscripts));
            if (s.Distinct().Count() != s.Length) throw new NotSupportedException($"Einsum '{subscripts}': a letter repeated within one operand ('{s}', a diagonal) is not supported.");
        }
        if (so.Distinct().Count() != so.Length || so.Any(c => !sa.Contains(c) && !sb.Contains(c)))
            throw new ArgumentException($"Einsum '{subscripts}': output '{so}' repeats a letter or names one no operand has.", nameof(subscripts));
        var size = new Dictionary<char, int>();
        foreach (var (s, x) in new[] { (sa, (NdArray)a), (sb, b) })
            for (int i = 0; i < s.Length; i++)
            {
                int n = x.ShapeRef[i];
                if (size.TryGetValue(s[i], out var m) && m != n && m != 1 && n != 1)
                    throw new ArgumentException($"Einsum '{subscripts}': letter '{s[i]}' has size {m} in one operand and {n} in the other.", nameof(subscripts));
                size[s[i]] = size.TryGetValue(s[i], out m) ? Math.Max(m, n) : n;
            }
        // Letters in one operand only and not in the output: sum them out of that operand first.
        (a, sa) = SumOut(a, sa, sb, so);
        (b, sb) = SumOut(b, sb, sa, so);
        var summed = sa.Where(c => sb.Contains(c) && !so.Contains(c)).ToArray();
        bool batch = so.Any(c => sa.Contains(c) && sb.Contains(c));
        if (!batch)
        {
            var r = a.TensorDot(b, summed.Select(c => sa.IndexOf(c)).ToArray(), summed.Select(c => sb.IndexOf(c)).ToArray());
            var got = new string(sa.Where(c => !summed.Contains(c)).Concat(sb.Where(c => !summed.Contains(c))).ToArray());
            return got == so ? r : r.Transpose(so.Select(c => got.IndexOf(c)).ToArray());
        }
        var order = so + new string(summed);
        var prod = Aligned(a, sa, order) * Aligned(b, sb, order);
        return summed.Length == 0 ? prod : prod.Sum(Enumerable.Range(so.Length, summed.Length).ToArray());
    }

    private static (NdArray<E>, string) SumOut<E>(NdArray<E> x, string sx, string other, string output) where E : unmanaged
    {
        var lone = Enumerable.Range(0, sx.Length).Where(i => !other.Contains(sx[i]) && !output.Contains(sx[i])).ToArray();
        if (lone.Length == 0) return (x, sx);
        return (x.Sum(lone), new string(sx.Where((_, i) => !lone.Contains(i)).ToArray()));
    }

    /// <summary><paramref name="x"/> with its axes in <paramref name="order"/>'s letter order and length-1 axes for the letters it lacks (no task).</summary>
    private static NdArray<E> Aligned<E>(NdArray<E> x, string sx, string order) where E : unmanaged
    {
        var mine = order.Where(sx.Contains).ToArray();
        var t = x.Transpose(mine.Select(c => sx.IndexOf(c)).ToArray());
        for (int i = 0; i < order.Length; i++) if (!sx.Contains(order[i])) t = t.ExpandDims(i);
        return t;
    }
}
