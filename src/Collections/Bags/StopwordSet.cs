using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TaskGraph.Bags;

/// <summary>
/// A set of words to drop from token streams, looked up by span without allocating (an open-addressing table of
/// plain strings, so it travels to worker processes as plain data). Matching is exact and case-sensitive: the
/// words are compared with tokens as they are, like Python's <c>token in frozenset(words)</c>.
/// </summary>
public sealed class StopwordSet : ITokenizable
{
    private readonly string?[] _slots;
    private readonly int _mask;
    private readonly int _maxLength;
    private readonly string[] _words;

    // The tokenizer's lookup: words of up to 16 characters in [a-z0-9] (the only ones a token can equal), each
    // packed as 16 bytes (two ulongs, zero-padded) in an open-addressing table; (0, 0) marks an empty slot.
    private readonly ulong[] _packed = [];
    private readonly int _packedShift;
    private readonly ulong _packedMultiplier;
    private readonly int _packedMaxLength;

    /// <summary>Builds the set from <paramref name="words"/> (duplicates and empty strings are ignored).</summary>
    public StopwordSet(IEnumerable<string> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        var distinct = words.Where(w => !string.IsNullOrEmpty(w)).Distinct(StringComparer.Ordinal).ToArray();
        int size = 16;
        while (size < distinct.Length * 4) size *= 2; // load factor <= 1/4: probes stay short
        _slots = new string?[size];
        _mask = size - 1;
        foreach (var w in distinct)
        {
            uint h = Hash(w);
            int i = (int)((h ^ (h >> 15)) & (uint)_mask);
            while (_slots[i] is not null) i = (i + 1) & _mask;
            _slots[i] = w;
            _maxLength = Math.Max(_maxLength, w.Length);
        }
        Count = distinct.Length;
        _words = distinct.Order(StringComparer.Ordinal).ToArray();

        // A collision-free table for the packed words (a multiplier is searched for, deterministically): a lookup
        // is then one slot compare, with no probe loop and no branch for the tokenizer to mispredict.
        var tokenLike = distinct.Where(w => w.Length <= PackedLength && w.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9')).ToArray();
        var keys = tokenLike.Select(w =>
        {
            var padded = new char[PackedLength];
            w.CopyTo(padded);
            return Pack(ref padded[0], w.Length);
        }).ToArray();
        _packedMaxLength = tokenLike.Length == 0 ? 0 : tokenLike.Max(w => w.Length);
        int packedSize = 64;
        while (packedSize < tokenLike.Length * 8) packedSize *= 2;
        ulong multiplier = StableHash.Gamma; // the golden ratio: a good first multiplicative hash
        for (int attempt = 0; ; attempt++)
        {
            _packedShift = 64 - System.Numerics.BitOperations.Log2((uint)packedSize);
            _packedMultiplier = multiplier;
            _packed = new ulong[2 * packedSize];
            bool clash = false;
            foreach (var (lo, hi) in keys)
            {
                int i = PackedSlot(lo, hi);
                if (_packed[2 * i] != 0) { clash = true; break; }
                _packed[2 * i] = lo;
                _packed[2 * i + 1] = hi;
            }
            if (!clash) break;
            multiplier = StableHash.Mix(multiplier + (ulong)attempt) | 1;
            if (attempt % 16 == 15) packedSize *= 2;
        }
    }

    /// <summary>The longest token <see cref="ContainsToken"/> can look up.</summary>
    internal const int PackedLength = 16;

    /// <summary>
    /// True when the lowercase ASCII token of <paramref name="length"/> (at most 16) characters starting at
    /// <paramref name="first"/> is in the set. Reads 16 characters from <paramref name="first"/> whatever the
    /// length (the caller guarantees they are readable); those past the token are masked off. One hash of two
    /// ulongs and usually one probe: no per-character loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool ContainsToken(ref char first, int length)
    {
        Debug.Assert(length <= PackedLength);
        var (lo, hi) = Pack(ref first, length);
        int i = PackedSlot(lo, hi);
        // Non-short-circuit '&': both compares are cheap, and a branch here would be mispredicted often.
        return (length <= _packedMaxLength) & (_packed[2 * i] == lo) & (_packed[2 * i + 1] == hi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int PackedSlot(ulong lo, ulong hi) => (int)(((lo ^ (hi * 0xC2B2AE3D27D4EB4FUL)) * _packedMultiplier) >> _packedShift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (ulong Lo, ulong Hi) Pack(ref char first, int length)
    {
        ref ushort u = ref Unsafe.As<char, ushort>(ref first);
        var bytes = Vector128.Narrow(Vector128.LoadUnsafe(ref u), Vector128.LoadUnsafe(ref u, 8));
        var keep = Vector128.LessThan(Vector128.Create((byte)0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector128.Create((byte)length));
        var packed = (bytes & keep).AsUInt64();
        return (packed.GetElement(0), packed.GetElement(1));
    }

    /// <summary>The words of a file, separated by any whitespace (Python's <c>f.read().split()</c>).</summary>
    public static StopwordSet Load(string path)
        => new(File.ReadAllText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>The length of the longest word (longer tokens need no lookup).</summary>
    public int MaxLength => _maxLength;

    /// <summary>Fingerprints the words, so a bag operation capturing this set keeps a deterministic task key.</summary>
    public void AddToken(ref TokenBuilder builder)
    {
        builder.Add((ulong)_words.Length);
        foreach (var w in _words) builder.Add(w);
    }

    /// <summary>The number of distinct words.</summary>
    public int Count { get; }

    /// <summary>True when <paramref name="word"/> is in the set.</summary>
    public bool Contains(ReadOnlySpan<char> word) => Contains(word, Hash(word));

    /// <summary>
    /// True when <paramref name="word"/> is in the set, given its hash (<see cref="HashSeed"/> folded with
    /// <see cref="HashStep"/> over its characters), so a tokenizer can hash while it copies the token.
    /// </summary>
    internal bool Contains(ReadOnlySpan<char> word, uint hash)
    {
        if (word.Length > _maxLength || word.Length == 0) return false;
        hash ^= hash >> 15;
        int i = (int)(hash & (uint)_mask);
        for (var slot = _slots[i]; slot is not null; slot = _slots[i])
        {
            if (word.SequenceEqual(slot)) return true;
            i = (i + 1) & _mask;
        }
        return false;
    }

    /// <summary>Start value of the word hash (FNV-1a, 32 bits).</summary>
    internal const uint HashSeed = 2166136261;

    /// <summary>Folds one character into the word hash.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal static uint HashStep(uint hash, char c) => (hash ^ c) * 16777619;

    private static uint Hash(ReadOnlySpan<char> word)
    {
        uint h = HashSeed;
        foreach (char c in word) h = HashStep(h, c);
        return h;
    }
}
