using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace TaskGraph.Wire;

/// <summary>
/// Reads the wire format from a stream (a pipe) or a byte array, through a small buffer; large raw blocks are
/// read straight from the stream into their destination array, so column memory is copied once.
/// <para>Lengths read from the wire are untrusted. Over a byte array every length is checked against the bytes
/// remaining before anything is allocated, and a message that ends early throws <see cref="WireException"/>.
/// Over a stream the bytes remaining are unknown, so payloads larger than <see cref="IncrementalBytes"/> are read
/// in pooled pieces before the array is made: a lying length prefix costs about what was really sent. A stream that closes
/// throws <see cref="EndOfStreamException"/> (the peer is gone: an I/O condition, not a malformed message).</para>
/// </summary>
internal sealed class WireReader
{
    private readonly Stream? _stream;
    private byte[] _buf;
    private int _pos;
    private int _len;
    private long _consumedBefore;

    /// <summary>Reads from <paramref name="stream"/>.</summary>
    public WireReader(Stream stream, int bufferSize = 64 * 1024)
    {
        _stream = stream;
        _buf = new byte[bufferSize];
    }

    private WireReader(byte[] bytes, int length)
    {
        _buf = bytes;
        _len = length;
    }

    /// <summary>Reads the bytes of <paramref name="bytes"/>.</summary>
    public static WireReader FromBytes(byte[] bytes) => new(bytes, bytes.Length);

    /// <summary>Bytes consumed since this reader was created.</summary>
    public long Position => _consumedBefore + _pos;

    /// <summary>Payloads larger than this are read from a stream in growing pieces rather than allocated at once.</summary>
    public const int IncrementalBytes = 8 << 20;

    /// <summary>
    /// Over a stream, blocks up to this size are read straight into their final array (larger ones in pieces, see
    /// <see cref="IncrementalBytes"/>). A reader of an authenticated peer's frame of known length raises it to that
    /// length: the peer is trusted not to lie about sizes, and the copy through pieces is saved.
    /// </summary>
    public long DirectBytes { get; set; } = IncrementalBytes;

    /// <summary>True when reading a stream (the bytes remaining are unknown).</summary>
    public bool IsStream => _stream is not null;

    /// <summary>The bytes left in a byte-array message; <see cref="long.MaxValue"/> (unknown) for a stream.</summary>
    public long Remaining => _stream is null ? _len - _pos : long.MaxValue;

    /// <summary>
    /// Throws <see cref="WireException"/> unless <paramref name="bytes"/> more bytes can be there: always true
    /// over a stream (incremental reads bound the cost there), exact over a byte array.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Require(long bytes, string what, long count = -1)
    {
        // One unsigned comparison on the hot path (a negative size is huge); the message is built only on failure.
        if ((ulong)bytes > (ulong)Remaining) ThrowRequire(bytes, what, count);
    }

    private void ThrowRequire(long bytes, string what, long count)
    {
        var subject = count >= 0 ? $"{what} of {count}" : what;
        if (bytes < 0) throw new WireException($"Malformed message: {subject} has a negative size ({bytes}) at byte {Position}.");
        throw new WireException($"Malformed message: {subject} needs {bytes} bytes at byte {Position}, but only {_len - _pos} remain.");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Ensure(int n)
    {
        if (_len - _pos < n) Fill(n);
    }

    private void Fill(int n)
    {
        if (_stream is null) throw Truncated(n);
        if (n > _buf.Length) Array.Resize(ref _buf, Math.Max(n, _buf.Length * 2));
        if (_pos > 0)
        {
            Buffer.BlockCopy(_buf, _pos, _buf, 0, _len - _pos);
            _consumedBefore += _pos;
            _len -= _pos;
            _pos = 0;
        }
        while (_len < n)
        {
            int got = _stream.Read(_buf, _len, _buf.Length - _len);
            if (got <= 0) throw new EndOfStreamException("The connection closed.");
            _len += got;
        }
    }

    private WireException Truncated(long wanted) =>
        new($"Malformed message: it ends early (needed {wanted} more bytes at byte {Position}, {_len - _pos} remain).");

    /// <summary>Reads one byte.</summary>
    public byte ReadByte()
    {
        Ensure(1);
        return _buf[_pos++];
    }

    /// <summary>Reads an unmanaged value from its raw bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T Read<T>() where T : unmanaged
    {
        int n = Unsafe.SizeOf<T>();
        Ensure(n);
        var v = Unsafe.ReadUnaligned<T>(ref _buf[_pos]);
        _pos += n;
        return v;
    }

    /// <summary>Reads a 32-bit integer.</summary>
    public int ReadInt32() => Read<int>();

    /// <summary>Reads a 64-bit integer.</summary>
    public long ReadInt64() => Read<long>();

    /// <summary>Reads a string written by <see cref="WireWriter.WriteString"/> (at most <see cref="WireLimits.Default"/>'s length).</summary>
    public string? ReadString() => ReadString(WireLimits.Default.MaxStringLength);

    /// <summary>Reads a string written by <see cref="WireWriter.WriteString"/>, refusing one longer than <paramref name="maxLength"/> characters.</summary>
    public string? ReadString(int maxLength)
    {
        int n = ReadInt32();
        if (n <= 0) return n == 0 ? "" : n == -1 ? null : throw new WireException($"Malformed message: a string length of {n} at byte {Position - 4}.");
        if (n > maxLength) throw new WireException($"Malformed message: a string of {n} characters at byte {Position - 4} exceeds the limit of {maxLength} (WireLimits.MaxStringLength).");
        long bytes = 2L * n;
        Require(bytes, "a string of characters", n);
        if (_stream is null || bytes <= IncrementalBytes)
            return string.Create(n, this, static (chars, r) => r.ReadBytes(MemoryMarshal.AsBytes(chars)));
        var chars = (char[])ReadIncrementally(n, sizeof(char), static k => GC.AllocateUninitializedArray<char>(k));
        return new string(chars);
    }

    /// <summary>Reads a string written by <see cref="WireWriter.WriteUtf8"/> (identities: short).</summary>
    public string ReadUtf8()
    {
        int n = ReadInt32();
        if (n < 0 || n > 1 << 20) throw new WireException($"Malformed message: a name of {n} bytes at byte {Position - 4}.");
        Require(n, "a name");
        Ensure(n);
        var s = Encoding.UTF8.GetString(_buf, _pos, n);
        _pos += n;
        return s;
    }

    /// <summary>The next <paramref name="n"/> bytes, without consuming them (valid until the next read).</summary>
    public ReadOnlySpan<byte> Peek(int n)
    {
        Require(n, "a block");
        Ensure(n);
        return _buf.AsSpan(_pos, n);
    }

    /// <summary>Skips <paramref name="n"/> bytes.</summary>
    public void Skip(long n)
    {
        while (n > 0)
        {
            int chunk = (int)Math.Min(n, _buf.Length);
            Ensure(chunk);
            _pos += chunk;
            n -= chunk;
        }
    }

    /// <summary>Fills <paramref name="destination"/>: from the buffer first, then straight from the stream.</summary>
    public void ReadBytes(Span<byte> destination)
    {
        int fromBuf = Math.Min(destination.Length, _len - _pos);
        _buf.AsSpan(_pos, fromBuf).CopyTo(destination);
        _pos += fromBuf;
        if (fromBuf == destination.Length) return;
        var rest = destination[fromBuf..];
        if (_stream is null) throw Truncated(rest.Length);
        if (rest.Length < _buf.Length / 2)
        {
            Ensure(rest.Length);
            _buf.AsSpan(_pos, rest.Length).CopyTo(rest);
            _pos += rest.Length;
            return;
        }
        _stream.ReadExactly(rest);
        _consumedBefore += rest.Length;
    }

    /// <summary>Fills the memory of a blittable array with <paramref name="byteLength"/> bytes.</summary>
    public void ReadArrayMemory(Array array, long byteLength) => ReadArrayMemory(array, byteLength, 0);

    private void ReadArrayMemory(Array array, long byteLength, long offset)
    {
        ref byte start = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(array), (nint)offset);
        for (long done = 0; done < byteLength;)
        {
            int chunk = (int)Math.Min(byteLength - done, 1 << 30);
            ReadBytes(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref start, (nint)done), chunk));
            done += chunk;
        }
    }

    /// <summary>
    /// The next <paramref name="n"/> bytes as memory, consumed: a slice of the message itself over a byte array (no
    /// copy; valid as long as the message), a new array over a stream (<see cref="ReadByteArray"/>).
    /// </summary>
    internal ReadOnlyMemory<byte> ReadMemory(int n)
    {
        if (_stream is not null) return ReadByteArray(n);
        Require(n, "a block");
        var slice = _buf.AsMemory(_pos, n);
        _pos += n;
        return slice;
    }

    /// <summary>Reads <paramref name="n"/> bytes into a new array.</summary>
    public byte[] ReadByteArray(long n)
    {
        if (n > Array.MaxLength) throw new WireException($"Malformed message: a block of {n} bytes at byte {Position} is larger than an array can be.");
        Require(n, "a block");
        if (_stream is null || n <= DirectBytes)
        {
            var a = GC.AllocateUninitializedArray<byte>((int)n);
            ReadBytes(a);
            return a;
        }
        return (byte[])ReadIncrementally((int)n, 1, static k => GC.AllocateUninitializedArray<byte>(k));
    }

    /// <summary>
    /// Reads an array of <paramref name="count"/> unmanaged elements of <paramref name="elementSize"/> bytes made by
    /// <paramref name="make"/> (which need not zero it): at once from a byte array (after checking the bytes are
    /// there), in growing pieces from a stream when it is large.
    /// </summary>
    public Array ReadRawArray(int count, int elementSize, Func<int, Array> make)
    {
        long bytes = (long)count * elementSize;
        Require(bytes, "an array of elements", count);
        if (_stream is not null && bytes > DirectBytes) return ReadIncrementally(count, elementSize, make);
        var a = make(count);
        ReadArrayMemory(a, bytes);
        return a;
    }

    // Reads into pooled pieces of IncrementalBytes as the bytes arrive, then into one array of the announced size, so
    // memory follows what was really sent (a stream that stops early costs what it sent) at the price of one copy.
    private Array ReadIncrementally(int count, int elementSize, Func<int, Array> make)
    {
        long total = (long)count * elementSize;
        var pieces = new List<byte[]>();
        try
        {
            for (long done = 0; done < total;)
            {
                var piece = ArrayPool<byte>.Shared.Rent(IncrementalBytes);
                pieces.Add(piece);
                int n = (int)Math.Min(IncrementalBytes, total - done);
                ReadBytes(piece.AsSpan(0, n));
                done += n;
            }
            var a = make(count);
            ref byte start = ref MemoryMarshal.GetArrayDataReference(a);
            long at = 0;
            foreach (var piece in pieces)
            {
                int n = (int)Math.Min(IncrementalBytes, total - at);
                piece.AsSpan(0, n).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref start, (nint)at), n));
                at += n;
            }
            return a;
        }
        finally
        {
            foreach (var piece in pieces) ArrayPool<byte>.Shared.Return(piece);
        }
    }
}
