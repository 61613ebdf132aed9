using System.Collections;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;
using TaskGraph.Tests.Distributed;
using TaskGraph.Tests.Frames;
using TaskGraph.Wire;
using Tag = TaskGraph.Wire.WireCodec.Tag;

namespace TaskGraph.Tests.Wire;

/// <summary>
/// The decoder meets bytes an attacker wrote (issue 12, findings 1, 2, 3 and 9): framework methods are refused
/// before anything runs, lengths are checked before allocating, nesting cannot overflow the stack, and whatever
/// is malformed throws <see cref="WireException"/> and nothing else, on both wire paths (generated accessors and reflection only).
/// </summary>
[TestFixture(WirePath.DynamicCode)]
[TestFixture(WirePath.Reflection)]
public class WireHostileInputTests(WirePath path) : TempFileTests
{
    private IDisposable? _path;

    [SetUp]
    public void UseWirePath() => _path = WirePaths.Use(path);

    [TearDown]
    public void RestoreWirePath() => _path?.Dispose();

    // Stand-ins with the signatures of the framework methods an attacker names: the message is encoded with
    // these, then their identity is swapped for the framework method's (the encoder itself refuses the latter).
    private static Process? StartStandIn(string file, string arguments) => null;

    private static string[] ReadLinesStandIn(string path) => [path];

    private static MethodInfo Method(Delegate d) => d.Method;

    private static byte[] Identity(MethodInfo m)
    {
        var w = new WireWriter();
        Identities.WriteMethod(w, m);
        return w.ToArray();
    }

    /// <summary>The encoding of <paramref name="value"/> with <paramref name="standIn"/>'s identity replaced by <paramref name="evil"/>'s.</summary>
    private static byte[] Swap(object value, MethodInfo standIn, MethodInfo evil)
    {
        var bytes = WireCodec.ToBytes(value);
        var from = Identity(standIn);
        int at = bytes.AsSpan().IndexOf(from);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), "the stand-in's identity is in the message");
        return [.. bytes.AsSpan(0, at), .. Identity(evil), .. bytes.AsSpan(at + from.Length)];
    }

    [Test]
    public void ADelegateToProcessStartIsRefusedAndNothingRuns()
    {
        var marker = Path.Combine(Dir, "pwned");
        // Process.Start("/bin/sh", args) closed over its first argument, as a message would carry it.
        var standIn = Delegate.CreateDelegate(typeof(Func<string, Process?>), "/bin/sh", Method(StartStandIn));
        var start = typeof(Process).GetMethod(nameof(Process.Start), [typeof(string), typeof(string)])!;
        var bytes = Swap(standIn, Method(StartStandIn), start);

        // The crafting works: the same bytes naming an application method decode to a callable delegate.
        var harmless = (Func<string, Process?>)WireCodec.FromBytes(WireCodec.ToBytes(standIn))!;
        Assert.That(harmless("-c true"), Is.Null);

        var e = Assert.Throws<WireException>(() =>
        {
            var f = (Func<string, Process?>)WireCodec.FromBytes(bytes)!;
            f($"-c 'touch {marker}'")?.WaitForExit();
        })!;
        Assert.That(e.Message, Does.Contain("Process.Start").And.Contain("refused"));
        Assert.That(File.Exists(marker), Is.False, "the command never ran");

        // Inside the product's own task message the same.
        var task = RemoteTasks.Call("attack", 0, "evil", standIn, TaskInvokers.Call1<string, Process?>, $"-c 'touch {marker}'");
        var message = Swap(task, Method(StartStandIn), start);
        Assert.Throws<WireException>(() => RemoteTask.Decode(message).Run());
        Assert.That(File.Exists(marker), Is.False);
    }

    [Test]
    public void ADelegateToFileReadAllLinesIsRefused()
    {
        Func<string, string[]> standIn = ReadLinesStandIn;
        var bytes = Swap(standIn, standIn.Method, typeof(File).GetMethod(nameof(File.ReadAllLines), [typeof(string)])!);
        var e = Assert.Throws<WireException>(() => ((Func<string, string[]>)WireCodec.FromBytes(bytes)!)("/etc/hostname"))!;
        Assert.That(e.Message, Does.Contain("File.ReadAllLines"));
        // As a MethodInfo value too, and File.Delete as well.
        var delete = typeof(File).GetMethod(nameof(File.Delete))!;
        var asValue = Swap(standIn.Method, standIn.Method, delete);
        Assert.Throws<WireException>(() => WireCodec.FromBytes(asValue));
    }

    [Test]
    public void TheEncoderRefusesFrameworkMethodsWithAPath()
    {
        Func<string, string?> env = Environment.GetEnvironmentVariable;
        var e = Assert.Throws<WireException>(() => WireCodec.ToBytes(new List<object> { env }))!;
        Assert.That(e.Message, Does.Contain("Environment.GetEnvironmentVariable").And.Contain("lambda"));
        Assert.That(e.Path, Is.EqualTo("value[0]"));
        Func<string, string?> wrapped = x => Path.GetFileName(x);
        Assert.That(((Func<string, string?>)WireCodec.FromBytes(WireCodec.ToBytes(wrapped))!)("/a/b"), Is.EqualTo("b"));
        Assert.Throws<WireException>(() => WireCodec.ToBytes(typeof(File).GetMethod(nameof(File.Delete))!));
        // The documented exception: Math's pure functions, as users pass them (.Then(Math.Abs)).
        Func<double, double> abs = Math.Abs;
        Assert.That(((Func<double, double>)WireCodec.FromBytes(WireCodec.ToBytes(abs))!)(-2), Is.EqualTo(2));
    }

    [Test]
    public void EmptyAndTruncatedInputsThrowWireException()
    {
        Assert.Throws<WireException>(() => WireCodec.FromBytes([]));
        Assert.That(WireCodec.FromBytes([0x00]), Is.Null, "0x00 is null, a valid value…");
        Assert.Throws<WireException>(() => WireCodec.FromBytes<RemoteTask>([0x00]), "…but not a task");
        Assert.Throws<WireException>(() => WireCodec.FromBytes<string>([(byte)Tag.Int32, 1, 0, 0, 0]), "another type");
        var valid = WireCodec.ToBytes(new WireCodecTests.Point(1, 2, "three"));
        Assert.Throws<WireException>(() => WireCodec.FromBytes<WireCodecTests.Point>([.. valid, 0]), "bytes left over");
        for (int n = 0; n < valid.Length; n++)
            Assert.Throws<WireException>(() => WireCodec.FromBytes(valid[..n]), $"truncated to {n} bytes");
    }

    [Test]
    public void ADeeplyNestedTypeIdentityIsRefusedNotAStackOverflow()
    {
        // 30 KB: a type identity of 30,000 nested "array of" markers.
        var w = new WireWriter();
        w.WriteByte((byte)Tag.Type);
        w.WriteInt32(30_000);
        for (int i = 0; i < 30_000; i++) w.WriteByte(2);
        var e = Assert.Throws<WireException>(() => WireCodec.FromBytes(w.ToArray()))!;
        Assert.That(e.Message, Does.Contain("nested deeper"));
        // Nested generic arguments (List<List<...>>) the same.
        var list = WireCodec.ToBytes(typeof(List<int>));
        Assert.That(WireCodec.FromBytes(list), Is.EqualTo(typeof(List<int>)));
    }

    [Test]
    public void DeeplyNestedArraysAreRefusedNotAStackOverflow()
    {
        // ~7,600 nested object[] (each holding the next), 30 KB or so of prefixes and a null.
        var one = WireCodec.ToBytes(new object?[] { null });
        var prefix = one[..^1];
        var bytes = new List<byte>();
        for (int i = 0; i < 7_600; i++) bytes.AddRange(prefix);
        bytes.Add((byte)Tag.Null);
        var e = Assert.Throws<WireException>(() => WireCodec.FromBytes(bytes.ToArray()))!;
        Assert.That(e.Message, Does.Contain("WireLimits.MaxDepth"));
        // Even with the limit lifted, the decoder stops before this thread's stack runs out.
        var deeper = new List<byte>();
        for (int i = 0; i < 50_000; i++) deeper.AddRange(prefix);
        deeper.Add((byte)Tag.Null);
        var lifted = new WireLimits { MaxDepth = int.MaxValue };
        Exception? thrown = null;
        var small = new Thread(() =>
        {
            try { WireCodec.FromBytes(deeper.ToArray(), lifted); }
            catch (Exception x) { thrown = x; }
        }, 1 << 20); // a 1 MB stack: 50,000 levels would need several
        small.Start();
        small.Join();
        Assert.That(thrown, Is.InstanceOf<WireException>().With.Message.Contain("stack"));
        // Within the limit it decodes.
        object? nested = null;
        for (int i = 0; i < 500; i++) nested = new object?[] { nested };
        Assert.That(WireCodec.FromBytes(WireCodec.ToBytes(nested)), Is.InstanceOf<object?[]>());
    }

    [Test]
    public void TheEncoderRefusesWhatTheDecoderWouldRefuse()
    {
        object? nested = null;
        for (int i = 0; i < 2_000; i++) nested = new object?[] { nested };
        var e = Assert.Throws<WireException>(() => WireCodec.ToBytes(nested))!;
        Assert.That(e.Message, Does.Contain("nested deeper than 1000"));
    }

    private static byte[] Header(Tag tag, Type type)
    {
        var w = new WireWriter();
        w.WriteByte((byte)tag);
        Identities.WriteType(w, type);
        return w.ToArray();
    }

    private static byte[] Int(int v) => BitConverter.GetBytes(v);

    /// <summary>Lengths and counts an attacker can put in a few bytes; each must fail fast and allocate little.</summary>
    private static IEnumerable<TestCaseData> HugeLengths()
    {
        yield return new TestCaseData((object)(byte[])[(byte)Tag.String, .. Int(0x3FFFFFDF)]).SetName("String of 0x3FFFFFDF characters");
        yield return new TestCaseData((object)(byte[])[.. Header(Tag.Array, typeof(string[])), .. Int(200_000_000)]).SetName("string[200M]");
        yield return new TestCaseData((object)(byte[])[.. Header(Tag.Dictionary, typeof(Dictionary<string, int>)), 0, .. Int(100_000_000)]).SetName("Dictionary of capacity 100M");
        yield return new TestCaseData((object)(byte[])[.. Header(Tag.HashSet, typeof(HashSet<long>)), 0, .. Int(100_000_000)]).SetName("HashSet of capacity 100M");
        yield return new TestCaseData((object)(byte[])[.. Header(Tag.Array, typeof(object[])), .. Int(0x7FFFFFC7)]).SetName("object[0x7FFFFFC7]");
        yield return new TestCaseData((object)(byte[])[.. Header(Tag.RawArray, typeof(double[])), .. Int(0x7FFFFFC7)]).SetName("double[0x7FFFFFC7]");
        yield return new TestCaseData((object)(byte[])[.. Header(Tag.Array, typeof(object[])), .. Int(-5)]).SetName("object[-5]");
        yield return new TestCaseData((object)(byte[])[(byte)Tag.Type, .. Int(int.MaxValue)]).SetName("Type identity of 2 GB");
        yield return new TestCaseData((object)(byte[])[(byte)Tag.Method, .. Int(-1)]).SetName("Method identity of -1 bytes");
    }

    [Test]
    public void ATypeMetTwiceIsSentOnceAndAReferenceToATypeNotReadIsRefused()
    {
        // Within one value a type's identity is written the first time only; later it is its number, negated.
        var twice = WireCodec.ToBytes(new object?[] { new Dictionary<string, int> { ["a"] = 1 }, new Dictionary<string, int> { ["b"] = 2 } });
        var once = WireCodec.ToBytes(new object?[] { new Dictionary<string, int> { ["a"] = 1 } });
        Assert.That(twice.Length - once.Length, Is.LessThan(40), "the second dictionary's type is a reference");
        Assert.That(WireCodec.FromBytes(twice), Is.EqualTo(new object?[] { new Dictionary<string, int> { ["a"] = 1 }, new Dictionary<string, int> { ["b"] = 2 } }));
        // A reference to a type this value has not named: to the first type when none was read, to a later one.
        Assert.That(() => WireCodec.FromBytes([(byte)Tag.Type, .. Int(~0)]), Throws.TypeOf<WireException>().With.Message.Contains("a reference to type 0, which was not read yet"));
        Assert.That(() => WireCodec.FromBytes([(byte)Tag.Type, .. Int(int.MinValue)]), Throws.TypeOf<WireException>().With.Message.Contains("which was not read yet"));
        var array = Header(Tag.Array, typeof(object[]));
        Assert.That(() => WireCodec.FromBytes([.. array, .. Int(1), (byte)Tag.Type, .. Int(~1)]), Throws.TypeOf<WireException>().With.Message.Contains("a reference to type 1"));
        Assert.That(WireCodec.FromBytes([.. array, .. Int(1), (byte)Tag.Type, .. Int(~0)]), Is.EqualTo(new object[] { typeof(object[]) }), "type 0 is the array's own");
    }

    [TestCaseSource(nameof(HugeLengths))]
    public void AHugeLengthFailsFastAndAllocatesLittle(byte[] bytes)
    {
        WireCodec.ToBytes(new object?[] { "warm", new Dictionary<string, int>(), new HashSet<long>(), new string[1], new double[1] });
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<WireException>(() => WireCodec.FromBytes(bytes));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(16 << 20));
    }

    /// <summary>A stream that delivers <paramref name="bytes"/> and then closes, as a pipe whose writer lied about a length.</summary>
    [Test]
    public void OverAStreamALyingLengthCostsAboutWhatWasSent()
    {
        // 800 MB of doubles announced, 1 KB sent.
        byte[] bytes = [.. Header(Tag.RawArray, typeof(double[])), .. Int(100_000_000), .. new byte[1024]];
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<EndOfStreamException>(() => WireCodec.Read(new WireReader(new MemoryStream(bytes))));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(WireReader.IncrementalBytes + (4 << 20)));
        // A string of 500M characters announced: beyond the limit.
        bytes = [(byte)Tag.String, .. Int(500_000_000)];
        Assert.Throws<WireException>(() => WireCodec.Read(new WireReader(new MemoryStream(bytes))));
        // 100 MB of string announced, 1 KB sent.
        bytes = [(byte)Tag.String, .. Int(50_000_000), .. new byte[1024]];
        before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<EndOfStreamException>(() => WireCodec.Read(new WireReader(new MemoryStream(bytes))));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(WireReader.IncrementalBytes + (4 << 20)));
        // A count beyond the collection limit is refused before allocating.
        bytes = [.. Header(Tag.Array, typeof(object[])), .. Int(200_000_000)];
        Assert.Throws<WireException>(() => WireCodec.Read(new WireReader(new MemoryStream(bytes))));
        // Large honest payloads still arrive whole through the incremental path.
        var big = Enumerable.Range(0, 3_000_000).Select(i => i * 0.5).ToArray();
        var s = new string('x', 6_000_000);
        var back = (object?[])WireCodec.Read(new WireReader(new MemoryStream(WireCodec.ToBytes(new object?[] { big, s }))))!;
        Assert.That(((double[])back[0]!).AsSpan().SequenceEqual(big), Is.True);
        Assert.That((string)back[1]! == s, Is.True);
    }

    [Test]
    public void LimitsAreConfigurable()
    {
        var bytes = WireCodec.ToBytes(new List<string> { new('a', 100), "b" });
        var strict = new WireLimits { MaxStringLength = 10 };
        Assert.That(Assert.Throws<WireException>(() => WireCodec.FromBytes(bytes, strict))!.Message, Does.Contain("MaxStringLength"));
        Assert.That(Assert.Throws<WireException>(() => WireCodec.FromBytes(bytes, new WireLimits { MaxMessageBytes = 100 }))!.Message, Does.Contain("MaxMessageBytes"));
        var many = WireCodec.ToBytes(Enumerable.Range(0, 100).Select(i => (object)i).ToArray());
        Assert.That(Assert.Throws<WireException>(() => WireCodec.FromBytes(many, new WireLimits { MaxCollectionCount = 10 }))!.Message, Does.Contain("MaxCollectionCount"));
        Assert.That(WireCodec.FromBytes(many), Has.Length.EqualTo(100));
    }

    [Test]
    public void AnAssemblyNameWithAPathIsRefusedBeforeAnyLookup()
    {
        var asked = new List<string?>();
        Func<AssemblyLoadContext, AssemblyName, Assembly?> resolving = (_, name) => { lock (asked) asked.Add(name.Name); return null; };
        AssemblyLoadContext.Default.Resolving += resolving;
        try
        {
            foreach (var name in new[] { "../../x/Evil", "/tmp/Evil", "..\\Evil", "Evil, Version=1.0.0.0", "C:Evil", "sub/Evil" })
            {
                // A type identity: Named, assembly name, MVID, type name.
                var id = new WireWriter();
                id.WriteByte(0);
                id.WriteUtf8(name);
                id.Write(Guid.NewGuid());
                id.WriteUtf8("Evil");
                var w = new WireWriter();
                w.WriteByte((byte)Tag.Type);
                w.WriteInt32((int)id.Length);
                w.WriteBytes(id.ToArray());
                var e = Assert.Throws<WireException>(() => WireCodec.FromBytes(w.ToArray()))!;
                Assert.That(e.Message, Does.Contain("not a simple assembly name"), name);
            }
            // An exception type from another process is looked up the same way.
            var err = new WireWriter();
            err.WriteString("Evil, ../../x/Evil");
            err.WriteString("boom");
            err.WriteString("");
            err.WriteByte(0);
            err.WriteInt32(0);
            Assert.That(RemoteErrors.Read(WireReader.FromBytes(err.ToArray())), Is.InstanceOf<RemoteTaskException>());
        }
        finally { AssemblyLoadContext.Default.Resolving -= resolving; }
        Assert.That(asked, Is.Empty, "no name reached an assembly resolver");
        Assert.That(Identities.IsSimpleAssemblyName("TaskGraph.Schedulers"), Is.True);
    }

    [Test]
    public void DecodingNeverRunsACollectionConstructorOfAnotherShape()
    {
        // A "dictionary" whose type is a List<int> (it has a capacity constructor and an Add method) is refused.
        byte[] bytes = [.. Header(Tag.Dictionary, typeof(List<int>)), 0, .. Int(0)];
        Assert.That(Assert.Throws<WireException>(() => WireCodec.FromBytes(bytes))!.Message, Does.Contain("is not a dictionary"));
        bytes = [.. Header(Tag.HashSet, typeof(WireCodecTests.Plain)), 0, .. Int(0)];
        Assert.Throws<WireException>(() => WireCodec.FromBytes(bytes));
        bytes = [.. Header(Tag.Object, typeof(Process))];
        Assert.That(Assert.Throws<WireException>(() => WireCodec.FromBytes(bytes))!.Message, Does.Contain("cannot be read"));
        bytes = [.. Header(Tag.Object, typeof(HasFinalizer))];
        Assert.That(Assert.Throws<WireException>(() => WireCodec.FromBytes(bytes))!.Message, Does.Contain("finalizer"));
    }

    private sealed class HasFinalizer
    {
        public int Handle;
        ~HasFinalizer() => Handle = 0;
    }

    // ---- Fuzzing ----

    private List<byte[]> Corpus()
    {
        int captured = 7;
        var names = new List<string> { "a", "b" };
        Func<int, int> closure = x => x + captured + names.Count;
        Func<int, string> other = x => names[x % names.Count];
        var plain = new WireCodecTests.Plain(5);
        plain.Points.Add(new WireCodecTests.Point(1, 2, "p"));
        plain.Next = plain;
        var task = RemoteTasks.Call("c", 3, "k", closure, TaskInvokers.Call1<int, int>, 41);
        task.Inputs = [new double[] { 1, 2, 3 }];
        object?[] values =
        [
            null, 1, -2L, 3.5, "text", 'c', 1.25m, DateTime.UnixEpoch, TimeSpan.FromSeconds(3), Guid.Empty, DayOfWeek.Monday,
            new WireCodecTests.Point(1, 2.5, "p"), (1, "two", 3.0), Tuple.Create(1, "x"), plain,
            new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase) { ["One"] = 1, ["two"] = 2 },
            new Dictionary<int, List<string>> { [1] = ["a"], [2] = [] },
            new HashSet<string> { "x", "y" }, new List<int> { 1, 2, 3 }, new[] { "a", null, "c" },
            new double[] { 1, 2, 3, 4 }, new[] { (A: 1, B: 2.0) }, new byte[] { 1, 2, 3 },
            closure, other, (closure, other), typeof(Dictionary<string, List<int[]>>), Method(ReadLinesStandIn),
            new object?[] { 1, "s", new object?[] { 2.0, null } }, task,
            // MessagePack values (a registered formatter and one from [MessagePackFormatter]), alone and inside the codec's own values.
            new Money(5, "EUR"), new object?[] { new Money(1, "USD"), new Parcel([new(2, "JPY")], DayOfWeek.Friday, new() { ["w"] = 3 }, 4L), 3 },
        ];
        // Annotated types need MessagePack's generated formatters: without dynamic code they are refused with one
        // clear error (MessagePackWireTests), so only the dynamic path has them in its corpus.
        object?[] annotated =
        [
            new Reading { Sensor = "s", Values = [1, 2], At = DateTime.UnixEpoch, Tags = new() { ["a"] = 1 } },
            new Sample("n", 2, new Reading { Sensor = "x" }),
            new Link { Value = 1, Next = new Link { Value = 2 } }, new object?[] { new Money(1, "USD"), new Sample("m", 0, null), 3 },
        ];
        return (path == WirePath.DynamicCode ? [.. values, .. annotated] : values).Select(WireCodec.ToBytes).ToList();
    }

    private static readonly int[] Interesting = [0, 1, -1, 2, 7, 255, 256, 0xFFFF, 1 << 20, int.MaxValue, int.MinValue, 0x7FFFFFC7, 0x3FFFFFDF];

    private static byte[] Mutate(byte[] valid, Random rng)
    {
        var b = valid.ToList();
        int edits = 1 + rng.Next(3);
        for (int e = 0; e < edits && b.Count > 0; e++)
        {
            int at = rng.Next(b.Count);
            switch (rng.Next(6))
            {
                case 0: b[at] = (byte)rng.Next(256); break;
                case 1: b[at] ^= (byte)(1 << rng.Next(8)); break;
                case 2: b.RemoveRange(at, Math.Min(b.Count - at, 1 + rng.Next(8))); break;
                case 3: b.Insert(at, (byte)rng.Next(30)); break;
                case 4:
                    var v = BitConverter.GetBytes(Interesting[rng.Next(Interesting.Length)]);
                    for (int i = 0; i < 4 && at + i < b.Count; i++) b[at + i] = v[i];
                    break;
                default: b.RemoveRange(at, b.Count - at); break;
            }
        }
        return b.ToArray();
    }

    [Test]
    public void FuzzedInputsOnlyEverThrowWireException()
    {
        // Seeded, so a failure names an input that reproduces it.
        var rng = new Random(20261202);
        var corpus = Corpus();
        foreach (var c in corpus) Assert.DoesNotThrow(() => WireCodec.FromBytes(c), "the corpus is valid");
        int decoded = 0, refused = 0;
        for (int i = 0; i < 20_000; i++)
        {
            byte[] input = i % 4 == 0
                ? Enumerable.Range(0, rng.Next(1, 64)).Select(_ => (byte)(rng.Next(4) == 0 ? rng.Next(256) : rng.Next(30))).ToArray()
                : Mutate(corpus[rng.Next(corpus.Count)], rng);
            long before = GC.GetAllocatedBytesForCurrentThread();
            object? value;
            try
            {
                value = WireCodec.FromBytes(input);
                decoded++;
            }
            catch (WireException) { refused++; value = null; }
            catch (Exception e)
            {
                Assert.Fail($"Iteration {i}: {e.GetType().Name} escaped for input {Convert.ToHexString(input)}: {e}");
                return;
            }
            // Little input, little memory: lengths are checked against the bytes there before allocating.
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated > (8 << 20) + 64L * input.Length) Assert.Fail($"Iteration {i}: {allocated} bytes allocated for input {Convert.ToHexString(input)}");
            if (FirstRefused(value, new HashSet<object>(ReferenceEqualityComparer.Instance)) is { } bad)
                Assert.Fail($"Iteration {i}: {bad} was built from input {Convert.ToHexString(input)}");
        }
        TestContext.Progress.WriteLine($"fuzz: {decoded} decoded, {refused} refused");
        Assert.That(decoded, Is.GreaterThan(100), "mutations that stay valid still decode");
        Assert.That(refused, Is.GreaterThan(1000));
    }

    /// <summary>The first object reachable from a decoded value whose type is refused, or delegate or method that may not be called.</summary>
    private static string? FirstRefused(object? v, HashSet<object> seen)
    {
        if (v is null || v is string || v.GetType().IsPrimitive || !seen.Add(v)) return null;
        var type = v.GetType();
        switch (v)
        {
            case Type: return null;
            case MethodInfo m: return Identities.MayCall(m) ? null : $"a MethodInfo for {m}";
            case Delegate d: return Identities.MayCall(d.Method) ? FirstRefused(d.Target, seen) : $"a delegate to {d.Method}";
        }
        if (TypeShape.Of(type).Kind == ShapeKind.Refused) return $"an object of refused type {type}";
        if (v is IDictionary dict)
        {
            foreach (DictionaryEntry e in dict)
                if ((FirstRefused(e.Key, seen) ?? FirstRefused(e.Value, seen)) is { } bad) return bad;
            return null;
        }
        if (v is Array || type.IsGenericType && type.GetGenericTypeDefinition() == typeof(HashSet<>))
        {
            foreach (var item in (IEnumerable)v)
                if (FirstRefused(item, seen) is { } bad) return bad;
            return null;
        }
        foreach (var f in TypeShape.Of(type).Fields)
            if (FirstRefused(f.Get(v), seen) is { } bad) return bad;
        return null;
    }
}
