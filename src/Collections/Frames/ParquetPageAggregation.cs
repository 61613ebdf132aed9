using System.Buffers;
using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;
using Parquet;
using Parquet.Schema;

namespace TaskGraph.Frames;

/// <summary>
/// A group-by's chunk over a Parquet part computed page by page: the needed column chunks of a row group are walked
/// side by side, each column decoded <see cref="Batch"/> rows at a time (or up to the end of its page) into a small
/// buffer, and every stretch of rows that all columns' buffers cover is filtered and aggregated at once, while it is
/// in cache (an <see cref="AggAccumulator"/> keeps the running states). No whole-row-group column is built: a string
/// key stays dictionary codes (mapped to group ids through one array), and no string is stored per row. A column
/// that is only counted is not read at all in a row group without missing values in it (required, or its
/// statistics' null count is 0): its count is the rows'. Used when the key is one String, Int32 or Int64 column, the
/// aggregations are ones the accumulator keeps, every column is one <see cref="ParquetColumnDecoder"/> decodes, and
/// the steps before the group-by only filter and select; otherwise (or when a page has an encoding the decoder does
/// not know) the caller reads whole columns and chunks the table.
/// </summary>
internal static class ParquetPageAggregation
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> s_rowGroups = new(StringComparer.Ordinal);

    /// <summary>Row groups of <paramref name="file"/> aggregated page by page so far in this process: for tests.</summary>
    internal static long RowGroupsAggregated(string file) => s_rowGroups.TryGetValue(Path.GetFullPath(file), out long n) ? n : 0;

    /// <summary>The part's partial aggregate, or null when this path does not apply (see the class remarks).</summary>
    public static AggPartial? TryChunk(ParquetPart part, Schema schema, PartitionOp[] ops, string[] keys, Aggregation[] aggs, Expr? predicate, bool dropNa)
    {
        if (!dropNa || keys.Length != 1 || !schema.Contains(keys[0])) return null;
        var filter = FiltersOf(ops, predicate, out bool onlyFilters);
        if (!onlyFilters) return null;
        var keyType = schema[keys[0]].Type;
        if (keyType is not (ColumnType.String or ColumnType.Int32 or ColumnType.Int64)) return null;
        if (!aggs.All(a => a.Column is null || schema.Contains(a.Column)) || !AggAccumulator.Supports(aggs, c => schema[c].Type)) return null;
        var names = new List<string> { keys[0] };
        foreach (var a in aggs) if (a.Column is not null && !names.Contains(a.Column)) names.Add(a.Column);
        if (filter is not null) foreach (var c in filter.Columns) if (!names.Contains(c)) names.Add(c);
        if (!names.All(c => schema.Contains(c) && schema[c].Type is ColumnType.Int32 or ColumnType.Int64 or ColumnType.Double or ColumnType.String)) return null;
        var columns = new Schema(names.Select(c => schema[c]));
        return ParquetFiles.WithRowGroups(part, columns, ParquetStatistics.LeadingPredicate(ops, predicate),
            (handle, fields, groups, _) => new Run(part.File, handle, columns, fields, aggs, filter).Chunk(groups));
    }

    /// <summary>The steps' filters and the group-by's predicate as one (null: none); <paramref name="onlyFilters"/> is false when a step does more than filter or select.</summary>
    private static Expr? FiltersOf(PartitionOp[] ops, Expr? predicate, out bool onlyFilters)
    {
        Expr? p = null;
        onlyFilters = true;
        foreach (var op in ops)
        {
            if (op is FilterOp f) p = p is null ? f.Predicate : p & f.Predicate;
            else if (op is not ProjectOp proj || !proj.Exprs.Select((e, i) => e is ColumnRef c && c.Name == proj.Names[i]).All(x => x)) { onlyFilters = false; return null; }
        }
        return predicate is null ? p : p is null ? predicate : p & predicate;
    }

    /// <summary>Rows decoded and aggregated at a time: a few columns of them stay in the core's cache.</summary>
    internal const int Batch = 4096;

    /// <summary>One part's walk: the columns' sinks and batch buffers, the key's group ids, and the accumulator.</summary>
    private sealed class Run
    {
        private readonly string _file;
        private readonly SafeFileHandle _handle;
        private readonly Schema _columns;
        private readonly DataField[] _fields;
        private readonly Aggregation[] _aggs;
        private readonly Expr? _filter;
        private readonly int[] _aggColumn; // column index of each aggregation (-1: Size)
        private readonly bool[] _countedOnly; // columns only counted (not the key, nor filtered on, nor otherwise aggregated)
        private readonly AggAccumulator _acc;
        private readonly ParquetColumnDecoder.Sink[] _sinks;
        private readonly Array[] _buffers;
        private readonly List<Array> _rented = [];
        // group ids: of a string key's codes (-1: no group yet), or of an integer key's values
        private int[] _gidOfCode = [];
        private readonly Dictionary<long, int> _gidOfValue = [];
        private readonly List<int> _firstCode = [];
        private readonly List<long> _firstValue = [];
        private int _groups;

        public Run(string file, SafeFileHandle handle, Schema columns, DataField[] fields, Aggregation[] aggs, Expr? filter)
        {
            _file = file;
            _handle = handle;
            _columns = columns;
            _fields = fields;
            _aggs = aggs;
            _filter = filter;
            _aggColumn = aggs.Select(a => a.Column is null ? -1 : columns.IndexOf(a.Column)).ToArray();
            _countedOnly = new bool[columns.Count];
            for (int c = 1; c < columns.Count; c++)
                _countedOnly[c] = (filter is null || !filter.Columns.Contains(columns[c].Name))
                    && aggs.Where(a => a.Column == columns[c].Name).All(a => a.Kind == AggKind.Count);
            _acc = new AggAccumulator(aggs, _aggColumn.Select(c => c < 0 ? ColumnType.Int64 : columns[c].Type).ToArray());
            _sinks = new ParquetColumnDecoder.Sink[columns.Count];
            _buffers = new Array[columns.Count];
        }

        private bool StringKey => _columns[0].Type == ColumnType.String;

        public AggPartial? Chunk(List<(int Index, ParquetRowGroupReader Reader)> groups)
        {
            var chunks = new Parquet.Meta.ColumnChunk[groups.Count][];
            for (int g = 0; g < groups.Count; g++)
            {
                chunks[g] = new Parquet.Meta.ColumnChunk[_fields.Length];
                for (int c = 0; c < _fields.Length; c++)
                {
                    var chunk = groups[g].Reader.GetMetadata(_fields[c]);
                    if (chunk is null || !ParquetColumnDecoder.Handles(chunk, _columns[c].Type)) return null;
                    chunks[g][c] = chunk;
                }
            }
            try
            {
                for (int c = 0; c < _columns.Count; c++) MakeSink(c, Batch);
                var gid = Rent<int>(Batch);
                var pass = Rent<bool>(Batch);
                for (int g = 0; g < groups.Count; g++)
                    if (!RowGroup(groups[g].Index, (int)groups[g].Reader.RowCount, chunks[g], gid, pass)) return null;
            }
            finally
            {
                foreach (var a in _rented) Return(a);
            }
            if (_columns.Count > 0) ParquetFiles.CountDecoded(_file, groups.Count);
            s_rowGroups.AddOrUpdate(Path.GetFullPath(_file), groups.Count, (_, k) => k + groups.Count);
            return new AggPartial(new Table(new Schema([_columns[0]]), [KeyColumn()], _groups), _acc.States(_groups), new object?[]?[_aggs.Length]);
        }

        private T[] Rent<T>(int n)
        {
            var a = ArrayPool<T>.Shared.Rent(n);
            _rented.Add(a);
            return a;
        }

        private static void Return(Array a)
        {
            switch (a)
            {
                case int[] i: ArrayPool<int>.Shared.Return(i); break;
                case long[] l: ArrayPool<long>.Shared.Return(l); break;
                case double[] d: ArrayPool<double>.Shared.Return(d); break;
                case bool[] b: ArrayPool<bool>.Shared.Return(b); break;
            }
        }

        private void MakeSink(int c, int rows)
        {
            int n = Math.Max(rows, 1);
            switch (_columns[c].Type)
            {
                case ColumnType.Int32: var i = Rent<int>(n); _buffers[c] = i; _sinks[c] = new ParquetColumnDecoder.NumberSink<int>(i); break;
                case ColumnType.Int64: var l = Rent<long>(n); _buffers[c] = l; _sinks[c] = new ParquetColumnDecoder.NumberSink<long>(l); break;
                case ColumnType.Double: var d = Rent<double>(n); _buffers[c] = d; _sinks[c] = new ParquetColumnDecoder.NumberSink<double>(d); break;
                default: var codes = Rent<int>(n); _buffers[c] = codes; _sinks[c] = new ParquetColumnDecoder.StringSink(null, codes, int.MaxValue); break;
            }
        }

        /// <summary>
        /// Aggregates one row group; false when a page has an encoding the decoder does not know. A column that is only
        /// counted is not read where it cannot miss a value (required, or its statistics count no missing value): its
        /// count is the rows'.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private bool RowGroup(int index, int rows, Parquet.Meta.ColumnChunk[] chunks, int[] gid, bool[] pass)
        {
            int k = _columns.Count;
            var bytes = new ArraySegment<byte>[k];
            var pages = new ParquetColumnDecoder.Pages?[k];
            var left = new int[k];
            var at = new int[k];
            var defs = new int[]?[k];
            var slices = new ColumnSlice[_aggs.Length];
            var skip = new bool[k];
            int c = 0, decoded = 0;
            try
            {
                for (c = 0; c < k; c++)
                {
                    skip[c] = _countedOnly[c] && (!_fields[c].IsNullable || chunks[c].MetaData!.Statistics?.NullCount == 0);
                    if (skip[c]) { left[c] = int.MaxValue; continue; }
                    bytes[c] = ParquetColumnDecoder.ReadChunk(_handle, chunks[c]);
                    pages[c] = new ParquetColumnDecoder.Pages(bytes[c], chunks[c], _fields[c].IsNullable, rows);
                    decoded++;
                }
                int done = 0;
                while (done < rows)
                {
                    int w = rows - done;
                    for (c = 0; c < k; c++)
                    {
                        if (left[c] == 0)
                        {
                            var p = pages[c]!;
                            if (p.PageLeft == 0 && p.NextPage(_sinks[c]) == 0) throw new InvalidDataException($"the column chunk ends after {done} of {rows} rows");
                            left[c] = Math.Min(Batch, p.PageLeft);
                            p.Read(_sinks[c], 0, left[c], out defs[c]);
                            at[c] = 0;
                        }
                        w = Math.Min(w, left[c]);
                    }
                    c = -1;
                    bool[]? mask = _filter is null ? null : Filter(w, at, defs, pass);
                    GroupIds(w, at[0], defs[0], mask, gid);
                    for (int a = 0; a < _aggs.Length; a++)
                    {
                        int col = _aggColumn[a];
                        slices[a] = col < 0 ? default : new ColumnSlice(_buffers[col], at[col], defs[col]);
                    }
                    _acc.Add(gid.AsSpan(0, w), _groups, slices);
                    for (c = 0; c < k; c++) if (!skip[c]) { at[c] += w; left[c] -= w; }
                    done += w;
                }
                ParquetFiles.CountDirect(_file, decoded);
                return true;
            }
            catch (NotSupportedException) { return false; } // an encoding the decoder does not know: the caller reads whole columns
            catch (Exception e) when (e is not OperationCanceledException and not ParquetFileException)
            {
                string what = c >= 0 && c < k ? $"column '{_columns[c].Name}'" : "a column";
                throw new ParquetFileException(_file, index, $"{what} cannot be read ({e.Message})", e);
            }
            finally
            {
                foreach (var p in pages) p?.Dispose();
                foreach (var b in bytes) if (b.Array is { } buffer) ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>Which of the next <paramref name="w"/> rows pass the filter (missing counts as false), in <paramref name="pass"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private bool[] Filter(int w, int[] at, int[]?[] defs, bool[] pass)
        {
            if (!TryCompare(_filter!, w, at, defs, pass))
            {
                var mask = _filter!.Evaluate(WindowTable(w, at, defs));
                var v = mask.Bools;
                for (int i = 0; i < w; i++) pass[i] = v[i] && mask.IsValid(i);
            }
            return pass;
        }

        /// <summary>A column compared with a number (or a conjunction of such), straight over the page buffers; false when the filter is of another form.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private bool TryCompare(Expr e, int w, int[] at, int[]?[] defs, bool[] pass)
        {
            if (e is Binary { Op: BinaryOp.And } and)
            {
                if (!IsFast(and.Left) || !IsFast(and.Right)) return false;
                TryCompare(and.Left, w, at, defs, pass);
                var right = ArrayPool<bool>.Shared.Rent(w);
                try
                {
                    TryCompare(and.Right, w, at, defs, right);
                    for (int i = 0; i < w; i++) pass[i] &= right[i];
                }
                finally { ArrayPool<bool>.Shared.Return(right); }
                return true;
            }
            if (!IsSimple(e)) return false;
            var b = (Binary)e;
            int c = _columns.IndexOf(((ColumnRef)b.Left).Name);
            var lit = (Literal)b.Right;
            var r = pass.AsSpan(0, w);
            switch (_buffers[c])
            {
                case double[] d: ColumnKernels.CompareScalar(b.Op, d.AsSpan(at[c], w), Convert.ToDouble(lit.Value, System.Globalization.CultureInfo.InvariantCulture), r); break;
                case long[] l: ColumnKernels.CompareScalar(b.Op, l.AsSpan(at[c], w), Convert.ToInt64(lit.Value, System.Globalization.CultureInfo.InvariantCulture), r); break;
                default: ColumnKernels.CompareScalar(b.Op, ((int[])_buffers[c]).AsSpan(at[c], w), (int)lit.Value!, r); break;
            }
            if (defs[c] is { } d0) { var dd = d0.AsSpan(at[c], w); for (int i = 0; i < w; i++) r[i] &= dd[i] != 0; }
            return true;
        }

        private bool IsFast(Expr e) => e is Binary { Op: BinaryOp.And } and ? IsFast(and.Left) && IsFast(and.Right) : IsSimple(e);

        /// <summary>A comparison of a numeric column with a number literal of a type the scalar comparison takes as it is (as <see cref="ColumnKernels"/> does).</summary>
        private bool IsSimple(Expr e)
            => e is Binary { Op: >= BinaryOp.Equal and <= BinaryOp.GreaterOrEqual, Left: ColumnRef col, Right: Literal { Value: not null } lit }
               && _columns.Contains(col.Name)
               && (_columns[col.Name].Type, lit.Type) is (ColumnType.Double, ColumnType.Int32 or ColumnType.Int64 or ColumnType.Double)
                   or (ColumnType.Int64, ColumnType.Int32 or ColumnType.Int64) or (ColumnType.Int32, ColumnType.Int32);

        /// <summary>The filter's columns for the next <paramref name="w"/> rows, as a table (copies: the general filter path).</summary>
        private Table WindowTable(int w, int[] at, int[]?[] defs)
        {
            var fields = new List<Field>();
            var cols = new List<Column>();
            foreach (var name in _filter!.Columns)
            {
                int c = _columns.IndexOf(name);
                bool[]? valid = null;
                if (defs[c] is { } d) { valid = new bool[w]; for (int i = 0; i < w; i++) valid[i] = d[at[c] + i] != 0; }
                Column col;
                switch (_buffers[c])
                {
                    case double[] x: col = new Column(ColumnType.Double, x.AsSpan(at[c], w).ToArray(), w, valid); break;
                    case long[] x: col = new Column(ColumnType.Int64, x.AsSpan(at[c], w).ToArray(), w, valid); break;
                    case int[] x when _columns[c].Type == ColumnType.Int32: col = new Column(ColumnType.Int32, x.AsSpan(at[c], w).ToArray(), w, valid); break;
                    default:
                        var codes = ((int[])_buffers[c]).AsSpan(at[c], w).ToArray();
                        var words = ((ParquetColumnDecoder.StringSink)_sinks[c]).Words;
                        var values = new string?[w];
                        for (int i = 0; i < w; i++) values[i] = codes[i] < 0 ? null : words[codes[i]];
                        col = new Column(ColumnType.String, values, w, valid, codes, words);
                        break;
                }
                fields.Add(_columns[c]);
                cols.Add(col);
            }
            return new Table(new Schema(fields), cols.ToArray(), w);
        }

        /// <summary>The group of each of the next <paramref name="w"/> rows (-1: a missing key or a row the filter drops); new keys get the next ids.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void GroupIds(int w, int at, int[]? defs, bool[]? pass, int[] gid)
        {
            if (StringKey)
            {
                var codes = ((int[])_buffers[0]).AsSpan(at, w);
                int words = ((ParquetColumnDecoder.StringSink)_sinks[0]).WordList.Count;
                if (_gidOfCode.Length < words)
                {
                    int old = _gidOfCode.Length;
                    Array.Resize(ref _gidOfCode, Math.Max(words, old * 2));
                    Array.Fill(_gidOfCode, -1, old, _gidOfCode.Length - old);
                }
                var map = _gidOfCode;
                for (int i = 0; i < w; i++)
                {
                    int code = codes[i];
                    if (code < 0 || pass is not null && !pass[i]) { gid[i] = -1; continue; }
                    int g = map[code];
                    if (g < 0) { g = map[code] = _groups++; _firstCode.Add(code); }
                    gid[i] = g;
                }
                return;
            }
            for (int i = 0; i < w; i++)
            {
                if (defs is not null && defs[at + i] == 0 || pass is not null && !pass[i]) { gid[i] = -1; continue; }
                long v = _buffers[0] is long[] l ? l[at + i] : ((int[])_buffers[0])[at + i];
                if (!_gidOfValue.TryGetValue(v, out int g)) { g = _gidOfValue[v] = _groups++; _firstValue.Add(v); }
                gid[i] = g;
            }
        }

        /// <summary>The key of every group, in group-id order (a string key keeps its codes into the part's dictionary).</summary>
        private Column KeyColumn()
        {
            switch (_columns[0].Type)
            {
                case ColumnType.String:
                    var words = ((ParquetColumnDecoder.StringSink)_sinks[0]).Words;
                    var codes = _firstCode.ToArray();
                    var values = codes.Select(c => words[c]).ToArray();
                    return new Column(ColumnType.String, values, values.Length, null, codes, words);
                case ColumnType.Int64: return Column.Of(_firstValue.ToArray());
                default: return Column.Of(_firstValue.Select(v => (int)v).ToArray());
            }
        }
    }
}
