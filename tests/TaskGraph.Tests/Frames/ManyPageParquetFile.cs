namespace TaskGraph.Tests.Frames;

/// <summary>
/// Writes a small uncompressed Parquet file by hand whose column chunks hold several data pages, of different row
/// counts in each column (DuckDB, pyarrow's defaults and Parquet.Net put a row group's column in one page, so their
/// files never make pages of two columns end at different rows). Column <c>k</c>: optional INT32, PLAIN pages;
/// column <c>x</c>: optional DOUBLE, a dictionary page then RLE_DICTIONARY pages with bit-packed indices. Missing
/// values are given as null; definition levels are written as RLE runs.
/// </summary>
internal static class ManyPageParquetFile
{
    /// <summary>Writes <paramref name="groups"/> (per row group: the rows of k and x, and each column's page row counts) to <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyList<(int?[] K, double?[] X, int[] KPages, int[] XPages)> groups)
    {
        using var file = new MemoryStream();
        file.Write("PAR1"u8);
        var rowGroups = new List<(long Rows, (long Offset, long DictOffset, long Size, long Values)[] Columns)>();
        foreach (var (k, x, kPages, xPages) in groups)
        {
            if (kPages.Sum() != k.Length || xPages.Sum() != x.Length || k.Length != x.Length) throw new ArgumentException("pages must cover the rows");
            long kStart = file.Position;
            int at = 0;
            foreach (int n in kPages)
            {
                var slice = k.AsSpan(at, n).ToArray();
                var values = new MemoryStream();
                foreach (var v in slice) if (v is { } i) values.Write(BitConverter.GetBytes(i));
                WriteDataPage(file, slice.Select(v => v is not null).ToArray(), values.ToArray(), encoding: 0);
                at += n;
            }
            long kSize = file.Position - kStart;
            var dictionary = x.Where(v => v is not null).Select(v => v!.Value).Distinct().ToArray();
            long xStart = file.Position;
            var dictBytes = dictionary.SelectMany(BitConverter.GetBytes).ToArray();
            WritePageHeader(file, type: 2, dictBytes.Length, w => w.Struct(7, d => { d.I32(1, dictionary.Length); d.I32(2, 0); }));
            file.Write(dictBytes);
            long xData = file.Position;
            at = 0;
            int width = Math.Max(1, (int)Math.Ceiling(Math.Log2(Math.Max(2, dictionary.Length))));
            foreach (int n in xPages)
            {
                var slice = x.AsSpan(at, n).ToArray();
                var idx = slice.Where(v => v is not null).Select(v => Array.IndexOf(dictionary, v!.Value)).ToArray();
                var values = new MemoryStream();
                values.WriteByte((byte)width);
                BitPack(values, idx, width);
                WriteDataPage(file, slice.Select(v => v is not null).ToArray(), values.ToArray(), encoding: 8);
                at += n;
            }
            long xSize = file.Position - xStart;
            rowGroups.Add((k.Length, [(kStart, 0, kSize, k.Length), (xData, xStart, xSize, x.Length)]));
        }
        var footer = new Thrift();
        footer.I32(1, 1);
        footer.List(2, 12, 3, i => i switch
        {
            0 => t => { t.String(4, "schema"); t.I32(5, 2); },
            1 => t => { t.I32(1, 1); t.I32(3, 1); t.String(4, "k"); },
            _ => t => { t.I32(1, 5); t.I32(3, 1); t.String(4, "x"); },
        });
        footer.I64(3, rowGroups.Sum(g => g.Rows));
        footer.List(4, 12, rowGroups.Count, g => t =>
        {
            var (rows, cols) = rowGroups[g];
            t.List(1, 12, 2, c => cc =>
            {
                var (offset, dictOffset, size, values) = cols[c];
                cc.I64(2, offset);
                cc.Struct(3, m =>
                {
                    m.I32(1, c == 0 ? 1 : 5); // INT32, DOUBLE
                    m.I32List(2, c == 0 ? [0, 3] : [0, 3, 8]);
                    m.StringList(3, [c == 0 ? "k" : "x"]);
                    m.I32(4, 0); // UNCOMPRESSED
                    m.I64(5, values);
                    m.I64(6, size);
                    m.I64(7, size);
                    m.I64(9, offset);
                    if (dictOffset > 0) m.I64(11, dictOffset);
                });
            });
            t.I64(2, cols.Sum(c => c.Size));
            t.I64(3, rows);
        });
        var meta = footer.Bytes();
        file.Write(meta);
        file.Write(BitConverter.GetBytes(meta.Length));
        file.Write("PAR1"u8);
        File.WriteAllBytes(path, file.ToArray());
    }

    private static void WriteDataPage(Stream file, bool[] present, byte[] values, int encoding)
    {
        var levels = new MemoryStream();
        // definition levels: RLE runs of equal values
        for (int i = 0; i < present.Length;)
        {
            int j = i;
            while (j < present.Length && present[j] == present[i]) j++;
            WriteVarint(levels, (ulong)(j - i) << 1);
            levels.WriteByte(present[i] ? (byte)1 : (byte)0);
            i = j;
        }
        var body = new MemoryStream();
        body.Write(BitConverter.GetBytes((int)levels.Length));
        levels.WriteTo(body);
        body.Write(values);
        WritePageHeader(file, type: 0, (int)body.Length, w => w.Struct(5, d => { d.I32(1, present.Length); d.I32(2, encoding); d.I32(3, 3); d.I32(4, 3); }));
        body.WriteTo(file);
    }

    private static void WritePageHeader(Stream file, int type, int size, Action<Thrift> pageFields)
    {
        var h = new Thrift();
        h.I32(1, type);
        h.I32(2, size);
        h.I32(3, size);
        pageFields(h);
        file.Write(h.Bytes());
    }

    /// <summary>Parquet's bit-packed run of the hybrid encoding: one header, then groups of 8 values, least significant bit first.</summary>
    private static void BitPack(Stream s, int[] values, int width)
    {
        int groups = (values.Length + 7) / 8;
        WriteVarint(s, ((ulong)groups << 1) | 1);
        var bytes = new byte[groups * width];
        for (int i = 0; i < values.Length; i++)
            for (int b = 0; b < width; b++)
                if ((values[i] >> b & 1) != 0) bytes[(i * width + b) / 8] |= (byte)(1 << ((i * width + b) % 8));
        s.Write(bytes);
    }

    private static void WriteVarint(Stream s, ulong v)
    {
        while (v >= 0x80) { s.WriteByte((byte)(v | 0x80)); v >>= 7; }
        s.WriteByte((byte)v);
    }

    /// <summary>Thrift's compact protocol, just what the page headers and footer need.</summary>
    private sealed class Thrift
    {
        private readonly MemoryStream _s = new();
        private readonly Stack<short> _last = new([(short)0]);

        private void Field(short id, int type)
        {
            short last = _last.Pop();
            int delta = id - last;
            if (delta is > 0 and <= 15) _s.WriteByte((byte)(delta << 4 | type));
            else { _s.WriteByte((byte)type); WriteVarint(_s, ZigZag(id)); }
            _last.Push(id);
        }

        private static ulong ZigZag(long v) => (ulong)((v << 1) ^ (v >> 63));

        public void I32(short id, int v) { Field(id, 5); WriteVarint(_s, ZigZag(v)); }
        public void I64(short id, long v) { Field(id, 6); WriteVarint(_s, ZigZag(v)); }
        public void String(short id, string v) { Field(id, 8); RawString(v); }

        private void RawString(string v)
        {
            var b = System.Text.Encoding.UTF8.GetBytes(v);
            WriteVarint(_s, (ulong)b.Length);
            _s.Write(b);
        }

        private void ListHeader(short id, int elementType, int count)
        {
            Field(id, 9);
            if (count < 15) _s.WriteByte((byte)(count << 4 | elementType));
            else { _s.WriteByte((byte)(0xF0 | elementType)); WriteVarint(_s, (ulong)count); }
        }

        public void I32List(short id, int[] values)
        {
            ListHeader(id, 5, values.Length);
            foreach (var v in values) WriteVarint(_s, ZigZag(v));
        }

        public void StringList(short id, string[] values)
        {
            ListHeader(id, 8, values.Length);
            foreach (var v in values) RawString(v);
        }

        public void Struct(short id, Action<Thrift> fields)
        {
            Field(id, 12);
            StructBody(fields);
        }

        private void StructBody(Action<Thrift> fields)
        {
            _last.Push(0);
            fields(this);
            _s.WriteByte(0);
            _last.Pop();
        }

        public void List(short id, int elementType, int count, Func<int, Action<Thrift>> element)
        {
            ListHeader(id, elementType, count);
            for (int i = 0; i < count; i++) StructBody(element(i));
        }

        public byte[] Bytes()
        {
            _s.WriteByte(0); // end of the outermost struct
            return _s.ToArray();
        }
    }
}
