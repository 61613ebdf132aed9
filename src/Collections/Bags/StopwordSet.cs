namespace TaskGraph;

/// <summary>
/// A set of words to drop from token streams, looked up by span without allocating (an open-addressing table of
/// plain strings, so it travels to worker processes as plain data). Matching is exact and case-sensitive: the
/// words are compared with tokens as they are, like Python's <c>token in frozenset(words)</c>.
/// </summary>
public sealed class StopwordSet
{
    private readonly string?[] _slots;
    private readonly int _mask;
    private readonly int _maxLength;

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
    }

    /// <summary>The words of a file, separated by any whitespace (Python's <c>f.read().split()</c>).</summary>
    public static StopwordSet Load(string path)
        => new(File.ReadAllText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

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
