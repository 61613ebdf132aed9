using System.Runtime.CompilerServices;

namespace TaskGraph;

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
public sealed class TokenChunker
{
    [ThreadStatic] private static char[]? t_buffer;
    [ThreadStatic] private static List<string>? t_chunks;

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

    /// <summary>Tokenizes <paramref name="document"/>, drops stopwords and cuts the kept tokens into chunks.</summary>
    public DocumentChunks Chunk(string document)
    {
        ArgumentNullException.ThrowIfNull(document);
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
