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
}
