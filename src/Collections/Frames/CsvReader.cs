using System.Buffers;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace TaskGraph.Frames;

/// <summary>What the start of a CSV file says: column names, their types (inferred or given) and where the data starts.</summary>
public sealed record CsvLayout(string[] Names, ColumnType[] Types, long DataStart)
{
    /// <summary>The schema of the file.</summary>
    public Schema Schema => new(Names.Select((n, i) => new Field(n, Types[i])));
}

/// <summary>Reads CSV text into tables: whole files, strings, or one byte block of a file.</summary>
public static class CsvReader
{
    /// <summary>Reads a whole file.</summary>
    public static Table ReadFile(string path, CsvOptions? options = null) => ReadFile(path, options, out _);

    /// <summary>Reads a whole file; <paramref name="badLines"/> counts lines skipped under <see cref="CsvOptions.SkipBadLines"/>.</summary>
    public static Table ReadFile(string path, CsvOptions? options, out int badLines)
    {
        options ??= new CsvOptions();
        var layout = Sniff(path, options);
        return ReadBlock(new CsvBlock(path, layout.DataStart, new FileInfo(path).Length, layout.DataStart), layout, null, options, out badLines);
    }

    /// <summary>Parses CSV text held in memory.</summary>
    public static Table Parse(string text, CsvOptions? options = null) => Parse(text, options, out _);

    /// <summary>Parses CSV text held in memory, counting skipped bad lines.</summary>
    public static Table Parse(string text, CsvOptions? options, out int badLines)
    {
        options ??= new CsvOptions();
        var bytes = Encoding.UTF8.GetBytes(text);
        var layout = Sniff(bytes, options, "<memory>");
        long headerLines = bytes.AsSpan(0, (int)layout.DataStart).Count((byte)'\n');
        var req = new CsvBlockParser.Request("<memory>", 0, layout.Names, layout.Types, Enumerable.Range(0, layout.Names.Length).ToArray(), options, headerLines);
        return ParseAt(bytes.AsSpan((int)layout.DataStart), req, (int)layout.DataStart, out badLines);
    }

    private static Table ParseAt(ReadOnlySpan<byte> data, CsvBlockParser.Request req, int offset, out int badLines)
        => CsvBlockParser.Parse(data, req with { BlockOffset = offset }, out badLines);

    /// <summary>Reads the header and a sample at the start of <paramref name="path"/> and infers the column types.</summary>
    public static CsvLayout Sniff(string path, CsvOptions options)
    {
        using var handle = File.OpenHandle(path);
        long len = RandomAccess.GetLength(handle);
        var buf = new byte[(int)Math.Min(len, options.SampleBytes)];
        int got = ReadFully(handle, buf, 0);
        return Sniff(buf.AsSpan(0, got), options, path, got == len);
    }

    /// <summary>A file's length and last write time (UTC ticks), from an open handle.</summary>
    internal static (long Length, long LastWriteUtcTicks) Stamp(SafeFileHandle handle)
        => (RandomAccess.GetLength(handle), File.GetLastWriteTimeUtc(handle).Ticks);

    /// <summary>A file's length and last write time (UTC ticks).</summary>
    internal static (long Length, long LastWriteUtcTicks) Stamp(string path)
    {
        using var handle = File.OpenHandle(path);
        return Stamp(handle);
    }

    /// <summary>The file's stamp now; throws <see cref="FileChangedException"/> if it differs from the one the block was planned with.</summary>
    private static (long Length, long LastWriteUtcTicks) CheckUnchanged(CsvBlock block, SafeFileHandle handle)
    {
        var now = Stamp(handle);
        if (block.FileLength >= 0 && (now.Length != block.FileLength || now.LastWriteUtcTicks != block.LastWriteUtcTicks))
            throw new FileChangedException(block.File, block.FileLength, block.LastWriteUtcTicks, now.Length, now.LastWriteUtcTicks);
        return now;
    }

    /// <summary>Throws <see cref="FileChangedException"/> if the file no longer has the stamp it had when it was opened (changed while being read).</summary>
    private static void CheckStill(string file, SafeFileHandle handle, (long Length, long LastWriteUtcTicks) opened)
    {
        var now = Stamp(handle);
        if (now != opened) throw new FileChangedException(file, opened.Length, opened.LastWriteUtcTicks, now.Length, now.LastWriteUtcTicks);
    }

    /// <summary>
    /// <paramref name="bytes"/> when they are valid UTF-8; otherwise, by <see cref="CsvOptions.InvalidUtf8"/>, an
    /// <see cref="InvalidUtf8Exception"/> naming the file, byte offset and line, or a copy with U+FFFD for each
    /// invalid sequence (newlines, quotes and separators are ASCII and stay, so lines and fields do not move).
    /// </summary>
    private static ReadOnlySpan<byte> ValidUtf8(ReadOnlySpan<byte> bytes, long offset, string file, CsvOptions options)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes)) return bytes;
        if (options.InvalidUtf8 == InvalidUtf8Handling.Replace) return Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes));
        long at = offset + InvalidUtf8Exception.FirstInvalid(bytes);
        throw new InvalidUtf8Exception(file, at, CsvBlockParser.LineAt(file, at));
    }

    internal static CsvLayout Sniff(ReadOnlySpan<byte> sample, CsvOptions options, string file, bool whole = true)
    {
        // Keep whole lines only (the sample may end mid-line).
        if (!whole)
        {
            int last = sample.LastIndexOf((byte)'\n');
            if (last >= 0) sample = sample.Slice(0, last + 1);
        }
        int bom = 0;
        if (sample.Length >= 3 && sample[0] == 0xEF && sample[1] == 0xBB && sample[2] == 0xBF) { sample = sample.Slice(3); bom = 3; }
        string[] names;
        long dataStart;
        int firstEol = sample.IndexOf((byte)'\n');
        int headerLen = firstEol < 0 ? sample.Length : firstEol + 1;
        // Bad bytes in the header or the sample fail now, at build time (offsets count from the file's start).
        var header = ValidUtf8(sample.Slice(0, headerLen), bom, file, options);
        var firstFields = SplitLine(header, options.Sep);
        if (options.Header)
        {
            names = firstFields.Select((f, i) => f.Length == 0 ? $"column{i}" : f).ToArray();
            dataStart = headerLen + bom;
        }
        else
        {
            names = firstFields.Select((_, i) => $"column{i}").ToArray();
            dataStart = bom;
        }
        if (names.Length == 0 || (names.Length == 1 && names[0] == "column0" && sample.Length == 0))
            return new CsvLayout([], [], dataStart);
        var dup = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new CsvFormatException(file, 1, Array.IndexOf(names, dup.Key) + 1, dup.Key, "duplicate column name");
        var strings = new ColumnType[names.Length];
        Array.Fill(strings, ColumnType.String);
        var req = new CsvBlockParser.Request(file, 0, names, strings, Enumerable.Range(0, names.Length).ToArray(),
            options with { MaxDictionarySize = 0, SkipBadLines = true });
        int bodyStart = (int)Math.Min(sample.Length, dataStart - bom);
        var body = ValidUtf8(sample.Slice(bodyStart), bom + bodyStart, file, options);
        var table = CsvBlockParser.Parse(body, req, out _);
        var types = new ColumnType[names.Length];
        for (int c = 0; c < names.Length; c++)
            types[c] = options.ColumnTypes is { } given && given.TryGetValue(names[c], out var t) ? t : Infer(table[c]);
        if (options.ColumnTypes is { } g2)
            foreach (var k in g2.Keys)
                if (!names.Contains(k)) throw new KeyNotFoundException($"{file}: column type given for unknown column '{k}'. Available columns: {string.Join(", ", names)}.");
        return new CsvLayout(names, types, dataStart);
    }

    private static List<string> SplitLine(ReadOnlySpan<byte> line, byte sep)
    {
        var text = Encoding.UTF8.GetString(line).TrimEnd('\n').TrimEnd('\r');
        var result = new List<string>();
        if (text.Length == 0) return result;
        var sb = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"') { sb.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else sb.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == (char)sep) { result.Add(sb.ToString()); sb.Clear(); }
            else sb.Append(ch);
        }
        result.Add(sb.ToString());
        return result;
    }

    /// <summary>The narrowest type every present value of a sampled string column parses as.</summary>
    private static ColumnType Infer(Column strings)
    {
        bool i64 = true, f64 = true, b = true, date = true, dt = true, any = false;
        var values = strings.Strings;
        for (int r = 0; r < strings.Length; r++)
        {
            if (!strings.IsValid(r)) continue;
            any = true;
            var bytes = Encoding.UTF8.GetBytes(values[r]!);
            if (i64 && !Utf8Parsers.TryParseInt64(bytes, out _)) i64 = false;
            if (f64 && !Utf8Parsers.TryParseDouble(bytes, out _)) f64 = false;
            if (b && !Utf8Parsers.TryParseBool(bytes, out _)) b = false;
            if (date && !Utf8Parsers.TryParseDate(bytes, out _)) date = false;
            if (dt && !Utf8Parsers.TryParseDateTime(bytes, out _)) dt = false;
            if (!i64 && !f64 && !b && !date && !dt) break;
        }
        if (!any) return ColumnType.String;
        return i64 ? ColumnType.Int64 : f64 ? ColumnType.Double : b ? ColumnType.Bool : date ? ColumnType.Date : dt ? ColumnType.DateTime : ColumnType.String;
    }

    /// <summary>
    /// Reads the lines owned by <paramref name="block"/> and parses the columns named in <paramref name="columns"/>
    /// (all when null), in that order.
    /// </summary>
    public static Table ReadBlock(CsvBlock block, CsvLayout layout, string[]? columns, CsvOptions options, out int badLines)
        => Read(block, layout, columns, options, null, out badLines)!;

    /// <summary>
    /// Reads <paramref name="block"/> like <see cref="ReadBlock"/>, but hands the parsed rows to
    /// <paramref name="onWindow"/> one read window (<see cref="WindowBytes"/> of text) at a time, at least once
    /// (an empty table for an empty block). The window tables share column buffers that the next window
    /// overwrites: <paramref name="onWindow"/> must not keep them. So a consumer that reduces each window (a
    /// group-by's partial aggregate) never holds a whole block's columns, and the buffers stay in cache.
    /// </summary>
    public static void ForEachWindow(CsvBlock block, CsvLayout layout, string[]? columns, CsvOptions options, Action<Table> onWindow, out int badLines)
        => Read(block, layout, columns, options, onWindow, out badLines);

    private static Table? Read(CsvBlock block, CsvLayout layout, string[]? columns, CsvOptions options, Action<Table>? onWindow, out int badLines)
    {
        int[] wanted = columns is null ? Enumerable.Range(0, layout.Names.Length).ToArray()
            : columns.Select(c => Array.IndexOf(layout.Names, c) is var i and >= 0 ? i
                : throw new KeyNotFoundException($"Unknown column '{c}' in {block.File}. Available columns: {string.Join(", ", layout.Names)}.")).ToArray();
        var req = new CsvBlockParser.Request(block.File, 0, layout.Names, layout.Types, wanted, options);
        using var handle = File.OpenHandle(block.File);
        var opened = CheckUnchanged(block, handle);
        long fileLen = opened.Length;
        long start = Math.Max(block.Start, block.DataStart);
        long end = Math.Min(block.End, fileLen);
        if (start >= end || layout.Names.Length == 0)
        {
            badLines = 0;
            var empty = Table.Empty(new Schema(wanted.Select(w => new Field(layout.Names[w], layout.Types[w]))));
            onWindow?.Invoke(empty);
            return empty;
        }
        // Stream the block through a small window (whole lines at a time) so a 64 MB block never sits in memory
        // as raw text: only the parsed columns grow. Read one byte before the start to know whether a line starts there.
        long pos = start > block.DataStart ? start - 1 : start;
        var pool = ArrayPool<byte>.Shared;
        byte[] buf = pool.Rent(WindowBytes);
        CsvBlockParser.State? state = null;
        int carry = 0;
        bool first = true;
        try
        {
            while (true)
            {
                if (carry == buf.Length)
                {
                    // a line longer than the window: grow it
                    var bigger = pool.Rent(buf.Length * 2);
                    buf.AsSpan(0, carry).CopyTo(bigger);
                    pool.Return(buf);
                    buf = bigger;
                }
                int want = (int)Math.Min(buf.Length - carry, fileLen - pos);
                int got = ReadFully(handle, buf.AsSpan(carry, want), pos);
                if (got < want) CheckStill(block.File, handle, opened); // the file shrank while being read
                pos += got;
                int len = carry + got;
                bool eof = pos >= fileLen;
                long spanOffset = pos - len; // file offset of buf[0]
                int begin = 0;
                if (first)
                {
                    first = false;
                    if (spanOffset < start)
                    {
                        // buf[0] is byte start - 1: our first line starts after the first newline outside quotes from there.
                        int ls = LineStartAfter(buf.AsSpan(0, len), block.StartsInQuotes ^ (buf[0] == (byte)'"'));
                        if (ls < 0 && !eof) { carry = len; first = true; continue; }
                        begin = ls < 0 ? len : ls;
                    }
                    // Builders sized for the whole block, or for one window when windows are handed out and reused.
                    long bytes = onWindow is null ? end - start : Math.Min(end - start, buf.Length);
                    state = new CsvBlockParser.State(req, CsvBlockParser.EstimateRows(buf.AsSpan(begin, len - begin), bytes));
                }
                var span = buf.AsSpan(begin, len - begin);
                long offset = spanOffset + begin;
                if (offset >= end) break; // no line of ours starts here
                // lines starting before `end` are ours: stop after the newline ending the line that holds byte end - 1
                int from = (int)Math.Max(0, end - 1 - offset);
                int stop = from < span.Length ? LineEndAtOrAfter(span, from) : -1;
                if (stop >= 0) { state!.Parse(ValidUtf8(span.Slice(0, stop + 1), offset, block.File, options), offset); break; }
                if (eof) { state!.Parse(ValidUtf8(span, offset, block.File, options), offset); break; }
                int last = LastLineEnd(span);
                if (last >= 0) state!.Parse(ValidUtf8(span.Slice(0, last + 1), offset, block.File, options), offset);
                if (onWindow is not null && state!.Rows > 0) { onWindow(state.Finish()); state.Reset(); }
                int rest = span.Length - (last + 1);
                span.Slice(last + 1).CopyTo(buf);
                carry = rest;
            }
            CheckStill(block.File, handle, opened); // rewritten (same length) while being read
            state ??= new CsvBlockParser.State(req, 16);
            badLines = state.BadLines;
            var table = state.Finish();
            onWindow?.Invoke(table);
            return onWindow is null ? table : null;
        }
        finally
        {
            pool.Return(buf);
        }
    }

    /// <summary>Bytes read per step of a block (whole lines are parsed, the tail carries over).</summary>
    internal static int WindowBytes = 4 << 20;

    /// <summary>
    /// Just after the first newline outside quotes in <paramref name="span"/>, given whether its first byte is inside
    /// a quoted field (<paramref name="quoted"/>); -1 if none. Each quote toggles, as in RFC 4180 (<c>""</c> toggles twice).
    /// </summary>
    private static int LineStartAfter(ReadOnlySpan<byte> span, bool quoted)
    {
        for (int i = 0; ; i++)
        {
            int k = span.Slice(i).IndexOfAny((byte)'"', (byte)'\n');
            if (k < 0) return -1;
            i += k;
            if (span[i] == (byte)'"') quoted = !quoted;
            else if (!quoted) return i + 1;
        }
    }

    /// <summary>
    /// Whether the byte after <paramref name="block"/> lies inside a quoted field: its start state flipped by each
    /// quote in its data bytes (a vectorised count; no field is parsed). Checks the file is unchanged.
    /// </summary>
    public static bool EndsInQuotes(CsvBlock block)
    {
        using var handle = File.OpenHandle(block.File);
        var opened = CheckUnchanged(block, handle);
        long pos = Math.Max(block.Start, block.DataStart), end = Math.Min(block.End, opened.Length);
        long quotes = 0;
        var buf = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            while (pos < end)
            {
                int want = (int)Math.Min(buf.Length, end - pos);
                int got = ReadFully(handle, buf.AsSpan(0, want), pos);
                if (got < want) CheckStill(block.File, handle, opened);
                quotes += buf.AsSpan(0, got).Count((byte)'"');
                pos += got;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
        return block.StartsInQuotes ^ ((quotes & 1) == 1);
    }

    /// <summary>The first newline at or after <paramref name="from"/> outside quotes (the span starts at a line start); -1 if none.</summary>
    private static int LineEndAtOrAfter(ReadOnlySpan<byte> span, int from)
    {
        if (span.IndexOf((byte)'"') < 0)
        {
            int nl = span.Slice(from).IndexOf((byte)'\n');
            return nl < 0 ? -1 : from + nl;
        }
        bool quoted = false;
        for (int i = 0; i < span.Length; i++)
        {
            byte b = span[i];
            if (b == (byte)'"') quoted = !quoted;
            else if (b == (byte)'\n' && !quoted && i >= from) return i;
        }
        return -1;
    }

    /// <summary>The last newline outside quotes (the span starts at a line start); -1 if none.</summary>
    private static int LastLineEnd(ReadOnlySpan<byte> span)
    {
        if (span.IndexOf((byte)'"') < 0) return span.LastIndexOf((byte)'\n');
        bool quoted = false;
        int last = -1;
        for (int i = 0; i < span.Length; i++)
        {
            byte b = span[i];
            if (b == (byte)'"') quoted = !quoted;
            else if (b == (byte)'\n' && !quoted) last = i;
        }
        return last;
    }

    private static int ReadFully(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int got = RandomAccess.Read(handle, buffer.Slice(total), offset + total);
            if (got <= 0) break;
            total += got;
        }
        return total;
    }

    private static int ReadFully(SafeFileHandle handle, byte[] buffer, long offset) => ReadFully(handle, buffer.AsSpan(), offset);

    /// <summary>
    /// Splits each file into blocks of about <paramref name="blockSize"/> bytes, stamped with the file's length and
    /// last write time now (reading a block of a file changed since fails).
    /// </summary>
    public static List<CsvBlock> Blocks(IEnumerable<(string File, long DataStart)> files, long blockSize)
        => Blocks(files.Select(f => (f.File, f.DataStart, Stamp(f.File))), blockSize);

    /// <summary>Splits each file into blocks stamped with the given length and last write time.</summary>
    internal static List<CsvBlock> Blocks(IEnumerable<(string File, long DataStart, (long Length, long LastWriteUtcTicks) Stamp)> files, long blockSize)
    {
        if (blockSize <= 0) throw new ArgumentOutOfRangeException(nameof(blockSize), "The block size must be positive.");
        var blocks = new List<CsvBlock>();
        foreach (var (file, dataStart, (len, ticks)) in files)
        {
            if (len <= dataStart) { blocks.Add(new CsvBlock(file, dataStart, dataStart, dataStart, len, ticks)); continue; }
            for (long s = 0; s < len; s += blockSize)
                blocks.Add(new CsvBlock(file, s, Math.Min(len, s + blockSize), dataStart, len, ticks));
        }
        return blocks;
    }
}
