namespace TaskGraph.Tests.Bags;

/// <summary>
/// The tokenizer against Python: every expected list below was produced by
/// <c>re.findall("[a-z0-9]+", s.lower())</c> with Python 3.11.
/// </summary>
public class TokenChunkerTests
{
    [TestCase("Hello, World! 42abc DEF-ghi", new[] { "hello", "world", "42abc", "def", "ghi" })]
    [TestCase("\u0130stanbul K\u0130LO \u212Aelvin \u00C0BC stra\u00DFe \u01C4x \uFB01ne", new[] { "i", "stanbul", "ki", "lo", "kelvin", "bc", "stra", "e", "x", "ne" })]
    [TestCase("\u0130\u0130 a\u0130b", new[] { "i", "i", "ai", "b" })]
    [TestCase("x\u0130\u0130y", new[] { "xi", "i", "y" })]
    [TestCase("\u00C9COLE caf\u00E9 na\u00EFve 123\u00FF", new[] { "cole", "caf", "na", "ve", "123" })]
    [TestCase("", new string[0])]
    [TestCase("   ", new string[0])]
    [TestCase("\u03A3\u03AF\u03C3\u03C5\u03C6\u03BF\u03C2 \u0391\u0392\u0393 abc\u00A0def\u2028ghi", new[] { "abc", "def", "ghi" })]
    [TestCase("\U0001F600emoji\U0001F600 TEST", new[] { "emoji", "test" })]
    public void TokensMatchPythonLowerAndRegex(string text, string[] expected)
        => Assert.That(TokenChunker.Tokens(text), Is.EqualTo(expected));

    [Test]
    public void StopwordsAreDroppedAndChunksJoinedWithSingleSpaces()
    {
        // Python: doc_stats("The cat of THE hat a b c d e f", {"the", "a", "of"}) with 3-token chunks
        var chunker = new TokenChunker(new StopwordSet(["the", "a", "of"]), chunkTokens: 3);
        var d = chunker.Chunk("The cat of THE hat a b c d e f");
        Assert.That((d.RawTokens, d.KeptTokens), Is.EqualTo((11, 7)));
        Assert.That(d.Chunks, Is.EqualTo(new[] { "cat hat b", "c d e", "f" }));
    }

    [Test]
    public void LongDocumentsAndStopwordsAtChunkEdges()
    {
        var words = Enumerable.Range(0, 5000).Select(i => i % 4 == 0 ? "THE" : $"W{i}").ToArray();
        var chunker = new TokenChunker(new StopwordSet(["the"]), chunkTokens: 512);
        var d = chunker.Chunk(string.Join(" \t,", words));
        var kept = words.Where(w => w != "THE").Select(w => w.ToLowerInvariant()).ToArray();
        Assert.That(d.RawTokens, Is.EqualTo(words.Length));
        Assert.That(d.KeptTokens, Is.EqualTo(kept.Length));
        Assert.That(d.Chunks, Is.EqualTo(kept.Chunk(512).Select(c => string.Join(' ', c))));
    }

    [Test]
    public void VectorizedPathAgreesWithCharacterByCharacterPath()
    {
        // Random documents long enough for many 16-character vector steps and 64-character mask words, mixing
        // ASCII, separators, accented letters, the Kelvin sign and supplementary characters.
        string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789      ,.;-\t\n\u00E9\u00C0\u212A\u00DF\u03A3\u2028";
        var stop = new StopwordSet(["a", "the", "of", "and", "ab", "zz9", "kk", "abcdefghijklmnop", "abcdefghijklmnopq", "\u00E9t\u00E9"]);
        var rng = new Random(20261121);
        for (int doc = 0; doc < 300; doc++)
        {
            int length = rng.Next(0, 2000);
            var chars = new char[length];
            for (int i = 0; i < length; i++) chars[i] = alphabet[rng.Next(alphabet.Length)];
            // Some documents are long runs of letters: tokens crossing 64-character mask words.
            if (doc % 7 == 0) for (int i = 0; i < length; i++) if (rng.Next(50) > 0) chars[i] = (char)('a' + rng.Next(26));
            if (doc % 5 == 0 && length > 10) "\U0001F600".CopyTo(0, chars, rng.Next(length - 2), 2);
            var text = new string(chars);
            var chunker = new TokenChunker(doc % 3 == 0 ? null : stop, chunkTokens: 1 + rng.Next(40));
            var fast = chunker.ChunkVectorized(text);
            var slow = chunker.ChunkScalar(text);
            Assert.That((fast.RawTokens, fast.KeptTokens), Is.EqualTo((slow.RawTokens, slow.KeptTokens)), text);
            Assert.That(fast.Chunks, Is.EqualTo(slow.Chunks), text);
        }
    }

    [Test]
    public void LongStopwordsAreDroppedToo()
    {
        var chunker = new TokenChunker(new StopwordSet(["abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnop"]), chunkTokens: 10);
        var text = string.Join(" ", Enumerable.Repeat("ABCDEFGHIJKLMNOPQRSTUVWXYZ keep abcdefghijklmnop abcdefghijklmnopq", 8));
        Assert.That(chunker.Chunk(text).Chunks, Is.EqualTo(new[] { string.Join(" ", Enumerable.Repeat("keep abcdefghijklmnopq", 5)), string.Join(" ", Enumerable.Repeat("keep abcdefghijklmnopq", 3)) }));
    }

    [Test]
    public void StopwordSetMatchesExactly()
    {
        var set = StopwordSet.Load(WriteTemp("a about\nabove  after\n\tThe\n"));
        Assert.That(set.Count, Is.EqualTo(5));
        Assert.That(set.Contains("about"), Is.True);
        Assert.That(set.Contains("The"), Is.True);
        Assert.That(set.Contains("the"), Is.False, "case-sensitive, like Python's set");
        Assert.That(set.Contains("abou"), Is.False);
        Assert.That(set.Contains(""), Is.False);
    }

    private static string WriteTemp(string text)
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, text);
        return path;
    }
}
