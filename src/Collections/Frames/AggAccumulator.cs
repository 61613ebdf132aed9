using System.Runtime.CompilerServices;

namespace TaskGraph.Frames;

/// <summary>
/// Rows of one slice of a column for <see cref="AggAccumulator.Add"/>: values from <see cref="Offset"/> in
/// <see cref="Data"/> (an <c>int[]</c>, <c>long[]</c> or <c>double[]</c>) and, when some are missing,
/// <see cref="Defs"/> at the same offset (1 present, 0 missing; null: all present).
/// </summary>
internal readonly record struct ColumnSlice(Array Data, int Offset, int[]? Defs);

/// <summary>
/// A partial aggregate fed slice by slice (a streamed reader's pages, decoded and aggregated while in cache) instead of
/// from one whole table: per aggregation, state arrays indexed by group id that grow as groups appear. The states are
/// the ones <see cref="AggKernels.Chunk"/> makes (so partials combine and finalize the same way), and rows are added
/// in order, so sums are the same to the last bit. Only kinds whose state is a fixed set of numbers per group, over
/// Int32, Int64 or Double columns (see <see cref="Supports"/>).
/// </summary>
internal sealed class AggAccumulator
{
    private readonly State[] _states;

    /// <summary>An accumulator for <paramref name="aggs"/>; <paramref name="types"/>[a] is the type of aggregation a's column (ignored for Size).</summary>
    public AggAccumulator(Aggregation[] aggs, ColumnType[] types)
    {
        _states = new State[aggs.Length];
        for (int a = 0; a < aggs.Length; a++) _states[a] = State.For(aggs[a].Kind, types[a]);
    }

    /// <summary>True when every aggregation is Size, or Count, Sum, Mean, Min or Max over an Int32, Int64 or Double column.</summary>
    public static bool Supports(Aggregation[] aggs, Func<string, ColumnType> typeOf)
        => aggs.All(a => a.Kind == AggKind.Size || a.Kind is AggKind.Count or AggKind.Sum or AggKind.Mean or AggKind.Min or AggKind.Max
            && a.Column is not null && typeOf(a.Column) is ColumnType.Int32 or ColumnType.Int64 or ColumnType.Double);

    /// <summary>
    /// Adds rows: row i belongs to group <paramref name="gid"/>[i] (-1: to none); <paramref name="columns"/>[a] holds
    /// aggregation a's column for the same rows (ignored for Size). <paramref name="groups"/> is the number of groups so far.
    /// </summary>
    public void Add(ReadOnlySpan<int> gid, int groups, ReadOnlySpan<ColumnSlice> columns)
    {
        for (int a = 0; a < _states.Length; a++)
        {
            _states[a].Grow(groups);
            _states[a].Add(gid, columns[a]);
        }
    }

    /// <summary>The state columns of every aggregation for the first <paramref name="groups"/> groups (as <see cref="AggPartial.States"/>).</summary>
    public Column[][] States(int groups)
    {
        var r = new Column[_states.Length][];
        for (int a = 0; a < _states.Length; a++)
        {
            _states[a].Grow(groups);
            r[a] = _states[a].Columns(groups);
        }
        return r;
    }

    private abstract class State
    {
        protected int Capacity;

        public static State For(AggKind kind, ColumnType type) => kind switch
        {
            AggKind.Size => new CountState(rows: true),
            AggKind.Count => new CountState(rows: false),
            AggKind.Sum when type == ColumnType.Double => new DoubleSumState(false),
            AggKind.Sum => new LongSumState(type),
            AggKind.Mean => new DoubleSumState(true),
            AggKind.Min or AggKind.Max when type == ColumnType.Double => new DoubleExtremeState(kind == AggKind.Max),
            AggKind.Min or AggKind.Max => new IntegerExtremeState(kind == AggKind.Max, type),
            _ => throw new NotSupportedException($"{kind} is not accumulated slice by slice"),
        };

        public void Grow(int groups)
        {
            if (groups <= Capacity) return;
            int cap = Math.Max(16, Capacity);
            while (cap < groups) cap *= 2;
            Resize(cap);
            Capacity = cap;
        }

        protected abstract void Resize(int capacity);
        public abstract void Add(ReadOnlySpan<int> gid, ColumnSlice col);
        public abstract Column[] Columns(int groups);

        protected static T[] Head<T>(T[] a, int n) => a.AsSpan(0, n).ToArray();

        protected static bool[]? Missing(bool[] has, int n)
        {
            for (int g = 0; g < n; g++) if (!has[g]) return Head(has, n);
            return null;
        }
    }

    /// <summary>Rows per group (Size: every row) or present values per group (Count: rows whose definition level is set).</summary>
    private sealed class CountState(bool rows) : State
    {
        private long[] _n = [];
        protected override void Resize(int capacity) => Array.Resize(ref _n, capacity);
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Add(ReadOnlySpan<int> gid, ColumnSlice col)
        {
            var n = _n;
            if (rows || col.Defs is null) { foreach (int g in gid) if (g >= 0) n[g]++; return; }
            var d = col.Defs.AsSpan(col.Offset, gid.Length);
            for (int i = 0; i < gid.Length; i++) { int g = gid[i]; if (g >= 0) n[g] += d[i]; }
        }
        public override Column[] Columns(int groups) => [Column.Of(Head(_n, groups))];
    }

    /// <summary>A double sum (Sum of a Double column; Mean of any, with its count, as <see cref="AggKernels"/> keeps them).</summary>
    private sealed class DoubleSumState(bool withCount) : State
    {
        private double[] _s = [];
        private long[] _n = [];
        protected override void Resize(int capacity) { Array.Resize(ref _s, capacity); if (withCount) Array.Resize(ref _n, capacity); }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Add(ReadOnlySpan<int> gid, ColumnSlice col)
        {
            switch (col.Data)
            {
                case double[] v: Sum(gid, v.AsSpan(col.Offset, gid.Length), col); break;
                case long[] v: Sum(gid, v.AsSpan(col.Offset, gid.Length), col); break;
                default: Sum(gid, ((int[])col.Data).AsSpan(col.Offset, gid.Length), col); break;
            }
        }

        // The loops are here, not in Add (which only picks the element type): this is what must be optimized at once.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Sum<T>(ReadOnlySpan<int> gid, ReadOnlySpan<T> v, ColumnSlice col) where T : struct, System.Numerics.INumberBase<T>
        {
            var s = _s;
            var n = _n;
            if (col.Defs is null)
            {
                for (int i = 0; i < gid.Length; i++)
                {
                    int g = gid[i];
                    if (g < 0) continue;
                    s[g] += double.CreateTruncating(v[i]);
                    if (withCount) n[g]++;
                }
                return;
            }
            var d = col.Defs.AsSpan(col.Offset, gid.Length);
            for (int i = 0; i < gid.Length; i++)
            {
                int g = gid[i];
                if (g < 0 || d[i] == 0) continue;
                s[g] += double.CreateTruncating(v[i]);
                if (withCount) n[g]++;
            }
        }

        public override Column[] Columns(int groups)
            => withCount ? [Column.Of(Head(_s, groups)), Column.Of(Head(_n, groups))] : [Column.Of(Head(_s, groups))];
    }

    /// <summary>Sum of an integer column: an Int64 sum (wrapping like <see cref="AggKernels"/>' sum).</summary>
    private sealed class LongSumState(ColumnType type) : State
    {
        private long[] _s = [];
        protected override void Resize(int capacity) => Array.Resize(ref _s, capacity);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Add(ReadOnlySpan<int> gid, ColumnSlice col)
        {
            if (type == ColumnType.Int64) Sum(gid, ((long[])col.Data).AsSpan(col.Offset, gid.Length), col.Defs, col.Offset);
            else Sum(gid, ((int[])col.Data).AsSpan(col.Offset, gid.Length), col.Defs, col.Offset);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Sum<T>(ReadOnlySpan<int> gid, ReadOnlySpan<T> v, int[]? defs, int offset) where T : struct, System.Numerics.IBinaryInteger<T>
        {
            var s = _s;
            if (defs is null) { for (int i = 0; i < gid.Length; i++) { int g = gid[i]; if (g >= 0) s[g] += long.CreateTruncating(v[i]); } return; }
            var d = defs.AsSpan(offset, gid.Length);
            for (int i = 0; i < gid.Length; i++) { int g = gid[i]; if (g >= 0 && d[i] != 0) s[g] += long.CreateTruncating(v[i]); }
        }

        public override Column[] Columns(int groups) => [Column.Of(Head(_s, groups))];
    }

    /// <summary>Min or Max of a Double column: NaN is skipped, a group without a value is missing.</summary>
    private sealed class DoubleExtremeState(bool max) : State
    {
        private double[] _best = [];
        private bool[] _has = [];
        protected override void Resize(int capacity) { Array.Resize(ref _best, capacity); Array.Resize(ref _has, capacity); }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Add(ReadOnlySpan<int> gid, ColumnSlice col)
        {
            var v = ((double[])col.Data).AsSpan(col.Offset, gid.Length);
            var d = col.Defs is null ? default : col.Defs.AsSpan(col.Offset, gid.Length);
            bool all = col.Defs is null;
            var best = _best;
            var has = _has;
            for (int i = 0; i < gid.Length; i++)
            {
                int g = gid[i];
                double x = v[i];
                if (g < 0 || !all && d[i] == 0 || double.IsNaN(x)) continue;
                if (!has[g] || (max ? x > best[g] : x < best[g])) { best[g] = x; has[g] = true; }
            }
        }

        public override Column[] Columns(int groups) => [Column.Of(Head(_best, groups), Missing(_has, groups))];
    }

    /// <summary>Min or Max of an Int32 or Int64 column; a group without a value is missing.</summary>
    private sealed class IntegerExtremeState(bool max, ColumnType type) : State
    {
        private long[] _best = [];
        private bool[] _has = [];
        protected override void Resize(int capacity) { Array.Resize(ref _best, capacity); Array.Resize(ref _has, capacity); }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Add(ReadOnlySpan<int> gid, ColumnSlice col)
        {
            if (type == ColumnType.Int64) Pick(gid, ((long[])col.Data).AsSpan(col.Offset, gid.Length), col);
            else Pick(gid, ((int[])col.Data).AsSpan(col.Offset, gid.Length), col);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Pick<T>(ReadOnlySpan<int> gid, ReadOnlySpan<T> v, ColumnSlice col) where T : struct, System.Numerics.IBinaryInteger<T>
        {
            var d = col.Defs is null ? default : col.Defs.AsSpan(col.Offset, gid.Length);
            bool all = col.Defs is null;
            var best = _best;
            var has = _has;
            for (int i = 0; i < gid.Length; i++)
            {
                int g = gid[i];
                if (g < 0 || !all && d[i] == 0) continue;
                long x = long.CreateTruncating(v[i]);
                if (!has[g] || (max ? x > best[g] : x < best[g])) { best[g] = x; has[g] = true; }
            }
        }

        public override Column[] Columns(int groups)
        {
            var valid = Missing(_has, groups);
            if (type == ColumnType.Int64) return [Column.Of(Head(_best, groups), valid)];
            var ints = new int[groups];
            for (int g = 0; g < groups; g++) ints[g] = (int)_best[g];
            return [Column.Of(ints, valid)];
        }
    }
}
