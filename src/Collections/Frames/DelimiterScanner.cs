using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TaskGraph.Frames;

/// <summary>
/// Streams the positions of separators and newlines through a block, 64 bytes at a time: two vector compares
/// per 32 bytes give a bitmask, and each call pops its lowest bit. Fields cost a few instructions each however
/// long they are, with no per-byte branch. Only valid for blocks without quotes (the caller checks).
/// </summary>
internal ref struct DelimiterScanner
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly byte _sep;
    private int _chunk;
    private ulong _mask;

    public DelimiterScanner(ReadOnlySpan<byte> data, byte sep)
    {
        _data = data;
        _sep = sep;
        _chunk = 0;
        _mask = data.Length == 0 ? 0 : Compute(0);
    }

    /// <summary>The next separator or newline at or after the current position; the data length when none is left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Next()
    {
        while (_mask == 0)
        {
            _chunk += 64;
            if (_chunk >= _data.Length) { _chunk = _data.Length; return _data.Length; }
            _mask = Compute(_chunk);
        }
        int bit = BitOperations.TrailingZeroCount(_mask);
        _mask &= _mask - 1;
        return _chunk + bit;
    }

    /// <summary>Skips every delimiter before <paramref name="position"/> (after a line was abandoned).</summary>
    public void SkipTo(int position)
    {
        int chunk = position & ~63;
        if (chunk != _chunk) { _chunk = chunk; _mask = chunk < _data.Length ? Compute(chunk) : 0; }
        int shift = position - chunk;
        _mask = shift >= 64 ? 0 : _mask & (~0UL << shift);
    }

    private readonly ulong Compute(int at)
    {
        if (at + 64 <= _data.Length && Vector256.IsHardwareAccelerated)
        {
            ref byte start = ref Unsafe.Add(ref MemoryMarshal.GetReference(_data), at);
            var s = Vector256.Create(_sep);
            var nl = Vector256.Create((byte)'\n');
            var v0 = Vector256.LoadUnsafe(ref start);
            var v1 = Vector256.LoadUnsafe(ref start, 32);
            ulong lo = (Vector256.Equals(v0, s) | Vector256.Equals(v0, nl)).ExtractMostSignificantBits();
            ulong hi = (Vector256.Equals(v1, s) | Vector256.Equals(v1, nl)).ExtractMostSignificantBits();
            return lo | (hi << 32);
        }
        ulong m = 0;
        int end = Math.Min(_data.Length, at + 64);
        for (int i = at; i < end; i++)
        {
            byte b = _data[i];
            if (b == _sep || b == (byte)'\n') m |= 1UL << (i - at);
        }
        return m;
    }
}
