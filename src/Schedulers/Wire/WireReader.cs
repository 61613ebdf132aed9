using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace TaskGraph.Wire;

/// <summary>
/// Reads the wire format from a stream (a pipe) or a byte array, through a small buffer; large raw blocks are
/// read straight from the stream into their destination array, so column memory is copied once.
/// </summary>
public sealed class WireReader
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Ensure(int n)
    {
        if (_len - _pos < n) Fill(n);
    }

    private void Fill(int n)
    {
        if (_stream is null) throw new EndOfStreamException("The wire message ended early.");
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

    /// <summary>Reads a string written by <see cref="WireWriter.WriteString"/>.</summary>
    public string? ReadString()
    {
        int n = ReadInt32();
        if (n < 0) return null;
        if (n == 0) return "";
        return string.Create(n, this, static (chars, r) => r.ReadBytes(MemoryMarshal.AsBytes(chars)));
    }

    /// <summary>Reads a string written by <see cref="WireWriter.WriteUtf8"/>.</summary>
    public string ReadUtf8()
    {
        int n = ReadInt32();
        Ensure(n);
        var s = Encoding.UTF8.GetString(_buf, _pos, n);
        _pos += n;
        return s;
    }

    /// <summary>The next <paramref name="n"/> bytes, without consuming them (valid until the next read).</summary>
    public ReadOnlySpan<byte> Peek(int n)
    {
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
        if (_stream is null) throw new EndOfStreamException("The wire message ended early.");
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
    public void ReadArrayMemory(Array array, long byteLength)
    {
        ref byte start = ref MemoryMarshal.GetArrayDataReference(array);
        for (long done = 0; done < byteLength;)
        {
            int chunk = (int)Math.Min(byteLength - done, 1 << 30);
            ReadBytes(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref start, (nint)done), chunk));
            done += chunk;
        }
    }

    /// <summary>Reads <paramref name="n"/> bytes into a new array.</summary>
    public byte[] ReadByteArray(long n)
    {
        var a = GC.AllocateUninitializedArray<byte>(checked((int)n));
        ReadBytes(a);
        return a;
    }
}
