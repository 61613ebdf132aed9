using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace TaskGraph.Wire;

/// <summary>
/// An append-only binary buffer for the wire format. Small values go into one growable byte array; large
/// blittable arrays (column memory, array blocks) are not copied but recorded as segments and written straight
/// from their own memory when the frame goes out, so a 100 MB <c>double[]</c> costs one memory-to-pipe copy.
/// Values are in the machine's byte order: both ends of a connection run on the same machine and runtime.
/// </summary>
internal sealed class WireWriter
{
    /// <summary>Arrays larger than this are sent from their own memory instead of being copied into the buffer.</summary>
    public const int SegmentThreshold = 32 * 1024;

    private byte[] _buf;
    private int _pos;
    private List<Segment>? _segments;
    private long _segmentBytes;

    private readonly record struct Segment(int At, Array Data, int Offset, long Bytes);

    /// <summary>Creates an empty writer.</summary>
    public WireWriter(int capacity = 256) => _buf = new byte[Math.Max(16, capacity)];

    /// <summary>Bytes written so far (buffer plus out-of-line segments).</summary>
    public long Length => _pos + _segmentBytes;

    /// <summary>Forgets everything written (keeps the buffer for reuse).</summary>
    public void Reset()
    {
        _pos = 0;
        _segments?.Clear();
        _segmentBytes = 0;
        if (_buf.Length > 1 << 20) _buf = new byte[4096];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> Reserve(int n)
    {
        if (_pos + n > _buf.Length) Grow(n);
        var s = _buf.AsSpan(_pos, n);
        _pos += n;
        return s;
    }

    private void Grow(int n)
    {
        long want = Math.Max((long)_buf.Length * 2, (long)_pos + n);
        if (want > Array.MaxLength) want = Array.MaxLength;
        Array.Resize(ref _buf, (int)want);
    }

    /// <summary>Writes one byte.</summary>
    public void WriteByte(byte b)
    {
        if (_pos == _buf.Length) Grow(1);
        _buf[_pos++] = b;
    }

    /// <summary>Writes an unmanaged value as its raw bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write<T>(T value) where T : unmanaged => Unsafe.WriteUnaligned(ref MemoryMarshal.GetReference(Reserve(Unsafe.SizeOf<T>())), value);

    /// <summary>Writes a 32-bit integer.</summary>
    public void WriteInt32(int v) => Write(v);

    /// <summary>Writes a 64-bit integer.</summary>
    public void WriteInt64(long v) => Write(v);

    /// <summary>Writes a string as its length and UTF-16 code units (a plain memory copy both ways); null is length -1.</summary>
    public void WriteString(string? s)
    {
        if (s is null) { WriteInt32(-1); return; }
        WriteInt32(s.Length);
        WriteBytes(MemoryMarshal.AsBytes(s.AsSpan()));
    }

    /// <summary>Writes a string as length-prefixed UTF-8 (identities: compact and stable).</summary>
    public void WriteUtf8(string s)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        WriteInt32(n);
        Encoding.UTF8.GetBytes(s, Reserve(n));
    }

    /// <summary>Copies <paramref name="bytes"/> into the buffer.</summary>
    public void WriteBytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    /// <summary>A position to come back to with <see cref="Truncate"/>.</summary>
    public readonly record struct Mark(int Pos, int Segments, long SegmentBytes);

    /// <summary>The current position.</summary>
    public Mark GetMark() => new(_pos, _segments?.Count ?? 0, _segmentBytes);

    /// <summary>Forgets everything written after <paramref name="mark"/>.</summary>
    public void Truncate(Mark mark)
    {
        _pos = mark.Pos;
        if (_segments is { } s && s.Count > mark.Segments) s.RemoveRange(mark.Segments, s.Count - mark.Segments);
        _segmentBytes = mark.SegmentBytes;
    }

    /// <summary>
    /// Writes the raw memory of a blittable array (<paramref name="byteLength"/> bytes from its first element);
    /// large arrays become segments written from the array itself, so the caller must not mutate it until the
    /// frame is sent.
    /// </summary>
    public void WriteArrayMemory(Array array, long byteLength)
    {
        if (byteLength <= SegmentThreshold)
        {
            WriteBytes(MemoryMarshal.CreateReadOnlySpan(ref MemoryMarshal.GetArrayDataReference(array), (int)byteLength));
            return;
        }
        (_segments ??= []).Add(new Segment(_pos, array, 0, byteLength));
        _segmentBytes += byteLength;
    }

    /// <summary>Appends the content of another writer (its segments stay out of line).</summary>
    public void WriteWriter(WireWriter other)
    {
        int at = 0;
        if (other._segments is { } segs)
            foreach (var s in segs)
            {
                WriteBytes(other._buf.AsSpan(at, s.At - at));
                at = s.At;
                (_segments ??= []).Add(s with { At = _pos });
                _segmentBytes += s.Bytes;
            }
        WriteBytes(other._buf.AsSpan(at, other._pos - at));
    }

    /// <summary>Reserves 8 bytes for a length written later with <see cref="PatchLength"/>; returns the mark.</summary>
    public (int At, long Start) BeginLength()
    {
        int at = _pos;
        Reserve(8);
        return (at, Length);
    }

    /// <summary>Writes the number of bytes written since <see cref="BeginLength"/> into the reserved slot.</summary>
    public void PatchLength((int At, long Start) mark) => Unsafe.WriteUnaligned(ref _buf[mark.At], Length - mark.Start);

    /// <summary>Writes the buffer and its segments, in order, to <paramref name="stream"/>.</summary>
    public void CopyTo(Stream stream)
    {
        int at = 0;
        if (_segments is { } segs)
            foreach (var s in segs)
            {
                stream.Write(_buf, at, s.At - at);
                at = s.At;
                ref byte start = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(s.Data), s.Offset);
                for (long done = 0; done < s.Bytes;)
                {
                    int chunk = (int)Math.Min(s.Bytes - done, 1 << 30);
                    stream.Write(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref start, (nint)done), chunk));
                    done += chunk;
                }
            }
        stream.Write(_buf, at, _pos - at);
    }

    /// <summary>Starts a frame: forgets everything and reserves the 8-byte length that <see cref="WriteFrame"/> fills in.</summary>
    public void BeginFrame()
    {
        Reset();
        Reserve(8);
    }

    /// <summary>
    /// Sends the frame begun with <see cref="BeginFrame"/>: its length, then its content, in as few writes as the
    /// segments allow (a pipe write is a system call). Returns the bytes sent.
    /// </summary>
    public long WriteFrame(Stream stream)
    {
        long len = Length;
        Unsafe.WriteUnaligned(ref _buf[0], len - 8);
        CopyTo(stream);
        stream.Flush();
        return len;
    }

    /// <summary>The written bytes as one array (copies segments in).</summary>
    public byte[] ToArray()
    {
        var result = GC.AllocateUninitializedArray<byte>(checked((int)Length));
        CopyTo(new MemoryStream(result, writable: true));
        return result;
    }
}
