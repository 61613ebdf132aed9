namespace TaskGraph.Tests.Keys;

/// <summary>
/// Fingerprints of values (Dask's <c>tokenize</c>): equal contents give equal tokens, whatever the insertion order of
/// a dictionary or a set; different contents, and equal contents in different kinds of collection, never collide.
/// </summary>
public class TokenizeTests
{
    private static Token T(object? value) => ValueTokenizer.TryTokenize(value) ?? throw new AssertionException($"{value} was not fingerprinted");

    private sealed record Point(int X, string Label, int[] Tags);

    private static Func<int, int> AddK(int k) => x => x + k;

    // dask/tests/test_tokenize.py::test_tokenize_dict
    [Test]
    public void EqualDictionariesGiveEqualTokensWhateverTheirInsertionOrder()
    {
        var a = new Dictionary<string, int> { ["x"] = 1, ["y"] = 2, ["z"] = 3 };
        var b = new Dictionary<string, int> { ["z"] = 3, ["y"] = 2, ["x"] = 1 };
        var c = new Dictionary<string, int> { ["x"] = 1, ["gone"] = 9, ["y"] = 2 };
        c.Remove("gone");
        c["z"] = 3; // reuses the freed slot: another internal order again
        Assert.That(T(b), Is.EqualTo(T(a)));
        Assert.That(T(c), Is.EqualTo(T(a)));
        Assert.That(T(new SortedDictionary<string, int>(a)), Is.Not.EqualTo(T(a)), "another dictionary type");
        Assert.That(T(new Dictionary<string, int> { ["x"] = 1, ["y"] = 2, ["z"] = 4 }), Is.Not.EqualTo(T(a)), "a value differs");
        Assert.That(T(new Dictionary<string, int> { ["x"] = 2, ["y"] = 1, ["z"] = 3 }), Is.Not.EqualTo(T(a)), "values swapped between keys");
        Assert.That(T(new Dictionary<string, int> { ["x"] = 1, ["y"] = 2 }), Is.Not.EqualTo(T(a)), "an entry fewer");
    }

    // dask/tests/test_tokenize.py::test_tokenize_set
    [Test]
    public void EqualSetsGiveEqualTokensWhateverTheirInsertionOrder()
    {
        Assert.That(T(new HashSet<int> { 3, 1, 2 }), Is.EqualTo(T(new HashSet<int> { 1, 2, 3 })));
        Assert.That(T(new HashSet<string> { "b", "a" }), Is.EqualTo(T(new HashSet<string> { "a", "b" })));
        Assert.That(T(new HashSet<int> { 1, 2, 4 }), Is.Not.EqualTo(T(new HashSet<int> { 1, 2, 3 })));
    }

    [Test]
    public void NestedCollectionsAreFingerprintedByContent()
    {
        var a = new Dictionary<string, List<int>> { ["p"] = [1, 2], ["q"] = [3] };
        var b = new Dictionary<string, List<int>> { ["q"] = [3], ["p"] = [1, 2] };
        Assert.That(T(b), Is.EqualTo(T(a)));
        Assert.That(T(new Dictionary<string, List<int>> { ["p"] = [2, 1], ["q"] = [3] }), Is.Not.EqualTo(T(a)), "inner lists are ordered");
        var sets = new List<HashSet<string>> { new() { "a", "b" }, new() { "c" } };
        Assert.That(T(new List<HashSet<string>> { new() { "b", "a" }, new() { "c" } }), Is.EqualTo(T(sets)));
        Assert.That(T(new List<HashSet<string>> { new() { "c" }, new() { "b", "a" } }), Is.Not.EqualTo(T(sets)), "the outer list is ordered");
    }

    // dask/tests/test_tokenize.py::test_tokenize_sequences (a list and a tuple of equal items differ)
    [Test]
    public void EqualContentsInDifferentCollectionTypesDoNotCollide()
    {
        var tokens = new[]
        {
            T(new List<int> { 1, 2 }), T(new[] { 1, 2 }), T(new HashSet<int> { 1, 2 }), T(new SortedSet<int> { 1, 2 }),
            T((1, 2)), T(new[] { 1L, 2L }), T(new List<long> { 1, 2 }), T(new Queue<int>([1, 2])), T(new[,] { { 1, 2 } }),
            T(new Dictionary<int, int> { [1] = 2 }),
        };
        Assert.That(tokens.Distinct().Count(), Is.EqualTo(tokens.Length));
    }

    // dask/tests/test_tokenize.py::test_tokenize_numpy_array_consistent_on_values
    [Test]
    public void ListsAndArraysAreFingerprintedByContent()
    {
        var big = Enumerable.Range(0, 1_000_000).Select(i => i * 0.5).ToArray();
        var copy = (double[])big.Clone();
        Assert.That(T(copy), Is.EqualTo(T(big)));
        copy[777_777] += 1e-9;
        Assert.That(T(copy), Is.Not.EqualTo(T(big)), "one element of a million differs");
        Assert.That(T(big.ToList()), Is.EqualTo(T(big.ToList())));
        Assert.That(T(new List<double>(big) { [999_999] = -1 }), Is.Not.EqualTo(T(big.ToList())));
        Assert.That(T(new[] { "a", "b" }), Is.EqualTo(T(new[] { "a", "b" })));
        Assert.That(T(new[] { "a", "b" }), Is.Not.EqualTo(T(new[] { "b", "a" })));
        Assert.That(T(new[] { "ab", "c" }), Is.Not.EqualTo(T(new[] { "a", "bc" })), "element boundaries count");
        Assert.That(T(new int[2, 3]), Is.Not.EqualTo(T(new int[3, 2])), "a multi-dimensional array's shape counts");
        Assert.That(T(new[] { (1, 2.5), (3, 4.5) }), Is.EqualTo(T(new[] { (1, 2.5), (3, 4.5) })), "unmanaged structs by memory");
        Assert.That(T(new[] { (1, 2.5), (3, 4.5) }), Is.Not.EqualTo(T(new[] { (1, 2.5), (3, 4.0) })));
    }

    // dask/tests/test_tokenize.py::test_tokenize_dataclass
    [Test]
    public void RecordsAreFingerprintedByTheirFields()
    {
        Assert.That(T(new Point(1, "a", [1, 2])), Is.EqualTo(T(new Point(1, "a", [1, 2]))));
        Assert.That(T(new Point(1, "a", [1, 3])), Is.Not.EqualTo(T(new Point(1, "a", [1, 2]))));
        Assert.That(T(new Point(2, "a", [1, 2])), Is.Not.EqualTo(T(new Point(1, "a", [1, 2]))));
    }

    // dask/tests/test_tokenize.py::test_tokenize_functions_unique_token, ::test_tokenize_partial_func_args_kwargs_consistent
    [Test]
    public void DelegatesAreFingerprintedByMethodAndCapturedValues()
    {
        Assert.That(T(AddK(1)), Is.EqualTo(T(AddK(1))));
        Assert.That(T(AddK(1)), Is.Not.EqualTo(T(AddK(2))), "a closure over another constant");
        Func<int, int> inc = x => x + 1, dec = x => x - 1;
        Assert.That(T(inc), Is.Not.EqualTo(T(dec)), "another method");
        var state = new System.Text.StringBuilder();
        Func<int, int> opaque = x => x + state.Length;
        Assert.That(ValueTokenizer.TryTokenize(opaque), Is.Null, "state that cannot be fingerprinted is never silently equal");
        Assert.That(ValueTokenizer.TryTokenize(new Dictionary<string, object> { ["s"] = state }), Is.Null);
    }

    [Test]
    public void DomainsKeepEqualValuesApart()
    {
        Assert.That(ValueTokenizer.TryTokenize(1, "a"), Is.Not.EqualTo(ValueTokenizer.TryTokenize(1, "b")));
        Assert.That(T(1), Is.Not.EqualTo(T(1L)));
        Assert.That(T(1), Is.Not.EqualTo(T(1.0)));
        Assert.That(T("1"), Is.Not.EqualTo(T(1)));
    }

    [Test]
    public void ANamedDomainIsItsPrecomputedSeed()
    {
        // Hot paths keep DomainSeed(name) in a static field: starting from it must be the same as naming the domain.
        foreach (var name in new[] { "call", "literal", "partition-key", "" })
        {
            var named = new TokenBuilder(name);
            var seeded = new TokenBuilder(TokenBuilder.DomainSeed(name));
            named.Add(42UL);
            seeded.Add(42UL);
            Assert.That(seeded.Finish(), Is.EqualTo(named.Finish()), name);
        }
        var seeds = new[] { "call", "literal", "named-key", "partition-key", "unique", "type", "method", "unordered-element", "task-function", "value" }
            .Select(TokenBuilder.DomainSeed).ToArray();
        Assert.That(seeds.Distinct().Count(), Is.EqualTo(seeds.Length), "distinct domain names give distinct seeds");
        Assert.Throws<ArgumentNullException>(() => TokenBuilder.DomainSeed(null!));
    }

    [Test]
    public void KeysOfDifferentKindsBuiltFromTheSameValueStayApart()
    {
        // A literal, a name and a partition index built from one value are different tasks: their domains differ.
        var literal = TaskSpec.Literal("7").Key.Token;
        var named = TaskKey.Named("7").Token;
        var partition = TaskKey.ForPartition("7", default, 7).Token;
        var value = T("7");
        Assert.That(new[] { literal, named, partition, value }.Distinct().Count(), Is.EqualTo(4));
        Assert.That(TaskSpec.Literal("7").Key, Is.EqualTo(TaskSpec.Literal("7").Key), "and the same value keeps one key");
    }
}
