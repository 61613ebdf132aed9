namespace TaskGraph.Frames;

/// <summary>
/// Parses whole CSV lines of one byte block into typed columns. Blocks without quotes (the common case) go in
/// batches of lines: a vectorised delimiter scan records where each wanted field starts and ends and checks
/// every line's field count, then each wanted column parses its batch in one type-specialised loop (see
/// <see cref="ColumnBuilder.AppendFields"/>), so no per-field dispatch on the column type remains. Blocks with
/// quotes take a general one-pass parser (RFC 4180). Unwanted columns are never parsed (projection pushdown).
/// </summary>
internal static class CsvBlockParser
{
    /// <summary>What a parse needs to know.</summary>
    internal sealed record Request(
        string File,
        long BlockOffset,
        string[] FileColumns,
        ColumnType[] FileTypes,
        int[] Wanted,
        CsvOptions Options,
        long LinesBefore = -1);

    /// <summary>Parses <paramref name="data"/> (whole lines) into a table of the wanted columns.</summary>
    public static Table Parse(ReadOnlySpan<byte> data, Request req, out int badLines)
    {
        var state = new State(req, EstimateRows(data, data.Length));
        state.Parse(data, req.BlockOffset);
        badLines = state.BadLines;
        return state.Finish();
    }

    /// <summary>Builders and counters of one block, fed window by window (whole lines each time).</summary>
    internal sealed class State
    {
        private readonly Request _req;
        private readonly int[] _target;
        private readonly ColumnBuilder[] _builders;
        private readonly FieldBatch _batch;
        private int _rows, _bad;

        public State(Request req, int estimateRows)
        {
            _req = req;
            _target = new int[req.FileColumns.Length];
            Array.Fill(_target, -1);
            for (int w = 0; w < req.Wanted.Length; w++) _target[req.Wanted[w]] = w;
            _builders = new ColumnBuilder[req.Wanted.Length];
            for (int w = 0; w < _builders.Length; w++) _builders[w] = new ColumnBuilder(req.FileTypes[req.Wanted[w]], estimateRows, req.Options.MaxDictionarySize);
            _batch = new FieldBatch(req.Wanted.Length);
        }

        public int BadLines => _bad;

        /// <summary>Rows parsed since the start or the last <see cref="Reset"/>.</summary>
        public int Rows => _rows;

        /// <summary>Empties the builders, keeping their buffers and string dictionaries, for the next window.</summary>
        public void Reset()
        {
            foreach (var b in _builders) b.Truncate(0);
            _rows = 0;
        }

        /// <summary>Parses whole lines that start at file offset <paramref name="offset"/>.</summary>
        public void Parse(ReadOnlySpan<byte> data, long offset)
        {
            var req = _req with { BlockOffset = offset };
            if (req.Options.NullText is null && data.IndexOf((byte)'"') < 0) ParseUnquoted(data, req, _target, _builders, _batch, ref _rows, ref _bad);
            else ParseGeneral(data, req, _target, _builders, ref _rows, ref _bad);
        }

        public Table Finish()
        {
            var fields = _req.Wanted.Select(w => new Field(_req.FileColumns[w], _req.FileTypes[w]));
            return new Table(new Schema(fields), _builders.Select(b => b.Build()).ToArray(), _rows);
        }
    }

    private static void ParseGeneral(ReadOnlySpan<byte> data, Request req, int[] target, ColumnBuilder[] builders, ref int rows, ref int badLines)
    {
        var opt = req.Options;
        byte sep = opt.Sep;
        int ncols = req.FileColumns.Length;
        int lastWanted = req.Wanted.Length == 0 ? -1 : req.Wanted.Max();
        byte[]? nullText = opt.NullText is null ? null : System.Text.Encoding.UTF8.GetBytes(opt.NullText);
        bool noQuotes = data.IndexOf((byte)'"') < 0;
        byte[] scratch = [];
        int p = 0, n = data.Length;

        while (p < n)
        {
            int lineStart = p;
            // blank lines are skipped, like pandas does
            if (data[p] == (byte)'\n') { p++; continue; }
            if (data[p] == (byte)'\r' && p + 1 < n && data[p + 1] == (byte)'\n') { p += 2; continue; }
            string? problem = null;
            int badColumn = 0;
            for (int c = 0; c < ncols; c++)
            {
                if (noQuotes && c > lastWanted)
                {
                    // The rest of the line is unwanted: jump to its end, counting separators for validation.
                    int eol = data.Slice(p).IndexOf((byte)'\n');
                    int end = eol < 0 ? n : p + eol;
                    int seps = data.Slice(p, end - p).Count(sep);
                    if (seps != ncols - 1 - c)
                    {
                        problem = $"expected {ncols} fields, found {c + seps + 1}";
                        badColumn = seps > ncols - 1 - c ? ncols + 1 : c + seps + 1;
                        p = end; // for the error path below
                        break;
                    }
                    p = end + 1;
                    break;
                }
                ReadOnlySpan<byte> field;
                bool atEol, quotedEmpty = false;
                int q;
                if (p < n && data[p] == (byte)'"')
                {
                    // RFC 4180 quoted field: "" is a literal quote; separators and newlines inside are data.
                    int len = 0;
                    q = p + 1;
                    bool closed = false;
                    while (q < n)
                    {
                        byte b = data[q];
                        if (b == (byte)'"')
                        {
                            if (q + 1 < n && data[q + 1] == (byte)'"') { Put(ref scratch, len++, b); q += 2; continue; }
                            closed = true;
                            q++;
                            break;
                        }
                        Put(ref scratch, len++, b);
                        q++;
                    }
                    if (!closed) { problem = "unbalanced quote (the quoted field never ends)"; badColumn = c + 1; break; }
                    if (q < n && data[q] == (byte)'\r' && q + 1 < n && data[q + 1] == (byte)'\n') q++;
                    if (q < n && data[q] != sep && data[q] != (byte)'\n') { problem = "unexpected character after a closing quote"; badColumn = c + 1; break; }
                    atEol = q >= n || data[q] == (byte)'\n';
                    field = scratch.AsSpan(0, len);
                    quotedEmpty = len == 0;
                }
                else
                {
                    q = p;
                    while (q < n)
                    {
                        byte b = data[q];
                        if (b == sep || b == (byte)'\n') break;
                        q++;
                    }
                    atEol = q >= n || data[q] == (byte)'\n';
                    int fe = q;
                    if (atEol && fe > p && data[fe - 1] == (byte)'\r') fe--;
                    field = data.Slice(p, fe - p);
                }
                if (atEol && c < ncols - 1) { problem = $"expected {ncols} fields, found {c + 1}"; badColumn = c + 1; p = q; break; }
                if (!atEol && c == ncols - 1) { problem = $"expected {ncols} fields, found more"; badColumn = ncols + 1; p = q; break; }
                int t = target[c];
                if (t >= 0)
                {
                    if (quotedEmpty && req.FileTypes[c] == ColumnType.String) builders[t].AppendEmptyString();
                    else if (nullText is not null && field.SequenceEqual(nullText)) builders[t].AppendNull();
                    else if (!builders[t].Append(field))
                    {
                        problem = $"'{System.Text.Encoding.UTF8.GetString(field)}' is not a valid {req.FileTypes[c]}";
                        badColumn = c + 1;
                        p = q;
                        break;
                    }
                }
                p = q + 1;
            }
            if (problem is null) { rows++; continue; }
            if (!opt.SkipBadLines)
            {
                string? name = badColumn >= 1 && badColumn <= ncols ? req.FileColumns[badColumn - 1] : null;
                throw new CsvFormatException(req.File, LineOf(req, data, lineStart), badColumn, name, problem);
            }
            badLines++;
            foreach (var b in builders) b.Truncate(rows);
            // skip to the next line
            int next = p < n ? data.Slice(p).IndexOf((byte)'\n') : -1;
            p = next < 0 ? n : p + next + 1;
            if (p <= lineStart) p = lineStart + 1;
        }

    }

    /// <summary>Where the wanted fields of a batch of lines lie: per wanted column, the start and end of each line's field.</summary>
    private sealed class FieldBatch(int wanted)
    {
        /// <summary>Lines per batch: the batch's text and field positions stay in L2 while its columns are parsed.</summary>
        public const int Lines = 1024;
        public readonly int[] Starts = new int[wanted * Lines];
        public readonly int[] Ends = new int[wanted * Lines];
        public readonly int[] LineStarts = new int[Lines];
        public int Count;

        /// <summary>Drops line <paramref name="row"/> from the batch (a bad line being skipped).</summary>
        public void Remove(int row, int wantedColumns)
        {
            for (int w = 0; w < wantedColumns; w++)
            {
                Array.Copy(Starts, w * Lines + row + 1, Starts, w * Lines + row, Count - row - 1);
                Array.Copy(Ends, w * Lines + row + 1, Ends, w * Lines + row, Count - row - 1);
            }
            Array.Copy(LineStarts, row + 1, LineStarts, row, Count - row - 1);
            Count--;
        }
    }

    /// <summary>The fast path for blocks without quotes: field positions from <see cref="DelimiterScanner"/>, a batch of lines at a time.</summary>
    private static void ParseUnquoted(ReadOnlySpan<byte> data, Request req, int[] target, ColumnBuilder[] builders, FieldBatch batch, ref int rows, ref int badLines)
    {
        var scan = new DelimiterScanner(data, req.Options.Sep);
        int p = 0;
        while (p < data.Length)
        {
            p = ScanBatch(data, req, target, batch, ref scan, p, ref badLines, out var malformed);
            ParseBatch(data, req, builders, batch, rows, ref badLines);
            rows += batch.Count;
            // Raised after the lines before it were parsed, so the first bad line of the block is the one named.
            if (malformed is not null) throw malformed;
        }
    }

    /// <summary>
    /// Fills <paramref name="batch"/> with up to <see cref="FieldBatch.Lines"/> well-formed lines from
    /// <paramref name="p"/> and returns where it stopped: at a line with the wrong number of fields, when bad lines
    /// are not skipped, with that line's error in <paramref name="malformed"/>.
    /// </summary>
    private static int ScanBatch(ReadOnlySpan<byte> data, Request req, int[] target, FieldBatch batch, ref DelimiterScanner scan, int p, ref int badLines, out CsvFormatException? malformed)
    {
        malformed = null;
        int ncols = req.FileColumns.Length, n = data.Length, count = 0;
        var starts = batch.Starts;
        var ends = batch.Ends;
        while (p < n && count < FieldBatch.Lines)
        {
            int lineStart = p;
            if (data[p] == (byte)'\n') { p++; scan.SkipTo(p); continue; }
            if (data[p] == (byte)'\r' && p + 1 < n && data[p + 1] == (byte)'\n') { p += 2; scan.SkipTo(p); continue; }
            bool good = true;
            for (int c = 0; c < ncols; c++)
            {
                int q = scan.Next();
                bool atEol = q >= n || data[q] == (byte)'\n';
                if (atEol != (c == ncols - 1))
                {
                    if (!req.Options.SkipBadLines)
                    {
                        int badColumn = atEol ? c + 1 : ncols + 1;
                        string? name = badColumn <= ncols ? req.FileColumns[badColumn - 1] : null;
                        malformed = new CsvFormatException(req.File, LineOf(req, data, lineStart), badColumn, name,
                            atEol ? $"expected {ncols} fields, found {c + 1}" : $"expected {ncols} fields, found more");
                        batch.Count = count;
                        return n;
                    }
                    badLines++;
                    int next = q < n ? data.Slice(q).IndexOf((byte)'\n') : -1;
                    p = next < 0 ? n : q + next + 1;
                    scan.SkipTo(p);
                    good = false;
                    break;
                }
                int t = target[c];
                if (t >= 0)
                {
                    int fe = q;
                    if (atEol && fe > p && data[fe - 1] == (byte)'\r') fe--;
                    starts[t * FieldBatch.Lines + count] = p;
                    ends[t * FieldBatch.Lines + count] = fe;
                }
                p = q + 1;
            }
            if (good) batch.LineStarts[count++] = lineStart;
        }
        batch.Count = count;
        return p;
    }

    /// <summary>
    /// Appends the batch column by column. A value that does not parse fails naming its line and column, or, when
    /// bad lines are skipped, drops that line from every column and parses the batch again.
    /// </summary>
    private static void ParseBatch(ReadOnlySpan<byte> data, Request req, ColumnBuilder[] builders, FieldBatch batch, int rowsBefore, ref int badLines)
    {
        while (true)
        {
            int failedColumn = -1, failedRow = -1;
            for (int w = 0; w < builders.Length && failedRow < 0; w++)
            {
                failedRow = builders[w].AppendFields(data, batch.Starts.AsSpan(w * FieldBatch.Lines, batch.Count), batch.Ends.AsSpan(w * FieldBatch.Lines, batch.Count));
                failedColumn = w;
            }
            if (failedRow < 0) return;
            int c = req.Wanted[failedColumn];
            int s = batch.Starts[failedColumn * FieldBatch.Lines + failedRow], e = batch.Ends[failedColumn * FieldBatch.Lines + failedRow];
            if (!req.Options.SkipBadLines)
                throw new CsvFormatException(req.File, LineOf(req, data, batch.LineStarts[failedRow]), c + 1, req.FileColumns[c],
                    $"'{System.Text.Encoding.UTF8.GetString(data.Slice(s, e - s))}' is not a valid {req.FileTypes[c]}");
            badLines++;
            foreach (var b in builders) b.Truncate(rowsBefore);
            batch.Remove(failedRow, builders.Length);
        }
    }

    private static void Put(ref byte[] scratch, int at, byte b)
    {
        if (at >= scratch.Length) Array.Resize(ref scratch, Math.Max(64, scratch.Length * 2));
        scratch[at] = b;
    }

    /// <summary>Rows expected in <paramref name="totalBytes"/> bytes, from the line density of a sample.</summary>
    internal static int EstimateRows(ReadOnlySpan<byte> sample, long totalBytes)
    {
        int len = Math.Min(sample.Length, 64 * 1024);
        int lines = Math.Max(1, sample.Slice(0, len).Count((byte)'\n'));
        return (int)Math.Min(int.MaxValue / 2, totalBytes * lines / Math.Max(1, len) * 21 / 20 + 16);
    }

    /// <summary>The 1-based line number of a block offset; counts newlines before the block only on this error path.</summary>
    private static long LineOf(Request req, ReadOnlySpan<byte> data, int offsetInBlock)
    {
        long before = req.LinesBefore >= 0 ? req.LinesBefore : req.BlockOffset > 0 ? LineAt(req.File, req.BlockOffset) - 1 : 0;
        return before + data.Slice(0, offsetInBlock).Count((byte)'\n') + 1;
    }

    /// <summary>The 1-based line of byte <paramref name="offset"/> of <paramref name="file"/> (newlines before it, plus one; error paths only).</summary>
    internal static long LineAt(string file, long offset)
    {
        long lines = 0;
        if (offset > 0 && File.Exists(file))
        {
            using var fs = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            var buf = new byte[1 << 16];
            long left = offset;
            while (left > 0)
            {
                int got = fs.Read(buf, 0, (int)Math.Min(buf.Length, left));
                if (got <= 0) break;
                lines += buf.AsSpan(0, got).Count((byte)'\n');
                left -= got;
            }
        }
        return lines + 1;
    }
}
