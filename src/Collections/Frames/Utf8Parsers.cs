using System.Numerics;
using System.Runtime.InteropServices;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace TaskGraph.Frames;

/// <summary>
/// Allocation-free parsers of UTF-8 field text. The common shapes (plain integers, decimals without exponent,
/// <c>yyyy-MM-dd</c>) take a hand-written fast path; anything else falls back to the framework parsers, so the
/// result is always the correctly rounded value.
/// </summary>
internal static class Utf8Parsers
{
    private static readonly double[] Pow10 =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
        1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    private static readonly int[] DaysBeforeMonth = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseInt64(ReadOnlySpan<byte> s, out long value)
    {
        int i = 0;
        bool neg = false;
        if (s.Length is 0 or > 18) return long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
        if (s[0] == (byte)'-') { neg = true; i = 1; }
        else if (s[0] == (byte)'+') i = 1;
        if (i == s.Length) { value = 0; return false; }
        long acc = 0;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) return long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
            acc = acc * 10 + d;
        }
        value = neg ? -acc : acc;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseInt32(ReadOnlySpan<byte> s, out int value)
    {
        if (TryParseInt64(s, out long v) && v is >= int.MinValue and <= int.MaxValue) { value = (int)v; return true; }
        value = 0;
        return false;
    }

    /// <summary>Decimal text without exponent and at most 19 digits: mantissa / 10^k, exact when both fit a double (Clinger's fast path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseDouble(ReadOnlySpan<byte> s, out double value)
    {
        int i = 0;
        bool neg = false;
        if (s.Length == 0) { value = 0; return false; }
        if (s[0] == (byte)'-') { neg = true; i = 1; }
        else if (s[0] == (byte)'+') i = 1;
        ulong mant = 0;
        int digits = 0, frac = -1;
        for (; i < s.Length; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d <= 9)
            {
                if (++digits > 19) goto Slow;
                mant = mant * 10 + d;
                if (frac >= 0) frac++;
            }
            else if (s[i] == (byte)'.' && frac < 0) frac = 0;
            else goto Slow;
        }
        if (digits == 0) goto Slow;
        int k = frac < 0 ? 0 : frac;
        if (mant > (1UL << 53) || k > 22) goto Slow;
        double v = k == 0 ? mant : mant / Pow10[k];
        value = neg ? -v : v;
        return true;
    Slow:
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>
    /// The field <c>data[start..end]</c> as a double. Short decimals (an optional '-', then at most 8 characters of
    /// digits with at most one '.', e.g. <c>33.78</c>) are read with one 8-byte load when the buffer has room past
    /// the field: the dot is found and squeezed out with bit masks, the digits are checked and combined in three
    /// multiplications, and the value is mantissa / 10^k exactly as in <see cref="TryParseDouble(ReadOnlySpan{byte}, out double)"/>.
    /// Everything else takes that method.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseDouble(ReadOnlySpan<byte> data, int start, int end, out double value)
    {
        int at = start, len = end - start;
        bool neg = len > 0 && data[at] == (byte)'-';
        if (neg) { at++; len--; }
        if (len is < 1 or > 8 || at + 8 > data.Length) return TryParseDouble(data.Slice(start, end - start), out value);
        ulong w = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref MemoryMarshal.GetReference(data), at));
        if (len < 8) w &= (1UL << (8 * len)) - 1;
        // A zero byte of w ^ "........" marks the dot (the lowest one is exact; bytes past the field are 0, not '.').
        ulong x = w ^ 0x2E2E2E2E2E2E2E2EUL;
        ulong dots = (x - 0x0101010101010101UL) & ~x & 0x8080808080808080UL;
        int digits = len, frac = 0;
        if (dots != 0)
        {
            int dot = BitOperations.TrailingZeroCount(dots) >> 3;
            ulong below = (1UL << (8 * dot)) - 1;
            w = (w & below) | ((w >> 8) & ~below);
            digits = len - 1;
            frac = len - 1 - dot;
            if (digits == 0) return TryParseDouble(data.Slice(start, end - start), out value);
        }
        // Right-align the digits behind '0' padding, so the number reads as eight digits.
        ulong padded = digits == 8 ? w : (w << (8 * (8 - digits))) | (0x3030303030303030UL >> (8 * digits));
        if ((padded & 0xF0F0F0F0F0F0F0F0UL) != 0x3030303030303030UL || ((padded + 0x0606060606060606UL) & 0xF0F0F0F0F0F0F0F0UL) != 0x3030303030303030UL)
            return TryParseDouble(data.Slice(start, end - start), out value);
        ulong v = padded & 0x0F0F0F0F0F0F0F0FUL;
        v = (v * 2561) >> 8;                                   // pairs of digits
        v = ((v & 0x00FF00FF00FF00FFUL) * 6553601) >> 16;      // groups of four
        ulong mant = ((v & 0x0000FFFF0000FFFFUL) * 42949672960001UL) >> 32; // all eight
        double r = frac == 0 ? mant : mant / Pow10[frac];
        value = neg ? -r : r;
        return true;
    }

    public static bool TryParseBool(ReadOnlySpan<byte> s, out bool value)
    {
        if (s.Length == 4 && (s[0] | 0x20) == 't' && (s[1] | 0x20) == 'r' && (s[2] | 0x20) == 'u' && (s[3] | 0x20) == 'e') { value = true; return true; }
        if (s.Length == 5 && (s[0] | 0x20) == 'f' && (s[1] | 0x20) == 'a' && (s[2] | 0x20) == 'l' && (s[3] | 0x20) == 's' && (s[4] | 0x20) == 'e') { value = false; return true; }
        value = false;
        return false;
    }

    /// <summary>A date as its day number; <c>yyyy-MM-dd</c> fast, other invariant formats through <see cref="DateOnly.TryParse(string, IFormatProvider, DateTimeStyles, out DateOnly)"/>.</summary>
    public static bool TryParseDate(ReadOnlySpan<byte> s, out int dayNumber)
    {
        if (s.Length == 10 && s[4] == (byte)'-' && s[7] == (byte)'-'
            && Digits(s, 0, 4, out int y) && Digits(s, 5, 2, out int m) && Digits(s, 8, 2, out int d)
            && y >= 1 && m is >= 1 and <= 12 && d >= 1 && d <= DateTime.DaysInMonth(y, m))
        {
            // DateOnly.DayNumber by arithmetic (constructing a DateOnly would validate the date a second time).
            int py = y - 1;
            dayNumber = py * 365 + py / 4 - py / 100 + py / 400 + DaysBeforeMonth[m] + (m > 2 && DateTime.IsLeapYear(y) ? 1 : 0) + d - 1;
            return true;
        }
        dayNumber = 0;
        if (s.Length > 64 || s.Length < 6) return false;
        Span<char> chars = stackalloc char[s.Length];
        for (int i = 0; i < s.Length; i++) chars[i] = (char)s[i];
        if (DateOnly.TryParse(chars, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) { dayNumber = date.DayNumber; return true; }
        return false;
    }

    /// <summary>A date-time as ticks (<c>yyyy-MM-dd HH:mm:ss[.fff]</c>, ISO 8601 with <c>T</c>, or any invariant format).</summary>
    public static bool TryParseDateTime(ReadOnlySpan<byte> s, out long ticks)
    {
        ticks = 0;
        if (s.Length is > 64 or < 8) return false;
        if (s.Length == 10) return false; // a bare date is a Date column
        Span<char> chars = stackalloc char[s.Length];
        for (int i = 0; i < s.Length; i++) chars[i] = (char)s[i];
        if (DateTime.TryParse(chars, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var dt))
        {
            ticks = dt.Ticks;
            return true;
        }
        return false;
    }

    private static bool Digits(ReadOnlySpan<byte> s, int at, int n, out int value)
    {
        value = 0;
        for (int i = at; i < at + n; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) return false;
            value = value * 10 + (int)d;
        }
        return true;
    }
}
