using System.Text;
using static TaskGraph.Frames.Agg;

namespace TaskGraph.Tests.Frames;

/// <summary>
/// Property: a CSV file gives the same table whatever its block size (and read window). Random RFC 4180 files —
/// quoted separators, doubled quotes, CR, LF and CRLF inside fields, fields starting or ending with a newline,
/// empty and quoted-empty fields, multi-byte characters, LF or CRLF record ends, no final newline, header only —
/// are read with blocks from a few bytes to the whole file and compared with the records they were written from,
/// which a plain reference parser written here also recovers from the text.
/// </summary>
public class CsvBlockBoundaryPropertyTests : TempFileTests
{
    private const string Plain = "abcxyz019 .-_é";
    private const string Quotable = "ab,\"\r\n é😀";

    /// <summary>A random file: its text and the records in it (column 0 is an integer id, the rest strings; null = empty unquoted field).</summary>
    private static (string Text, int Columns, List<string?[]> Records) RandomFile(Random rnd)
    {
        int columns = rnd.Next(2, 6);
        int rows = rnd.Next(10) == 0 ? 0 : rnd.Next(1, 120);
        var sb = new StringBuilder("id");
        for (int c = 1; c < columns; c++) sb.Append(",c").Append(c);
        sb.Append(rnd.Next(2) == 0 ? "\n" : "\r\n");
        var records = new List<string?[]>();
        for (int r = 0; r < rows; r++)
        {
            var rec = new string?[columns];
            rec[0] = r.ToString();
            sb.Append(rnd.Next(8) == 0 ? $"\"{r}\"" : r.ToString());
            for (int c = 1; c < columns; c++)
            {
                sb.Append(',');
                switch (rnd.Next(6))
                {
                    case 0: rec[c] = null; break;
                    case 1: rec[c] = ""; sb.Append("\"\""); break;
                    case 2:
                        rec[c] = new string(Enumerable.Range(0, rnd.Next(1, 12)).Select(_ => Plain[rnd.Next(Plain.Length)]).ToArray());
                        sb.Append(rec[c]);
                        break;
                    default:
                        var text = new StringBuilder();
                        if (rnd.Next(4) == 0) text.Append(rnd.Next(2) == 0 ? "\n" : "\r\n");
                        for (int i = rnd.Next(1, 40); i > 0; i--)
                        {
                            int k = rnd.Next(Quotable.Length);
                            text.Append(char.IsHighSurrogate(Quotable[k]) ? Quotable.Substring(k, 2) : char.IsLowSurrogate(Quotable[k]) ? "x" : Quotable[k].ToString());
                        }
                        if (rnd.Next(4) == 0) text.Append(rnd.Next(2) == 0 ? "\n" : "\r\n");
                        rec[c] = text.ToString();
                        sb.Append('"').Append(rec[c]!.Replace("\"", "\"\"")).Append('"');
                        break;
                }
            }
            records.Add(rec);
            if (r < rows - 1 || rnd.Next(3) != 0) sb.Append(rnd.Next(2) == 0 ? "\n" : "\r\n"); // sometimes no final newline
        }
        return (sb.ToString(), columns, records);
    }

    /// <summary>
    /// The reference: RFC 4180 read character by character. A record ends at LF or CRLF outside quotes; a field is
    /// either quoted (<c>""</c> is a quote) or runs to the next separator or record end; an empty unquoted field is
    /// missing (null), a quoted empty one is the empty string.
    /// </summary>
    private static List<string?[]> ReferenceParse(string text)
    {
        var records = new List<string?[]>();
        var row = new List<string?>();
        int i = 0, n = text.Length;
        while (i < n)
        {
            string? field;
            if (text[i] == '"')
            {
                var sb = new StringBuilder();
                for (i++; ; i++)
                {
                    if (text[i] != '"') { sb.Append(text[i]); continue; }
                    if (i + 1 < n && text[i + 1] == '"') { sb.Append('"'); i++; continue; }
                    i++;
                    break;
                }
                field = sb.ToString();
            }
            else
            {
                int s = i;
                while (i < n && text[i] != ',' && text[i] != '\n' && !(text[i] == '\r' && i + 1 < n && text[i + 1] == '\n')) i++;
                field = i == s ? null : text[s..i];
            }
            row.Add(field);
            if (i < n && text[i] == ',')
            {
                i++;
                if (i == n) row.Add(null);
                else continue;
            }
            else if (i < n) i += text[i] == '\r' ? 2 : 1;
            records.Add(row.ToArray());
            row.Clear();
        }
        return records;
    }

    private static Table Expected(int columns, List<string?[]> records)
    {
        var cols = new List<(string, Column)> { ("id", Column.Of(records.Select(r => long.Parse(r[0]!)).ToArray())) };
        for (int c = 1; c < columns; c++) cols.Add(($"c{c}", Column.FromValues(ColumnType.String, records.Select(r => (object?)r[c]).ToList())));
        return Table.Create(cols.ToArray());
    }

    private static CsvOptions OptionsFor(int columns) => new()
    {
        ColumnTypes = Enumerable.Range(0, columns).ToDictionary(c => c == 0 ? "id" : $"c{c}", c => c == 0 ? ColumnType.Int64 : ColumnType.String),
    };

    [Test]
    public void EveryBlockSizeGivesTheTableOfTheWholeFileAndOfTheReferenceParser()
    {
        var rnd = new Random(20261202);
        for (int file = 0; file < 80; file++)
        {
            var (text, columns, records) = RandomFile(rnd);
            var headerEnd = text.IndexOf('\n') + 1;
            Assert.That(ReferenceParse(text[headerEnd..]).Select(r => string.Join("|", r.Select(f => f ?? "∅"))),
                Is.EqualTo(records.Select(r => string.Join("|", r.Select(f => f ?? "∅")))), $"file {file}: the reference parser");
            var path = Write($"f{file}.csv", text);
            var options = OptionsFor(columns);
            var expected = Expected(columns, records);
            long length = new FileInfo(path).Length;
            var whole = CsvReader.ReadFile(path, options);
            Assert.That(whole.ContentEquals(expected), Is.True, $"file {file}: whole file\n{text}");
            foreach (long blockSize in new long[] { rnd.Next(1, 48), rnd.Next(48, 1024), rnd.Next(1024, 4096), length + 1 })
            {
                var frame = Frame.ReadCsv(path, blockSize, options);
                var got = frame.Compute(Scheduler.Synchronous);
                Assert.That(got.ContentEquals(expected), Is.True, $"file {file}, block size {blockSize}\n{text}");
                Assert.That(frame.Count(Scheduler.Synchronous), Is.EqualTo(records.Count), $"file {file}, block size {blockSize}: count");
                // The windowed group-by path (read-csv-agg-chunk) cuts the same lines.
                var counts = frame.GroupBy(["c1"], dropNa: false).Agg(Count()).Compute(Scheduler.Synchronous);
                var expectedCounts = records.GroupBy(r => r[1]).Select(g => Table.RowText([g.Key, (long)g.Count()])).OrderBy(s => s, StringComparer.Ordinal);
                Assert.That(counts.Rows().Select(Table.RowText).OrderBy(s => s, StringComparer.Ordinal), Is.EqualTo(expectedCounts), $"file {file}, block size {blockSize}: group-by");
            }
        }
    }

    [Test]
    public void SmallReadWindowsInsideBlocksGiveTheSameTable([Values(8, 61, 500)] int window)
    {
        var saved = CsvReader.WindowBytes;
        CsvReader.WindowBytes = window;
        try
        {
            var rnd = new Random(window);
            for (int file = 0; file < 25; file++)
            {
                var (text, columns, records) = RandomFile(rnd);
                var path = Write($"w{file}.csv", text);
                var expected = Expected(columns, records);
                foreach (long blockSize in new long[] { rnd.Next(16, 700), 1 << 20 })
                {
                    var frame = Frame.ReadCsv(path, blockSize, OptionsFor(columns));
                    Assert.That(frame.Compute(Scheduler.Synchronous).ContentEquals(expected), Is.True, $"window {window}, file {file}, block size {blockSize}\n{text}");
                    var counts = frame.GroupBy(["c1"], dropNa: false).Agg(Count()).Compute(Scheduler.Synchronous);
                    Assert.That(counts["count"].Int64s.Take(counts.RowCount).Sum(), Is.EqualTo(records.Count), $"window {window}, file {file}: group-by");
                }
            }
        }
        finally
        {
            CsvReader.WindowBytes = saved;
        }
    }

    [Test]
    public void HeaderOnlyFilesAndQuotedHeaderNamesAtAnyBlockSize([Values(1, 5, 64)] long blockSize)
    {
        foreach (var text in new[] { "id,c1\n", "id,c1", "id,c1\r\n", "\"id\",\"c1\"\n" })
        {
            var path = Write("h.csv", text);
            var t = Frame.ReadCsv(path, blockSize, OptionsFor(2)).Compute(Scheduler.Synchronous);
            Assert.That(t.RowCount, Is.Zero, text);
            Assert.That(t.Schema.Names, Is.EqualTo(new[] { "id", "c1" }), text);
        }
    }
}
