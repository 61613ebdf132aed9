using System.Buffers;
using System.Text;

namespace TaskGraph.Frames;

/// <summary>Writes tables as CSV (RFC 4180 quoting where a value needs it; missing values are empty fields).</summary>
public static class CsvWriter
{
    /// <summary>Writes <paramref name="table"/> to <paramref name="path"/>; returns the number of rows written.</summary>
    public static int WriteFile(Table table, string path, CsvOptions? options = null)
    {
        var dir = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Write(table, stream, options);
        return table.RowCount;
    }

    /// <summary>The CSV text of <paramref name="table"/>.</summary>
    public static string ToText(Table table, CsvOptions? options = null)
    {
        using var ms = new MemoryStream();
        Write(table, ms, options);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Writes <paramref name="table"/> to <paramref name="stream"/> as UTF-8.</summary>
    public static void Write(Table table, Stream stream, CsvOptions? options = null)
    {
        options ??= new CsvOptions();
        char sep = options.Separator;
        var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        if (options.Header)
        {
            for (int c = 0; c < table.ColumnCount; c++)
            {
                if (c > 0) writer.Write(sep);
                writer.Write(Escape(table.Schema[c].Name, sep));
            }
            writer.Write('\n');
        }
        Span<char> buf = stackalloc char[64];
        for (int r = 0; r < table.RowCount; r++)
        {
            for (int c = 0; c < table.ColumnCount; c++)
            {
                if (c > 0) writer.Write(sep);
                var col = table[c];
                if (!col.IsValid(r)) continue;
                switch (col.Type)
                {
                    case ColumnType.Int64 when col.Int64s[r].TryFormat(buf, out int w, default, System.Globalization.CultureInfo.InvariantCulture):
                        writer.Write(buf[..w]); break;
                    case ColumnType.Double when col.Doubles[r].TryFormat(buf, out int w2, "R", System.Globalization.CultureInfo.InvariantCulture):
                        writer.Write(buf[..w2]); break;
                    case ColumnType.String: writer.Write(Escape(col.Strings[r]!, sep)); break;
                    default: writer.Write(col.Format(r)); break;
                }
            }
            writer.Write('\n');
        }
        writer.Flush();
    }

    private static readonly SearchValues<char> Special = SearchValues.Create("\"\r\n");

    private static string Escape(string s, char sep)
    {
        // an empty string must be quoted, or it would read back as a missing value
        if (s.Length == 0) return "\"\"";
        if (s.AsSpan().IndexOfAny(Special) < 0 && s.IndexOf(sep) < 0) return s;
        return "\"" + s.Replace("\"", "\"\"") + "\"";
    }
}
