using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Parquet.Meta;

namespace TaskGraph.Frames;

/// <summary>
/// A direct decoder for the column chunks most files hold (what DuckDB, pyarrow and Spark write by default): flat
/// required or optional INT32, INT64, DOUBLE and BYTE_ARRAY (UTF-8) columns in v1 or v2 data pages, PLAIN or
/// dictionary encoded, uncompressed or Snappy. It reads the chunk's bytes with one positioned read and decodes them
/// into the frame's arrays: dictionary indices of a string column become the column's dictionary codes as they are
/// (no string is made per row), dictionary-encoded numbers are gathered from the dictionary page. Anything else
/// throws <see cref="NotSupportedException"/> and the caller reads the chunk with Parquet.Net instead.
/// </summary>
internal static class ParquetColumnDecoder
{
    private const int MaxPageBytes = 1 << 30;

    /// <summary>The physical types and codecs decoded here.</summary>
    internal static bool Handles(ColumnChunk chunk, ColumnType type)
    {
        var m = chunk.MetaData;
        if (m is null || m.PathInSchema.Count != 1) return false;
        if (m.Codec is not (CompressionCodec.UNCOMPRESSED or CompressionCodec.SNAPPY)) return false;
        return (type, m.Type) is (ColumnType.Int32, Parquet.Meta.Type.INT32) or (ColumnType.Int64, Parquet.Meta.Type.INT64)
            or (ColumnType.Double, Parquet.Meta.Type.DOUBLE) or (ColumnType.String, Parquet.Meta.Type.BYTE_ARRAY);
    }

    /// <summary>
    /// Reads a column chunk's bytes (dictionary page and data pages) with one positioned read, into a buffer rented
    /// from the shared pool (a chunk is megabytes: a fresh one per column and row group would land on the large
    /// object heap every time); give it back with <see cref="ArrayPool{T}.Return"/> once decoded.
    /// </summary>
    internal static ArraySegment<byte> ReadChunk(SafeFileHandle handle, ColumnChunk chunk)
    {
        var m = chunk.MetaData!;
        long start = m.DictionaryPageOffset is long d && d > 0 && d < m.DataPageOffset ? d : m.DataPageOffset;
        if (m.TotalCompressedSize is < 0 or > MaxPageBytes || start < 0 || start + m.TotalCompressedSize > RandomAccess.GetLength(handle))
            throw new InvalidDataException($"the column chunk's extent ({start}, {m.TotalCompressedSize} bytes) lies outside the file");
        int size = (int)m.TotalCompressedSize;
        var buf = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            int got = 0;
            while (got < size)
            {
                int r = RandomAccess.Read(handle, buf.AsSpan(got, size - got), start + got);
                if (r == 0) throw new EndOfStreamException("the file ends inside the column chunk");
                got += r;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buf);
            throw;
        }
        return new ArraySegment<byte>(buf, 0, size);
    }

    /// <summary>Where decoded values go: numbers into <c>T[]</c> at an offset, strings as codes into a shared dictionary.</summary>
    internal abstract class Sink
    {
        /// <summary>The dictionary page's values (plain-encoded).</summary>
        public abstract void Dictionary(ReadOnlySpan<byte> plain, int count);
        /// <summary>Dense present values, plain-encoded, into rows [at, at+count); returns the bytes they took.</summary>
        public abstract int Plain(ReadOnlySpan<byte> plain, int at, int count);
        /// <summary>Dense present values as dictionary indices, into rows [at, at+count).</summary>
        public abstract void Indices(ReadOnlySpan<int> indices, int at);
        /// <summary>Moves the dense values of rows [at, at+present) to their rows in [at, at+rows) (defs: 1 present, 0 missing).</summary>
        public abstract void Spread(ReadOnlySpan<int> defs, int at, int present);
    }

    /// <summary>Numbers (INT32, INT64, DOUBLE) into a frame array.</summary>
    internal sealed class NumberSink<T>(T[] data) : Sink where T : unmanaged
    {

        private T[] _dict = [];

        public override void Dictionary(ReadOnlySpan<byte> plain, int count) => _dict = MemoryMarshal.Cast<byte, T>(plain)[..count].ToArray();

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override int Plain(ReadOnlySpan<byte> plain, int at, int count)
        {
            MemoryMarshal.Cast<byte, T>(plain)[..count].CopyTo(data.AsSpan(at, count));
            return count * Unsafe.SizeOf<T>();
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Indices(ReadOnlySpan<int> indices, int at)
        {
            var dst = data.AsSpan(at, indices.Length);
            var dict = _dict;
            for (int i = 0; i < dst.Length; i++) dst[i] = dict[indices[i]];
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Spread(ReadOnlySpan<int> defs, int at, int present)
        {
            var span = data.AsSpan(at, defs.Length);
            int j = present - 1;
            for (int i = defs.Length - 1; i >= 0; i--) span[i] = defs[i] != 0 ? span[j--] : default;
        }
    }

    /// <summary>
    /// Strings as dictionary codes: each row group's dictionary page maps onto one dictionary for the whole
    /// partition (values already seen keep their code), so rows only copy codes and string references. Without
    /// <paramref name="values"/> only the codes are written (a group-by key needs no string per row).
    /// </summary>
    internal sealed class StringSink(string?[]? values, int[] codes, int maxDictionary) : Sink
    {
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
        private readonly List<string> _words = [];
        private int[] _map = [];
        private string[] _page = [];

        /// <summary>False once a partition has more distinct values than the dictionary may hold (then only the strings count).</summary>
        public bool Coded { get; private set; } = true;

        public string[] Words => _words.ToArray();

        /// <summary>The distinct values so far, by code (a live view: it grows as pages add values).</summary>
        public IReadOnlyList<string> WordList => _words;

        private int Code(string s)
        {
            if (_index.TryGetValue(s, out int c)) return c;
            if (_words.Count >= maxDictionary) { Coded = false; return -1; }
            _index.Add(s, _words.Count);
            _words.Add(s);
            return _words.Count - 1;
        }

        private static int ReadPlain(ReadOnlySpan<byte> plain, int count, Span<string> into)
        {
            int pos = 0;
            for (int i = 0; i < count; i++)
            {
                int len = BinaryPrimitives.ReadInt32LittleEndian(plain[pos..]);
                if (len < 0 || len > plain.Length - pos - 4) throw new InvalidDataException($"a string of {len} bytes overruns its page");
                into[i] = System.Text.Encoding.UTF8.GetString(plain.Slice(pos + 4, len));
                pos += 4 + len;
            }
            return pos;
        }

        public override void Dictionary(ReadOnlySpan<byte> plain, int count)
        {
            _page = new string[count];
            ReadPlain(plain, count, _page);
            _map = new int[count];
            for (int i = 0; i < count; i++) _map[i] = Code(_page[i]);
        }

        // Plain pages repeat values too (writers that do not dictionary-encode): each is looked up by its characters,
        // decoded into a reused buffer, and a string is made only for a value not seen before.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override int Plain(ReadOnlySpan<byte> plain, int at, int count)
        {
            var lookup = _index.GetAlternateLookup<ReadOnlySpan<char>>();
            var chars = ArrayPool<char>.Shared.Rent(256);
            try
            {
                int pos = 0;
                for (int i = 0; i < count; i++)
                {
                    int len = BinaryPrimitives.ReadInt32LittleEndian(plain[pos..]);
                    if (len < 0 || len > plain.Length - pos - 4) throw new InvalidDataException($"a string of {len} bytes overruns its page");
                    var bytes = plain.Slice(pos + 4, len);
                    pos += 4 + len;
                    if (chars.Length < len) { ArrayPool<char>.Shared.Return(chars); chars = ArrayPool<char>.Shared.Rent(len); }
                    var text = chars.AsSpan(0, System.Text.Encoding.UTF8.GetChars(bytes, chars));
                    string value;
                    if (lookup.TryGetValue(text, out int code)) value = _words[code];
                    else code = Code(value = new string(text));
                    if (values is not null) values[at + i] = value;
                    codes[at + i] = code;
                }
                return pos;
            }
            finally { ArrayPool<char>.Shared.Return(chars); }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Indices(ReadOnlySpan<int> indices, int at)
        {
            var map = _map;
            var c = codes.AsSpan(at, indices.Length);
            if (values is null)
            {
                for (int i = 0; i < c.Length; i++) c[i] = map[indices[i]];
                return;
            }
            var page = _page;
            var v = values.AsSpan(at, indices.Length);
            for (int i = 0; i < v.Length; i++) { int k = indices[i]; v[i] = page[k]; c[i] = map[k]; }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Spread(ReadOnlySpan<int> defs, int at, int present)
        {
            var c = codes.AsSpan(at, defs.Length);
            int j = present - 1;
            if (values is null)
            {
                for (int i = defs.Length - 1; i >= 0; i--) c[i] = defs[i] != 0 ? c[j--] : -1;
                return;
            }
            var v = values.AsSpan(at, defs.Length);
            for (int i = defs.Length - 1; i >= 0; i--)
            {
                if (defs[i] != 0) { v[i] = v[j]; c[i] = c[j]; j--; }
                else { v[i] = null; c[i] = -1; }
            }
        }
    }

    /// <summary>
    /// Decodes one column chunk of <paramref name="rows"/> rows into rows [at, at+rows) of <paramref name="sink"/>;
    /// sets <paramref name="valid"/> (allocated on the first missing value, of length <paramref name="total"/>).
    /// </summary>
    internal static void Decode(ArraySegment<byte> chunkBytes, ColumnChunk meta, bool nullable, int rows, int at, int total, Sink sink, ref bool[]? valid)
    {
        using var pages = new Pages(chunkBytes, meta, nullable, rows);
        int n;
        while ((n = pages.NextPage(sink)) > 0)
        {
            int start = at + pages.Done;
            pages.Read(sink, start, n, out var defs);
            if (defs is not null)
            {
                if (valid is null) { valid = new bool[total]; Array.Fill(valid, true, 0, start); }
                for (int i = 0; i < n; i++) valid[start + i] = defs[i] != 0;
            }
            else if (valid is not null) Array.Fill(valid, true, start, n);
        }
    }

    /// <summary>
    /// The data pages of one column chunk, decoded a stretch of rows at a time into a sink: the whole-chunk
    /// <see cref="Decode"/> reads each page at once, the streamed group-by reads a few thousand rows at a time and
    /// aggregates them while they are in cache (a writer such as DuckDB puts a whole row group's column in one page).
    /// Scratch (definition levels, dictionary indices, the inflated page) comes from the shared pools and goes back on
    /// dispose.
    /// </summary>
    internal sealed class Pages(ArraySegment<byte> chunkBytes, ColumnChunk meta, bool nullable, int rows) : IDisposable
    {
        private readonly byte[] _chunk = chunkBytes.Array!;
        private readonly int _length = chunkBytes.Offset + chunkBytes.Count;
        private readonly bool _snappy = meta.MetaData!.Codec == CompressionCodec.SNAPPY;
        private int _pos = chunkBytes.Offset;
        private Scratch _scratch = new();
        // the current data page: rows left, definition levels (unless all present), and its values
        private int _pageLeft;
        private bool _allPresent;
        private RleReader _levels;
        private ArraySegment<byte> _values;
        private int _plainAt;
        private bool _dictionary;
        private RleReader _indices;

        /// <summary>Rows read so far.</summary>
        public int Done { get; private set; }

        /// <summary>Rows of the current page not read yet.</summary>
        public int PageLeft => _pageLeft;

        /// <summary>
        /// Moves to the next data page (a dictionary page met on the way goes to <see cref="Sink.Dictionary"/>) and
        /// returns its rows, or 0 once the chunk's rows are all read. The rows of the current page must be read first.
        /// </summary>
        public int NextPage(Sink sink)
        {
            if (_pageLeft > 0) throw new InvalidOperationException("the current page has rows left");
            while (Done < rows)
            {
                if (_pos >= _length) throw new InvalidDataException($"the column chunk ends after {Done} of {rows} rows");
                var h = PageHeaderReader.Read(_chunk.AsSpan(0, _length), ref _pos);
                if (h.CompressedSize < 0 || h.CompressedSize > _length - _pos || h.UncompressedSize is < 0 or > MaxPageBytes)
                    throw new InvalidDataException($"a page of {h.CompressedSize} bytes ({h.UncompressedSize} uncompressed) overruns its column chunk");
                var body = new ArraySegment<byte>(_chunk, _pos, h.CompressedSize);
                _pos += h.CompressedSize;
                switch (h.Type)
                {
                    case 2: // dictionary page
                        if (h.Encoding is not (0 or 2)) throw new NotSupportedException($"dictionary encoding {h.Encoding}");
                        sink.Dictionary(Inflate(body, h.UncompressedSize, _snappy, ref _scratch.Page), h.NumValues);
                        continue;
                    case 0 or 3:
                        if (OpenDataPage(h, body) > 0) return _pageLeft;
                        continue;
                    default: continue; // index pages and the like carry no rows
                }
            }
            return 0;
        }

        private int OpenDataPage(PageHeaderInfo h, ArraySegment<byte> body)
        {
            int n = h.NumValues;
            if (n > rows - Done || n < 0) throw new InvalidDataException($"a page of {n} values overruns the row group's {rows} rows");
            ArraySegment<byte> levels, values;
            if (h.Type == 0)
            {
                var data = Inflate(body, h.UncompressedSize, _snappy, ref _scratch.Page);
                if (nullable)
                {
                    if (h.DefinitionLevelEncoding != 3) throw new NotSupportedException($"definition level encoding {h.DefinitionLevelEncoding}");
                    int len = BinaryPrimitives.ReadInt32LittleEndian(data);
                    if (len < 0 || len > data.Count - 4) throw new InvalidDataException("definition levels overrun their page");
                    levels = data.Slice(4, len);
                    values = data.Slice(4 + len);
                }
                else { levels = default; values = data; }
            }
            else
            {
                if (h.RepLength != 0) throw new NotSupportedException("repetition levels");
                if (h.DefLength < 0 || h.DefLength > body.Count) throw new InvalidDataException("definition levels overrun their page");
                levels = body.Slice(0, h.DefLength);
                var rest = body.Slice(h.DefLength);
                values = h.V2Compressed && _snappy ? Inflate(rest, h.UncompressedSize - h.DefLength, true, ref _scratch.Page) : rest;
            }
            _allPresent = !nullable || RleReader.IsOneRun(levels, 1, n);
            if (!_allPresent) _levels = new RleReader(levels, 1);
            _values = values;
            _plainAt = 0;
            switch (h.Encoding)
            {
                case 0: _dictionary = false; break;
                case 2 or 8:
                    _dictionary = true;
                    int width = values.Count == 0 ? 0 : values[0];
                    if (width > 32) throw new InvalidDataException($"dictionary indices of {width} bits");
                    _indices = values.Count == 0 ? default : new RleReader(values.Slice(1), width);
                    break;
                default: throw new NotSupportedException($"value encoding {h.Encoding}");
            }
            _pageLeft = n;
            return n;
        }

        /// <summary>
        /// Decodes the current page's next <paramref name="count"/> rows into rows [at, at+count) of
        /// <paramref name="sink"/>. <paramref name="defs"/> holds their definition levels from index 0 (1 present,
        /// 0 missing) when a value is missing, else it is null; it is scratch, overwritten by the next call.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Read(Sink sink, int at, int count, out int[]? defs)
        {
            if (count > _pageLeft || count < 0) throw new ArgumentOutOfRangeException(nameof(count), $"{count} rows asked of a page with {_pageLeft} left");
            defs = null;
            int present = count;
            int[]? d = null;
            if (!_allPresent)
            {
                d = Scratch.Grow(ref _scratch.Defs, Math.Max(count, 1));
                _levels.Read(d.AsSpan(0, count));
                present = 0;
                for (int i = 0; i < count; i++) present += d[i];
            }
            if (_dictionary)
            {
                var idx = Scratch.Grow(ref _scratch.Idx, Math.Max(present, 1));
                if (present > 0) _indices.Read(idx.AsSpan(0, present));
                sink.Indices(idx.AsSpan(0, present), at);
            }
            else _plainAt += sink.Plain(_values.AsSpan(_plainAt), at, present);
            if (present < count)
            {
                sink.Spread(d.AsSpan(0, count), at, present);
                defs = d;
            }
            _pageLeft -= count;
            Done += count;
        }

        /// <summary>Gives the scratch buffers back to the pools.</summary>
        public void Dispose()
        {
            _scratch.Return();
            _scratch = new Scratch();
        }
    }

    private struct Scratch
    {
        public int[] Defs, Idx;
        public byte[] Page;

        public Scratch() { Defs = []; Idx = []; Page = []; }

        public static T[] Grow<T>(ref T[] buffer, int size)
        {
            if (buffer.Length >= size) return buffer;
            if (buffer.Length > 0) ArrayPool<T>.Shared.Return(buffer);
            buffer = [];
            return buffer = ArrayPool<T>.Shared.Rent(size);
        }

        public readonly void Return()
        {
            if (Defs.Length > 0) ArrayPool<int>.Shared.Return(Defs);
            if (Idx.Length > 0) ArrayPool<int>.Shared.Return(Idx);
            if (Page.Length > 0) ArrayPool<byte>.Shared.Return(Page);
        }
    }

    private static ArraySegment<byte> Inflate(ArraySegment<byte> body, int size, bool snappy, ref byte[] buffer)
    {
        if (!snappy) return body;
        if (size < 0) throw new InvalidDataException($"a page header gives {size} uncompressed bytes");
        Scratch.Grow(ref buffer, size);
        int n = Snappier.Snappy.Decompress(body, buffer);
        if (n != size) throw new InvalidDataException($"a page inflates to {n} bytes, its header says {size}");
        return new ArraySegment<byte>(buffer, 0, n);
    }

    /// <summary>
    /// Parquet's RLE / bit-packing hybrid read a stretch at a time (runs may span stretches): definition levels and
    /// dictionary indices of a page.
    /// </summary>
    internal struct RleReader
    {
        private readonly ArraySegment<byte> _data;
        private readonly int _width, _bytesPerValue;
        private readonly uint _mask;
        private int _pos;        // next run header, relative to _data
        private int _runLeft;    // values left in the current run
        private bool _packed;
        private int _value;      // an RLE run's value
        private long _bit;       // a bit-packed run's next value, in bits from _data's start

        public RleReader(ArraySegment<byte> data, int width)
        {
            _data = data;
            _width = width;
            _bytesPerValue = (width + 7) / 8;
            _mask = width == 32 ? uint.MaxValue : (1u << width) - 1;
        }

        /// <summary>True when <paramref name="data"/> is one RLE run of at least <paramref name="count"/> ones (what writers emit for a page without missing values).</summary>
        public static bool IsOneRun(ReadOnlySpan<byte> data, int width, int count)
        {
            if (data.Length < 2 || data.Length > 9 || width > 8) return false;
            int pos = 0;
            uint header = ReadVarint(data, ref pos);
            return (header & 1) == 0 && header >> 1 >= (uint)count && pos == data.Length - 1 && data[pos] == 1;
        }

        /// <summary>The next <c>output.Length</c> values.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Read(Span<int> output)
        {
            var data = _data.AsSpan();
            int o = 0;
            while (o < output.Length)
            {
                if (_runLeft == 0)
                {
                    uint header = ReadVarint(data, ref _pos);
                    if ((header & 1) == 0)
                    {
                        _packed = false;
                        _runLeft = (int)Math.Min(header >> 1, int.MaxValue);
                        if (_bytesPerValue > data.Length - _pos) throw new InvalidDataException("an RLE run overruns its page");
                        int value = 0;
                        for (int b = 0; b < _bytesPerValue; b++) value |= data[_pos + b] << (8 * b);
                        _pos += _bytesPerValue;
                        _value = value;
                    }
                    else
                    {
                        long groups = header >> 1;
                        long bytes = groups * _width;
                        if (bytes > data.Length - _pos) throw new InvalidDataException("bit-packed values overrun their page");
                        _packed = true;
                        _runLeft = (int)(groups * 8);
                        _bit = (long)_pos * 8;
                        _pos += (int)bytes;
                    }
                    continue;
                }
                int take = Math.Min(_runLeft, output.Length - o);
                var dst = output.Slice(o, take);
                if (!_packed) dst.Fill(_value);
                else if (_width == 0) dst.Clear();
                else Unpack(data, dst);
                _runLeft -= take;
                o += take;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Unpack(ReadOnlySpan<byte> data, Span<int> dst)
        {
            long bit = _bit;
            int width = _width;
            uint mask = _mask;
            // whole 8-byte words while they lie inside the data; the last few values read byte by byte
            int i = 0;
            long safeEnd = ((long)data.Length - 8) * 8;
            ref byte start = ref MemoryMarshal.GetReference(data);
            for (; i < dst.Length && bit <= safeEnd; i++, bit += width)
            {
                ulong word = System.Runtime.CompilerServices.Unsafe.ReadUnaligned<ulong>(ref System.Runtime.CompilerServices.Unsafe.Add(ref start, (nint)(bit >> 3)));
                dst[i] = (int)((word >> (int)(bit & 7)) & mask);
            }
            for (; i < dst.Length; i++, bit += width)
            {
                int byteAt = (int)(bit >> 3);
                ulong word = Tail(data[byteAt..]);
                dst[i] = (int)((word >> (int)(bit & 7)) & mask);
            }
            _bit = bit;
        }
    }

    private static ulong Tail(ReadOnlySpan<byte> s)
    {
        ulong w = 0;
        for (int i = 0; i < s.Length; i++) w |= (ulong)s[i] << (8 * i);
        return w;
    }

    private static uint ReadVarint(ReadOnlySpan<byte> data, ref int pos)
    {
        uint v = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            byte b = data[pos++];
            v |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return v;
        }
        throw new InvalidDataException("a varint runs past 5 bytes");
    }

    /// <summary>What a page header says (Thrift compact protocol: only the fields the decoder needs).</summary>
    internal struct PageHeaderInfo
    {
        public int Type, UncompressedSize, CompressedSize, NumValues, Encoding, DefinitionLevelEncoding, DefLength, RepLength;
        public bool V2Compressed;
    }

    /// <summary>Reads a Parquet PageHeader in Thrift's compact protocol, skipping fields it does not need.</summary>
    internal static class PageHeaderReader
    {
        public static PageHeaderInfo Read(ReadOnlySpan<byte> b, ref int pos)
        {
            var h = new PageHeaderInfo { V2Compressed = true, Type = -1 };
            short last = 0;
            while (true)
            {
                var (id, type) = Field(b, ref pos, ref last);
                if (type == 0) break;
                switch (id, type)
                {
                    case (1, 5): h.Type = I32(b, ref pos); break;
                    case (2, 5): h.UncompressedSize = I32(b, ref pos); break;
                    case (3, 5): h.CompressedSize = I32(b, ref pos); break;
                    case (5, 12): DataPage(b, ref pos, ref h); break;
                    case (7, 12): DictionaryPage(b, ref pos, ref h); break;
                    case (8, 12): DataPageV2(b, ref pos, ref h); break;
                    default: Skip(b, ref pos, type, 0); break;
                }
            }
            if (h.Type < 0) throw new InvalidDataException("a page header without a page type");
            return h;
        }

        private static void DataPage(ReadOnlySpan<byte> b, ref int pos, ref PageHeaderInfo h)
        {
            short last = 0;
            while (Field(b, ref pos, ref last) is var (id, type) && type != 0)
                switch (id, type)
                {
                    case (1, 5): h.NumValues = I32(b, ref pos); break;
                    case (2, 5): h.Encoding = I32(b, ref pos); break;
                    case (3, 5): h.DefinitionLevelEncoding = I32(b, ref pos); break;
                    default: Skip(b, ref pos, type, 0); break;
                }
        }

        private static void DictionaryPage(ReadOnlySpan<byte> b, ref int pos, ref PageHeaderInfo h)
        {
            short last = 0;
            while (Field(b, ref pos, ref last) is var (id, type) && type != 0)
                switch (id, type)
                {
                    case (1, 5): h.NumValues = I32(b, ref pos); break;
                    case (2, 5): h.Encoding = I32(b, ref pos); break;
                    default: Skip(b, ref pos, type, 0); break;
                }
        }

        private static void DataPageV2(ReadOnlySpan<byte> b, ref int pos, ref PageHeaderInfo h)
        {
            short last = 0;
            while (Field(b, ref pos, ref last) is var (id, type) && type != 0)
                switch (id, type)
                {
                    case (1, 5): h.NumValues = I32(b, ref pos); break;
                    case (4, 5): h.Encoding = I32(b, ref pos); break;
                    case (5, 5): h.DefLength = I32(b, ref pos); break;
                    case (6, 5): h.RepLength = I32(b, ref pos); break;
                    case (7, 1 or 2): h.V2Compressed = type == 1; break;
                    default: Skip(b, ref pos, type, 0); break;
                }
        }

        private static (short Id, int Type) Field(ReadOnlySpan<byte> b, ref int pos, ref short last)
        {
            byte head = b[pos++];
            int type = head & 0x0F;
            if (type == 0) return (0, 0);
            int delta = head >> 4;
            last = delta != 0 ? (short)(last + delta) : (short)ZigZag(Varint(b, ref pos));
            return (last, type);
        }

        private static ulong Varint(ReadOnlySpan<byte> b, ref int pos)
        {
            ulong v = 0;
            for (int shift = 0; shift < 70; shift += 7)
            {
                byte x = b[pos++];
                v |= (ulong)(x & 0x7F) << shift;
                if ((x & 0x80) == 0) return v;
            }
            throw new InvalidDataException("a Thrift varint runs past 10 bytes");
        }

        private static long ZigZag(ulong v) => (long)(v >> 1) ^ -(long)(v & 1);

        private static int I32(ReadOnlySpan<byte> b, ref int pos) => checked((int)ZigZag(Varint(b, ref pos)));

        private static void Skip(ReadOnlySpan<byte> b, ref int pos, int type, int depth)
        {
            if (depth > 16) throw new InvalidDataException("Thrift structures nest too deep");
            switch (type)
            {
                case 1 or 2: break; // booleans live in the field header
                case 3: pos++; break;
                case 4 or 5 or 6: Varint(b, ref pos); break;
                case 7: pos += 8; break;
                case 8:
                    long len = (long)Varint(b, ref pos);
                    if (len < 0 || len > b.Length - pos) throw new InvalidDataException("a Thrift binary overruns its page header");
                    pos += (int)len;
                    break;
                case 9 or 10:
                    byte head = b[pos++];
                    long size = head >> 4 == 15 ? (long)Varint(b, ref pos) : head >> 4;
                    if (size > b.Length - pos) throw new InvalidDataException("a Thrift list overruns its page header");
                    for (long i = 0; i < size; i++) Skip(b, ref pos, (head & 0x0F) == 1 ? 3 : head & 0x0F, depth + 1);
                    break;
                case 11:
                    long entries = (long)Varint(b, ref pos);
                    if (entries == 0) break;
                    if (entries > b.Length - pos) throw new InvalidDataException("a Thrift map overruns its page header");
                    byte kv = b[pos++];
                    for (long i = 0; i < entries; i++) { Skip(b, ref pos, kv >> 4, depth + 1); Skip(b, ref pos, kv & 0x0F, depth + 1); }
                    break;
                case 12:
                    short last = 0;
                    while (Field(b, ref pos, ref last) is var (_, t) && t != 0) Skip(b, ref pos, t, depth + 1);
                    break;
                default: throw new InvalidDataException($"unknown Thrift type {type} in a page header");
            }
        }
    }
}
