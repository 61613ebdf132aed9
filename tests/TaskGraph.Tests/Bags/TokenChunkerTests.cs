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
