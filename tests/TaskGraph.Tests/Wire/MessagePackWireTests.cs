using System.Runtime.CompilerServices;
using MessagePack;
using MessagePack.Formatters;
using TaskGraph.Wire;
using Tag = TaskGraph.Wire.WireCodec.Tag;

namespace TaskGraph.Tests.Wire;

/// <summary>A user type annotated for MessagePack with integer keys.</summary>
[MessagePackObject]
public sealed class Reading
{
    [Key(0)] public string Sensor { get; set; } = "";
    [Key(1)] public double[] Values { get; set; } = [];
    [Key(2)] public DateTime At { get; set; }
    [Key(3)] public Dictionary<string, int> Tags { get; set; } = [];
    /// <summary>Not a MessagePack member: never crosses (TaskGraph's own encoding would send it).</summary>
    [IgnoreMember] public string? LocalNote { get; set; }
}

/// <summary>A record annotated for MessagePack (keys are the property names; built through its constructor).</summary>
[MessagePackObject(keyAsPropertyName: true)]
public sealed record Sample(string Name, int Count, Reading? Source);

/// <summary>A recursive annotated type (for the depth limits).</summary>
[MessagePackObject]
public sealed class Link
{
    [Key(0)] public int Value { get; set; }
    [Key(1)] public Link? Next { get; set; }
}

/// <summary>A type without attributes whose formatter is registered in <see cref="MessagePackRegistrations"/>.</summary>
public sealed class Money(long cents, string currency)
{
    public long Cents { get; } = cents;
    public string Currency { get; } = currency;
    /// <summary>Set by <see cref="MoneyFormatter"/> when it reads a value: shows which code built the object.</summary>
    public bool ReadByFormatter { get; init; }
}

/// <summary>Writes money as "cents currency" in a two-element array.</summary>
public sealed class MoneyFormatter : IMessagePackFormatter<Money>
{
    public void Serialize(ref MessagePackWriter writer, Money value, MessagePackSerializerOptions options)
    {
        writer.WriteArrayHeader(2);
        writer.Write(value.Cents);
        writer.Write(value.Currency);
    }

    public Money Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.ReadArrayHeader() != 2) throw new MessagePackSerializationException("money is two values");
        return new Money(reader.ReadInt64(), reader.ReadString() ?? "") { ReadByFormatter = true };
    }
}

/// <summary>
/// A type with its own formatter (none generated at run time) whose members go through the resolver: a list of a
/// registered type, an enum, a dictionary and an <c>object</c>. It crosses with or without dynamic code.
/// </summary>
[MessagePackFormatter(typeof(ParcelFormatter))]
public sealed record Parcel(List<Money> Items, DayOfWeek Day, Dictionary<string, int> Weights, object? Note);

/// <summary>Writes a parcel as a four-element array, each member through the resolver in use.</summary>
public sealed class ParcelFormatter : IMessagePackFormatter<Parcel>
{
    public void Serialize(ref MessagePackWriter writer, Parcel value, MessagePackSerializerOptions options)
    {
        writer.WriteArrayHeader(4);
        options.Resolver.GetFormatterWithVerify<List<Money>>().Serialize(ref writer, value.Items, options);
        options.Resolver.GetFormatterWithVerify<DayOfWeek>().Serialize(ref writer, value.Day, options);
        options.Resolver.GetFormatterWithVerify<Dictionary<string, int>>().Serialize(ref writer, value.Weights, options);
        options.Resolver.GetFormatterWithVerify<object?>().Serialize(ref writer, value.Note, options);
    }

    public Parcel Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.ReadArrayHeader() != 4) throw new MessagePackSerializationException("a parcel is four values");
        options.Security.DepthStep(ref reader);
        try
        {
            var items = options.Resolver.GetFormatterWithVerify<List<Money>>().Deserialize(ref reader, options);
            var day = options.Resolver.GetFormatterWithVerify<DayOfWeek>().Deserialize(ref reader, options);
            var weights = options.Resolver.GetFormatterWithVerify<Dictionary<string, int>>().Deserialize(ref reader, options);
            var note = options.Resolver.GetFormatterWithVerify<object?>().Deserialize(ref reader, options);
            return new Parcel(items, day, weights, note);
        }
        finally { reader.Depth--; }
    }
}

/// <summary>
/// Registered in a module initializer, so a worker process registers it too before it reads the first
/// <see cref="Money"/> (reading the type runs this assembly's module initializer).
/// </summary>
internal static class MessagePackRegistrations
{
    [ModuleInitializer]
    internal static void Register() => MessagePackTypes.Register(new MoneyFormatter());
}

/// <summary>
/// User data types annotated for MessagePack (or with a registered formatter) cross process boundaries through
/// MessagePack: round trips in this process and through real worker processes, and hostile payloads that fail with
/// <see cref="WireException"/> only.
/// </summary>
[NonParallelizable]
public class MessagePackWireTests
{
    private static Reading NewReading() => new()
    {
        Sensor = "s1", Values = [1.5, -2, double.NaN], At = new DateTime(2026, 12, 2, 10, 0, 0, DateTimeKind.Utc),
        Tags = new() { ["room"] = 4, ["floor"] = 1 }, LocalNote = "stays here",
    };

    [Test]
    public void AnnotatedTypesAreWrittenAsMessagePackAndComeBackEqual()
    {
        var r = NewReading();
        var bytes = WireCodec.ToBytes(r);
        Assert.That(bytes[0], Is.EqualTo((byte)Tag.MessagePack));
        var back = (Reading)WireCodec.FromBytes(bytes)!;
        Assert.That((back.Sensor, back.At, back.Tags), Is.EqualTo((r.Sensor, r.At, r.Tags)));
        Assert.That(back.Values, Is.EqualTo(r.Values));
        Assert.That(back.LocalNote, Is.Null, "an [IgnoreMember] member does not cross: MessagePack decides, not the field walker");

        var s = new Sample("n", 3, r);
        var sb = (Sample)WireCodec.FromBytes(WireCodec.ToBytes(s))!;
        Assert.That((sb.Name, sb.Count, sb.Source!.Sensor), Is.EqualTo(("n", 3, "s1")));

        var m = (Money)WireCodec.FromBytes(WireCodec.ToBytes(new Money(1999, "EUR")))!;
        Assert.That((m.Cents, m.Currency, m.ReadByFormatter), Is.EqualTo((1999L, "EUR", true)));
        Assert.That(MessagePackTypes.Handles(typeof(Money)) && MessagePackTypes.Handles(typeof(Reading)), Is.True);
        Assert.That(MessagePackTypes.Handles(typeof(WireCodecTests.Point)), Is.False, "plain records keep TaskGraph's encoding");
    }

    [Test]
    public void MessagePackValuesMixWithTheCodecsOwnValues()
    {
        var r = NewReading();
        object?[] mixed = [r, r, new List<Money> { new(1, "USD"), new(2, "JPY") }, (7, new Sample("t", 1, null)), new double[] { 1, 2 }];
        var back = (object?[])WireCodec.FromBytes(WireCodec.ToBytes(mixed))!;
        Assert.That(((Reading)back[0]!).Sensor, Is.EqualTo("s1"));
        Assert.That(back[1], Is.Not.SameAs(back[0]), "MessagePack has no references: a value met twice is written twice");
        Assert.That(((List<Money>)back[2]!).Select(x => x.Currency), Is.EqualTo(new[] { "USD", "JPY" }));
        Assert.That((((int, Sample))back[3]!).Item2.Name, Is.EqualTo("t"));
        Assert.That(back[4], Is.EqualTo(new double[] { 1, 2 }));
    }

    [Test]
    public void RegisteringAfterATypeCrossedIsRefused()
    {
        Assert.That(MessagePackTypes.Handles(typeof(Unregistered)), Is.False);
        var e = Assert.Throws<InvalidOperationException>(() => MessagePackTypes.Register(new UnregisteredFormatter()))!;
        Assert.That(e.Message, Does.Contain("before the first one"));
    }

    public sealed class Unregistered;

    private sealed class UnregisteredFormatter : IMessagePackFormatter<Unregistered>
    {
        public void Serialize(ref MessagePackWriter writer, Unregistered value, MessagePackSerializerOptions options) => writer.WriteNil();
        public Unregistered Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => new();
    }

    // ---- Real worker processes ----

    [Test]
    public void AnnotatedTypesRoundTripThroughRealWorkerProcesses()
    {
        using var pool = Scheduler.Processes(2);
        var options = new ComputeOptions { Scheduler = pool };
        var input = Delayed.Value(NewReading());
        // The worker receives a Reading, builds a Sample holding a new Reading and a Money, and sends them back.
        var result = input.Then(r => (
            Sample: new Sample(r.Sensor + "!", r.Values.Length, new Reading { Sensor = r.Sensor, Values = [.. r.Values.Select(v => v * 2)], At = r.At.AddDays(1), Tags = r.Tags }),
            Price: new Money(r.Tags["room"] * 100L, "CHF"),
            Worker: Environment.ProcessId)).Compute(options);
        Assert.That(result.Worker, Is.Not.EqualTo(Environment.ProcessId), "the task ran in a worker process");
        Assert.That((result.Sample.Name, result.Sample.Count), Is.EqualTo(("s1!", 3)));
        Assert.That(result.Sample.Source!.Values.Take(2), Is.EqualTo(new[] { 3.0, -4.0 }));
        Assert.That(result.Sample.Source.At, Is.EqualTo(new DateTime(2026, 12, 3, 10, 0, 0, DateTimeKind.Utc)));
        Assert.That(result.Sample.Source.Tags["floor"], Is.EqualTo(1));
        Assert.That((result.Price.Cents, result.Price.Currency, result.Price.ReadByFormatter), Is.EqualTo((400L, "CHF", true)));

        // A registered formatter's type as a task's input: the worker registered it through the module initializer.
        var wallet = Delayed.Value(new Money(250, "GBP")).Then(m => (m.ReadByFormatter, m.Cents + 1, Environment.ProcessId)).Compute(options);
        Assert.That(wallet.Item1, Is.True, "the worker read the input with the registered formatter");
        Assert.That(wallet.Item2, Is.EqualTo(251));
        Assert.That(wallet.Item3, Is.Not.EqualTo(Environment.ProcessId));
    }

    [Test]
    public void AFailingMessagePackValueNamesTheTaskAndTheType()
    {
        using var pool = Scheduler.Processes(1);
        var bad = Delayed.Value(1).Then(_ => new Link { Value = 1, Next = Chain(5_000) });
        var e = Assert.Throws<TaskFailedException>(() => bad.Compute(new ComputeOptions { Scheduler = pool }))!;
        Assert.That(e.ToString(), Does.Contain("WireException").And.Contain("nested deeper"));
        // The pool is still usable.
        Assert.That(Delayed.Value(2).Then(x => x + 1).Compute(new ComputeOptions { Scheduler = pool }), Is.EqualTo(3));
    }

    private static Link Chain(int n)
    {
        Link? l = null;
        for (int i = 0; i < n; i++) l = new Link { Value = i, Next = l };
        return l!;
    }

    // ---- Hostile payloads ----

    private static byte[] Frame(Type type, int declaredLength, byte[] payload)
    {
        var w = new WireWriter();
        w.WriteByte((byte)Tag.MessagePack);
        Identities.WriteType(w, type);
        w.WriteInt32(declaredLength);
        w.WriteBytes(payload);
        return w.ToArray();
    }

    private static byte[] Frame(Type type, byte[] payload) => Frame(type, payload.Length, payload);

    private static WireException Refused(byte[] bytes) => Assert.Throws<WireException>(() => WireCodec.FromBytes(bytes))!;

    [Test]
    public void AHugeDeclaredPayloadLengthFailsFastAndAllocatesLittle()
    {
        WireCodec.ToBytes(NewReading());
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Refused(Frame(typeof(Reading), 0x7FFFFFC7, [0x94]));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(16 << 20));
        Assert.That(e.Message, Does.Contain("MaxMessageBytes"));
        // Within the budget, but more than the bytes there: refused before allocating.
        Assert.That(Refused(Frame(typeof(Reading), 1_000_000, [0x94])).Message, Does.Contain("needs 1000000 bytes"));
        Assert.That(Refused(Frame(typeof(Reading), -3, [])).Message, Does.Contain("negative length"));
        // Beyond the configured budget: refused before reading, also over a stream.
        var honest = WireCodec.ToBytes(NewReading());
        var limited = new WireLimits { MaxMessageBytes = 100 };
        Assert.That(Assert.Throws<WireException>(() => WireCodec.Read(new WireReader(new MemoryStream(Frame(typeof(Reading), 1_000_000, new byte[64]))), limited))!.Message,
            Does.Contain("MaxMessageBytes"));
        Assert.That(WireCodec.FromBytes(honest), Is.InstanceOf<Reading>());
    }

    [Test]
    public void HugeLengthsInsideThePayloadAreRefused()
    {
        // An array of 2^31-1 doubles announced inside the MessagePack bytes (array32 header), nothing behind it.
        byte[] values = [0x94, 0xA2, (byte)'s', (byte)'1', 0xDD, 0x7F, 0xFF, 0xFF, 0xFF];
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Refused(Frame(typeof(Reading), values));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(16 << 20));
        Assert.That(e.Message, Does.Contain("Reading").And.Contain("at byte 0"));
        // A map of 2^31-1 tags, and a string of 2^31-1 bytes.
        Refused(Frame(typeof(Reading), [0x94, 0xC0, 0xC0, 0xC0, 0xDF, 0x7F, 0xFF, 0xFF, 0xFF]));
        Refused(Frame(typeof(Reading), [0x94, 0xDB, 0x7F, 0xFF, 0xFF, 0xFF]));
    }

    [Test]
    public void DeepNestingIsRefusedWithoutOverflowingTheStack()
    {
        // Link { Value, Next = Link { … } } 100,000 levels deep: [0x92, 0x01] repeated, then nil.
        var deep = Enumerable.Repeat(new byte[] { 0x92, 0x01 }, 100_000).SelectMany(b => b).Append((byte)0xC0).ToArray();
        var e = Refused(Frame(typeof(Link), deep));
        Assert.That(e.Message, Does.Contain("Link"));
        // Within the limit it decodes; the encoder refuses what the decoder would.
        var ok = (Link)WireCodec.FromBytes(WireCodec.ToBytes(Chain(200)))!;
        Assert.That(ok.Value, Is.EqualTo(199));
        Assert.That(Assert.Throws<WireException>(() => WireCodec.ToBytes(Chain(5_000)))!.Message, Does.Contain("nested deeper"));
        // A tighter limit applies to MessagePack values too.
        var bytes = WireCodec.ToBytes(Chain(50));
        Assert.Throws<WireException>(() => WireCodec.FromBytes(bytes, new WireLimits { MaxDepth = 20 }));
    }

    [Test]
    public void ATypeThatIsNotAMessagePackTypeHereIsRefused()
    {
        // A plain record's identity (TaskGraph encodes it field by field) with a MessagePack payload.
        var e = Refused(Frame(typeof(WireCodecTests.Point), [0x93, 0x01, 0x02, 0xA1, (byte)'p']));
        Assert.That(e.Message, Does.Contain("is not a MessagePack type in this process"));
        // A framework type: the payload is never handed to a formatter.
        e = Refused(Frame(typeof(System.Diagnostics.Process), [0xC0]));
        Assert.That(e.Message, Does.Contain("Process"));
    }

    [Test]
    public void TruncatedAndTrailingBytesAreRefused()
    {
        var full = WireCodec.ToBytes(NewReading());
        for (int cut = 1; cut < full.Length; cut++)
            Assert.Throws<WireException>(() => WireCodec.FromBytes(full[..cut]), $"cut at {cut}");
        // The declared length is honest but the MessagePack value inside ends early, or has bytes after it.
        var payload = MessagePackSerializer.Serialize(NewReading());
        Assert.That(Refused(Frame(typeof(Reading), payload[..^3])).Message, Does.Contain("MessagePack could not read"));
        Assert.That(Refused(Frame(typeof(Reading), [.. payload, 0xC0])).Message, Does.Contain("bytes after the value"));
        // A payload of another shape (a string where the object should be).
        Assert.That(Refused(Frame(typeof(Reading), [0xA3, (byte)'a', (byte)'b', (byte)'c'])).Message, Does.Contain("Reading"));
        // Nil is not a value the encoder writes this way.
        Assert.That(Refused(Frame(typeof(Reading), [0xC0])).Message, Does.Contain("null"));
    }

    // ---- Without dynamic code (a file-based app's default PublishAot=true) ----

    private static Parcel NewParcel() => new([new(1999, "EUR"), new(5, "JPY")], DayOfWeek.Saturday, new() { ["box"] = 3, ["bag"] = 1 }, 42L);

    private static byte[] BytesOn(WirePath path, object value)
    {
        using (WirePaths.Use(path)) return WireCodec.ToBytes(value);
    }

    private static object? ReadOn(WirePath path, byte[] bytes, WireLimits? limits = null)
    {
        using (WirePaths.Use(path)) return WireCodec.FromBytes(bytes, limits);
    }

    [Test]
    public void WithoutDynamicCodeFormattersThatGenerateNoneRoundTripWithTheSameBytes()
    {
        object[] values = [new Money(1999, "EUR"), NewParcel(), new object?[] { NewParcel(), new Money(7, "CHF"), (3, new Money(8, "USD")) }];
        foreach (var value in values)
        {
            var dynamic = BytesOn(WirePath.DynamicCode, value);
            Assert.That(BytesOn(WirePath.Reflection, value), Is.EqualTo(dynamic), $"{value}: one encoding, whichever resolvers wrote it");
        }
        var back = (object?[])ReadOn(WirePath.Reflection, BytesOn(WirePath.DynamicCode, values[2]))!;
        var parcel = (Parcel)back[0]!;
        Assert.That(parcel.Items.Select(m => (m.Cents, m.Currency, m.ReadByFormatter)), Is.EqualTo(new[] { (1999L, "EUR", true), (5L, "JPY", true) }));
        Assert.That((parcel.Day, parcel.Weights["box"], parcel.Weights["bag"], Convert.ToInt64(parcel.Note)), Is.EqualTo((DayOfWeek.Saturday, 3, 1, 42L)));
        Assert.That(((Money)back[1]!).Currency, Is.EqualTo("CHF"));
        Assert.That((((int, Money))back[2]!).Item2.Cents, Is.EqualTo(8L));
    }

    [Test]
    public void WithoutDynamicCodeAnAnnotatedTypeIsRefusedWithOneClearError()
    {
        using (WirePaths.Use(WirePath.Reflection))
        {
            // Writing: the type, what needs generated code, and what to do; the path to the value inside.
            var e = Assert.Throws<WireException>(() => WireCodec.ToBytes(new object?[] { 1, NewReading() }))!;
            Assert.That(e.Message, Does.Contain(typeof(Reading).FullName!).And.Contain("#:property PublishAot=false")
                .And.Contain("MessagePackTypes.Register").And.Contain("IsDynamicCodeSupported is false"));
            Assert.That(e.Path, Is.EqualTo("value[1]"));
            Assert.That(e.ToString(), Does.Not.Contain(nameof(PlatformNotSupportedException)));
            // A type the annotated one holds is named itself (Sample holds a Reading: Sample is the first one met).
            Assert.That(Assert.Throws<WireException>(() => WireCodec.ToBytes(new Sample("n", 1, null)))!.Message, Does.Contain(typeof(Sample).FullName!));
        }
        // Reading: bytes written where dynamic code runs fail the same clear way, never with another exception type.
        var bytes = BytesOn(WirePath.DynamicCode, NewReading());
        var read = Assert.Throws<WireException>(() => ReadOn(WirePath.Reflection, bytes))!;
        Assert.That(read.Message, Does.Contain(typeof(Reading).FullName!).And.Contain("#:property PublishAot=false"));
    }

    [Test]
    public void WithoutDynamicCodeHostilePayloadsAreRefusedAsBefore()
    {
        using var _ = WirePaths.Use(WirePath.Reflection);
        var full = WireCodec.ToBytes(NewParcel());
        Assert.That(((Parcel)WireCodec.FromBytes(full)!).Items, Has.Count.EqualTo(2));
        for (int cut = 1; cut < full.Length; cut++)
            Assert.Throws<WireException>(() => WireCodec.FromBytes(full[..cut]), $"cut at {cut}");
        var payload = MessagePackSerializer.Serialize(NewParcel(), MessagePackSerializerOptions.Standard.WithResolver(
            MessagePack.Resolvers.CompositeResolver.Create([new MoneyFormatter()], [MessagePack.Resolvers.StandardResolver.Instance])));
        Assert.That(((Parcel)WireCodec.FromBytes(Frame(typeof(Parcel), payload))!).Day, Is.EqualTo(DayOfWeek.Saturday));
        Assert.That(Refused(Frame(typeof(Parcel), [.. payload, 0xC0])).Message, Does.Contain("bytes after the value"));
        Assert.That(Refused(Frame(typeof(Parcel), [0xC0])).Message, Does.Contain("Parcel").And.Contain("nil"));
        Assert.That(Refused(Frame(typeof(Parcel), 0x7FFFFFC7, [0x94])).Message, Does.Contain("MaxMessageBytes"));
        // A list of 2^31-1 items announced inside the payload, nothing behind it: refused, little allocated.
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(Refused(Frame(typeof(Parcel), [0x94, 0xDD, 0x7F, 0xFF, 0xFF, 0xFF])).Message, Does.Contain("Parcel"));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(16 << 20));
        // The depth limit reaches into the payload (the parcel, then its list).
        Assert.Throws<WireException>(() => WireCodec.FromBytes(full, new WireLimits { MaxDepth = 2 }));
        Assert.That(Refused(Frame(typeof(WireCodecTests.Point), [0x93, 0x01, 0x02, 0xA1, (byte)'p'])).Message, Does.Contain("is not a MessagePack type in this process"));
        Assert.That(Refused(Frame(typeof(System.Diagnostics.Process), [0xC0])).Message, Does.Contain("Process"));
    }
}
