using System.Reflection;
using System.Reflection.Emit;
using TaskGraph.Wire;

namespace TaskGraph.Tests.Wire;

/// <summary>The binary codec on its own, on both wire paths (generated accessors and reflection only): every supported shape survives a round trip; what cannot cross is refused with its path.</summary>
[TestFixture(WirePath.DynamicCode)]
[TestFixture(WirePath.Reflection)]
public class WireCodecTests(WirePath path)
{
    private IDisposable? _path;

    [SetUp]
    public void UseWirePath() => _path = WirePaths.Use(path);

    [TearDown]
    public void RestoreWirePath() => _path?.Dispose();

    private static T RoundTrip<T>(T value) => (T)WireCodec.FromBytes(WireCodec.ToBytes(value))!;

    [Test]
    public void PrimitivesAndStringsRoundTrip()
    {
        object?[] values = [null, true, false, 42, -7L, 3.5, 2.5f, (byte)7, (sbyte)-3, (short)-12, (ushort)12, 9u, 10UL, 'x', "héllo", "", 12.34m,
            new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc), TimeSpan.FromMinutes(3), Guid.Parse("b7e4a5f0-0f7e-4ad4-9d6b-2f7fd2e5b0a1"), DayOfWeek.Friday];
        foreach (var v in values) Assert.That(RoundTrip(v), Is.EqualTo(v), $"{v?.GetType()}");
    }

    [Test]
    public void PrimitiveArraysAreRawMemory()
    {
        var doubles = Enumerable.Range(0, 100_000).Select(i => i * 0.5).ToArray();
        var bytes = WireCodec.ToBytes(doubles);
        // Raw memory: 8 bytes per element plus a small header (tag, type identity, length).
        Assert.That(bytes.Length, Is.LessThan(doubles.Length * 8 + 200));
        Assert.That(WireCodec.FromBytes(bytes), Is.EqualTo(doubles));
        Assert.That(RoundTrip(new[] { true, false, true }), Is.EqualTo(new[] { true, false, true }));
        Assert.That(RoundTrip(new[] { (A: 1, B: 2.0), (A: 3, B: 4.0) }), Is.EqualTo(new[] { (1, 2.0), (3, 4.0) }));
    }

    [Test]
    public void CollectionsRoundTrip()
    {
        Assert.That(RoundTrip(new List<int> { 1, 2, 3 }), Is.EqualTo(new List<int> { 1, 2, 3 }));
        Assert.That(RoundTrip(new[] { "a", null, "c" }), Is.EqualTo(new[] { "a", null, "c" }));
        var dict = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase) { ["One"] = 1, ["two"] = 2 };
        var back = RoundTrip(dict);
        Assert.That(back["ONE"], Is.EqualTo(1), "the comparer travels with the dictionary");
        Assert.That(back, Has.Count.EqualTo(2));
        var set = RoundTrip(new HashSet<string> { "x", "y" });
        Assert.That(set.Contains("x") && set.Contains("y"), Is.True, "sets are rebuilt, so string hashing of this process applies");
        Assert.That(RoundTrip(new List<string[]> { new[] { "p" }, new[] { "q", "r" } }), Is.EqualTo(new List<string[]> { new[] { "p" }, new[] { "q", "r" } }));
    }

    public sealed record Point(int X, double Y, string Label);

    public sealed class Plain
    {
        private readonly int _secret;
        public Plain(int secret) => _secret = secret;
        public int Secret => _secret;
        public List<Point> Points { get; } = [];
        public Plain? Next { get; set; }
    }

    public struct Pair
    {
        public int A;
        public string B;
    }

    [Test]
    public void RecordsTuplesStructsAndPlainObjectsRoundTrip()
    {
        Assert.That(RoundTrip(new Point(1, 2.5, "p")), Is.EqualTo(new Point(1, 2.5, "p")));
        Assert.That(RoundTrip((1, "two", 3.0)), Is.EqualTo((1, "two", 3.0)));
        Assert.That(RoundTrip(Tuple.Create(1, "x")), Is.EqualTo(Tuple.Create(1, "x")));
        var pair = RoundTrip(new Pair { A = 4, B = "b" });
        Assert.That((pair.A, pair.B), Is.EqualTo((4, "b")));
        var plain = new Plain(99);
        plain.Points.Add(new Point(3, 4, "q"));
        var copy = RoundTrip(plain);
        Assert.That(copy.Secret, Is.EqualTo(99));
        Assert.That(copy.Points, Is.EqualTo(plain.Points));
    }

    [Test]
    public void DelegatesSharingOneClosureEachKeepTheFieldsTheyRead()
    {
        // The compiler puts every captured variable of a scope in one closure object shared by all its lambdas;
        // each delegate is cleaned to the fields it reads, so the second must not reuse the first one's trimmed copy.
        static (Func<int, int>, Func<int, int>) Make(int add, int times) => (x => x + add, x => x * times);
        var (plus, mul) = Make(3, 10);
        var (plus2, mul2) = RoundTrip((plus, mul));
        Assert.That((plus2(1), mul2(2)), Is.EqualTo((4, 20)));
    }

    [Test]
    public void SharedReferencesAndCyclesSurvive()
    {
        var a = new Plain(1);
        a.Next = a;
        var back = RoundTrip(a);
        Assert.That(back.Next, Is.SameAs(back));
        var shared = new Point(1, 1, "s");
        var list = RoundTrip(new List<Point> { shared, shared });
        Assert.That(list[1], Is.SameAs(list[0]));
    }

    [Test]
    public void TypesAndMethodsRoundTrip()
    {
        Assert.That(RoundTrip(typeof(Dictionary<string, List<int[]>>)), Is.EqualTo(typeof(Dictionary<string, List<int[]>>)));
        var m = typeof(WireCodecTests).GetMethod(nameof(Twice), BindingFlags.NonPublic | BindingFlags.Static)!;
        Assert.That(RoundTrip(m), Is.EqualTo(m));
        var generic = typeof(WireCodecTests).GetMethod(nameof(Pick), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(typeof(string));
        Assert.That(RoundTrip(generic), Is.EqualTo(generic));
    }

    private static int Twice(int x) => 2 * x;

    private static T Pick<T>(T x) => x;

    [Test]
    public void DelegatesCarryMethodAndCapturedValues()
    {
        int offset = 10;
        var names = new List<string> { "a" };
        Func<int, int> f = x => x + offset + names.Count;
        Assert.That(RoundTrip(f)(1), Is.EqualTo(12));
        Func<int, int> method = Twice;
        Assert.That(RoundTrip(method)(4), Is.EqualTo(8));
        Func<int, int> nonCapturing = x => x * 3;
        Assert.That(RoundTrip(nonCapturing)(4), Is.EqualTo(12));
    }

    [Test]
    public void ClosureCleanerDropsCapturesTheLambdaDoesNotRead()
    {
        using var stream = new MemoryStream();
        int n = 5;
        Func<long> usesStream = () => stream.Length;          // shares the closure class with the lambda below
        Func<int> usesOnlyN = () => n * 2;
        Assert.That(usesStream(), Is.EqualTo(0));
        Assert.That(RoundTrip(usesOnlyN)(), Is.EqualTo(10), "the stream is in the same closure object but never read by this lambda");
        var e = Assert.Throws<WireException>(() => WireCodec.ToBytes(usesStream))!;
        Assert.That(e.Message, Does.Contain("stream").And.Contain("MemoryStream"));
        Assert.That(e.Path, Does.EndWith(".target.stream"));
    }

    [Test]
    public void NestedClosuresAndLocalFunctionsAreFollowed()
    {
        int outer = 3;
        var lockObject = new Lock();
        Func<int, int> make(int inner)
        {
            int Local(int x) => x + inner + outer;
            return x => Local(x);
        }
        var f = make(4);
        lock (lockObject) Assert.That(RoundTrip(f)(1), Is.EqualTo(8));
    }

    private sealed class HoldsThread
    {
        public Thread Worker = Thread.CurrentThread;
    }

    [Test]
    public void UnsendableValuesNameTheFieldPath()
    {
        var e = Assert.Throws<WireException>(() => WireCodec.ToBytes(new List<object> { 1, new HoldsThread() }))!;
        Assert.That(e.Path, Is.EqualTo("value[1].Worker"));
        Assert.That(e.Message, Does.Contain("a thread"));
        Assert.Throws<WireException>(() => WireCodec.ToBytes(new SemaphoreSlim(1)));
        Assert.Throws<WireException>(() => WireCodec.ToBytes(new CancellationTokenSource()));
    }

    [Test]
    public void TypesFromInMemoryAssembliesAreRefusedWithAClearMessage()
    {
        var asm = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName("InMemoryCell"), AssemblyBuilderAccess.Run);
        var type = asm.DefineDynamicModule("InMemoryCell").DefineType("Cell", TypeAttributes.Public).CreateType();
        var e = Assert.Throws<WireException>(() => WireCodec.ToBytes(Activator.CreateInstance(type)))!;
        Assert.That(e.Message, Does.Contain("compiled in memory").And.Contain("Scheduler.Threads()"));
    }

    [Test]
    public void MalformedBytesThrowInsteadOfCrashing()
    {
        Assert.Throws<WireException>(() => WireCodec.FromBytes([250]));
        Assert.Throws<WireException>(() => WireCodec.FromBytes([(byte)3, 1]));
    }
}
