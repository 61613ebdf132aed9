using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TaskGraph.Bags;

/// <summary>
/// The tokens of one document and their cut into chunks: <see cref="RawTokens"/> tokens were found,
/// <see cref="KeptTokens"/> survived the stopwords, and <see cref="Chunks"/> holds the kept tokens in groups of
/// (at most) the chunk size, each joined with single spaces.
/// </summary>
public readonly record struct DocumentChunks(int RawTokens, int KeptTokens, string[] Chunks);

/// <summary>
/// Text preprocessing for language models, exactly as Python's
/// <c>[t for t in re.findall("[a-z0-9]+", doc.lower()) if t not in stop]</c>, cut into chunks of
/// <see cref="ChunkTokens"/> tokens joined by spaces. It works on the characters in place: tokens are lowercased
/// straight into the chunk being built and a stopword is rolled back, so no string is made per token, only one
/// per chunk. Non-ASCII text follows Python's rules: <c>str.lower()</c> maps only two non-ASCII characters to
/// ASCII letters — U+0130 'İ' to "i" + U+0307 (so it contributes an 'i' and then ends the token) and the Kelvin
/// sign U+212A to 'k' — every other non-ASCII character separates tokens. Plain data (the stopword table and the
/// chunk size), so it can be captured by a bag operation that runs in another process.
/// </summary>
public sealed class TokenChunker : ITokenizable
{
    [ThreadStatic] private static char[]? t_buffer;
    [ThreadStatic] private static List<string>? t_chunks;
    [ThreadStatic] private static char[]? t_lower;
    [ThreadStatic] private static ulong[]? t_mask;

    /// <summary>For ASCII code units: the lowercase token character, or 0 for a separator (static data: no field load).</summary>
    private static ReadOnlySpan<byte> AsciiMap =>
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)'0', (byte)'1', (byte)'2', (byte)'3', (byte)'4', (byte)'5', (byte)'6', (byte)'7', (byte)'8', (byte)'9', 0, 0, 0, 0, 0, 0,
        0, (byte)'a', (byte)'b', (byte)'c', (byte)'d', (byte)'e', (byte)'f', (byte)'g', (byte)'h', (byte)'i', (byte)'j', (byte)'k', (byte)'l', (byte)'m', (byte)'n', (byte)'o',
        (byte)'p', (byte)'q', (byte)'r', (byte)'s', (byte)'t', (byte)'u', (byte)'v', (byte)'w', (byte)'x', (byte)'y', (byte)'z', 0, 0, 0, 0, 0,
        0, (byte)'a', (byte)'b', (byte)'c', (byte)'d', (byte)'e', (byte)'f', (byte)'g', (byte)'h', (byte)'i', (byte)'j', (byte)'k', (byte)'l', (byte)'m', (byte)'n', (byte)'o',
        (byte)'p', (byte)'q', (byte)'r', (byte)'s', (byte)'t', (byte)'u', (byte)'v', (byte)'w', (byte)'x', (byte)'y', (byte)'z', 0, 0, 0, 0, 0,
    ];

    private readonly StopwordSet? _stopwords;

    /// <summary>Creates a chunker dropping <paramref name="stopwords"/> (none when null) and cutting every <paramref name="chunkTokens"/> kept tokens.</summary>
    public TokenChunker(StopwordSet? stopwords = null, int chunkTokens = 512)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkTokens, 1);
        _stopwords = stopwords;
        ChunkTokens = chunkTokens;
    }

    /// <summary>The number of kept tokens per chunk (the last chunk of a document may have fewer).</summary>
    public int ChunkTokens { get; }

    /// <summary>Fingerprints the chunk size and the stopwords, so <c>bag.Map(chunker.Chunk)</c> keeps a deterministic task key.</summary>
    public void AddToken(ref TokenBuilder builder)
    {
        builder.Add((ulong)ChunkTokens);
        if (_stopwords is null) builder.Add(0UL);
        else _stopwords.AddToken(ref builder);
    }

    /// <summary>Tokenizes <paramref name="document"/>, drops stopwords and cuts the kept tokens into chunks.</summary>
    public DocumentChunks Chunk(string document)
    {
        ArgumentNullException.ThrowIfNull(document);
        // 'İ' ends a token without a separator, which the bitmask of token characters cannot express: such
        // (rare) documents take the character-by-character path.
        return document.Contains('\u0130') ? ChunkScalar(document) : ChunkVectorized(document);
    }

    /// <summary>
    /// The fast path. One vectorized pass lowercases the text and marks its token characters in a bitmask
    /// (16 characters per step; a step holding non-ASCII characters is classified one by one); then tokens are
    /// found as runs of set bits (trailing-zero counts, no branch per character), and each kept token is copied
    /// into the chunk being built.
    /// </summary>
    internal DocumentChunks ChunkVectorized(string document)
    {
        int n = document.Length;
        var low = t_lower;
        // 16 spare characters: the stopword lookup reads 16 characters from a token's start.
        if (low is null || low.Length < n + StopwordSet.PackedLength) t_lower = low = new char[Math.Max(8192, n + StopwordSet.PackedLength)];
        int words = (n + 63) >> 6;
        var mask = t_mask;
        if (mask is null || mask.Length < words + 1) t_mask = mask = new ulong[Math.Max(128, words + 1)];
        Array.Clear(mask, 0, words + 1); // the word after the last stays 0: every run of set bits ends
        Classify(document, low, mask);

        var buf = t_buffer;
        // n + 1 characters bound a chunk; 16 spare ones let a short token be copied as two whole vectors.
        if (buf is null || buf.Length < n + 1 + StopwordSet.PackedLength) t_buffer = buf = new char[Math.Max(8192, n + 1 + StopwordSet.PackedLength)];
        var chunks = t_chunks ??= new List<string>();
        chunks.Clear();
        var stop = _stopwords;
        int chunkTokens = ChunkTokens;
        int pos = 0, len = 0, inChunk = 0, raw = 0, kept = 0;
        while (true)
        {
            int w = pos >> 6;
            if (w >= words) break;
            ulong bits = mask[w] & (ulong.MaxValue << (pos & 63));
            while (bits == 0)
            {
                if (++w >= words) goto done;
                bits = mask[w];
            }
            int start = (w << 6) + BitOperations.TrailingZeroCount(bits);
            ulong gaps = ~mask[w] & (ulong.MaxValue << (start & 63));
            while (gaps == 0) gaps = ~mask[++w];
            int end = (w << 6) + BitOperations.TrailingZeroCount(gaps);
            pos = end;
            raw++;
            int length = end - start;
            // Branch-free on the stopword decision (about 40% of tokens in English text, so a branch would be
            // mispredicted a lot): copy the token after a separator, then advance past it only when it is kept.
            int sep = inChunk > 0 ? 1 : 0;
            buf[len] = ' ';
            if (length <= StopwordSet.PackedLength)
            {
                ref ushort from = ref Unsafe.As<char, ushort>(ref low[start]);
                ref ushort to = ref Unsafe.As<char, ushort>(ref buf[len + sep]);
                Vector128.LoadUnsafe(ref from).StoreUnsafe(ref to);
                Vector128.LoadUnsafe(ref from, 8).StoreUnsafe(ref to, 8);
            }
            else
            {
                new ReadOnlySpan<char>(low, start, length).CopyTo(new Span<char>(buf, len + sep, length));
            }
            bool isStop = stop is not null && (length <= StopwordSet.PackedLength
                ? stop.ContainsToken(ref low[start], length)
                : stop.Contains(new ReadOnlySpan<char>(low, start, length)));
            int keep = isStop ? 0 : 1;
            len += (sep + length) & -keep;
            inChunk += keep;
            kept += keep;
            if (inChunk == chunkTokens)
            {
                chunks.Add(new string(buf, 0, len));
                len = 0;
                inChunk = 0;
            }
        }
    done:
        if (inChunk > 0) chunks.Add(new string(buf, 0, len));
        return new DocumentChunks(raw, kept, chunks.ToArray());
    }

    /// <summary>Writes the lowercased characters to <paramref name="low"/> and sets bit i of <paramref name="mask"/> when character i is a token character.</summary>
    private static void Classify(string text, char[] low, ulong[] mask)
    {
        int n = text.Length, i = 0;
        ref ushort src = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(text.AsSpan()));
        ref ushort dst = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetArrayDataReference(low));
        if (Vector256.IsHardwareAccelerated)
        {
            var nonAscii = Vector256.Create((ushort)0xFF80);
            var caseBit = Vector256.Create((ushort)0x20);
            var a = Vector256.Create((ushort)'a');
            var zero = Vector256.Create((ushort)'0');
            var letters = Vector256.Create((ushort)26);
            var digits = Vector256.Create((ushort)10);
            for (; i + 16 <= n; i += 16)
            {
                var v = Vector256.LoadUnsafe(ref src, (nuint)i);
                if ((v & nonAscii) != Vector256<ushort>.Zero)
                {
                    ClassifyScalar(text, low, mask, i, i + 16);
                    continue;
                }
                var lower = v | caseBit;
                var isLetter = Vector256.LessThan(lower - a, letters);   // unsigned: anything below 'a' wraps around
                var isToken = isLetter | Vector256.LessThan(v - zero, digits);
                Vector256.ConditionalSelect(isLetter, lower, v).StoreUnsafe(ref dst, (nuint)i);
                mask[i >> 6] |= (ulong)isToken.ExtractMostSignificantBits() << (i & 63);
            }
        }
        ClassifyScalar(text, low, mask, i, n);
    }

    private static void ClassifyScalar(string text, char[] low, ulong[] mask, int from, int to)
    {
        for (int i = from; i < to; i++)
        {
            char l = Lower(text[i]);
            low[i] = l;
            if (l != '\0') mask[i >> 6] |= 1UL << (i & 63);
        }
    }

    /// <summary>The character-by-character path (any text, including 'İ'); also the reference for the fast path's tests.</summary>
    internal DocumentChunks ChunkScalar(string document)
    {
        // A chunk is never longer than 2n + 1 characters (each token char and each separating space comes from at
        // least one source char, except after 'İ', which ends a token without a separator): size the buffer once
        // per document and the loops below need no capacity checks.
        var buf = t_buffer;
        if (buf is null || buf.Length < 2 * document.Length + 1) t_buffer = buf = new char[Math.Max(8192, 2 * document.Length + 1)];
        var chunks = t_chunks ??= new List<string>();
        chunks.Clear();
        var stop = _stopwords;
        int chunkTokens = ChunkTokens;
        ReadOnlySpan<char> text = document;
        int n = text.Length, i = 0, len = 0, inChunk = 0, raw = 0, kept = 0;
        while (i < n)
        {
            char c = text[i];
            char l = Lower(c);
            if (l == '\0') { i++; continue; }

            int mark = len; // the chunk as it was before this token, to roll a stopword back
            if (inChunk > 0) buf[len++] = ' ';
            int tokenStart = len;
            uint hash = StopwordSet.HashSeed;
            while (true)
            {
                buf[len++] = l;
                hash = StopwordSet.HashStep(hash, l);
                i++;
                // Python lowercases 'İ' to "i\u0307": the combining dot is not in [a-z0-9], so the token ends here.
                if (c == '\u0130' || i == n) break;
                c = text[i];
                l = Lower(c);
                if (l == '\0') break;
            }
            raw++;
            if (stop is not null && stop.Contains(buf.AsSpan(tokenStart, len - tokenStart), hash))
            {
                len = mark;
                continue;
            }
            kept++;
            if (++inChunk == chunkTokens)
            {
                chunks.Add(new string(buf, 0, len));
                len = 0;
                inChunk = 0;
            }
        }
        if (inChunk > 0) chunks.Add(new string(buf, 0, len));
        return new DocumentChunks(raw, kept, chunks.ToArray());
    }

    /// <summary>The tokens of <paramref name="text"/> (lowercased, stopwords NOT dropped), as Python's <c>re.findall("[a-z0-9]+", text.lower())</c>.</summary>
    public static List<string> Tokens(string text) => [.. new TokenChunker(null, 1).Chunk(text).Chunks];

    /// <summary>The token character <paramref name="c"/> contributes after Python's <c>str.lower()</c>, or 0 for a separator.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static char Lower(char c)
    {
        var map = AsciiMap;
        if ((uint)c < (uint)map.Length) return (char)map[c];
        return c == '\u0130' ? 'i' : c == '\u212A' ? 'k' : '\0';
    }
}
