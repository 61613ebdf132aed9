using BenchmarkDotNet.Attributes;
using MessagePack;
using MessagePack.Resolvers;
using TaskGraph.Wire;

namespace TaskGraph.Benchmarks.Micro;

/// <summary>
/// Should MessagePack replace the codec's hand-written field accessors (<c>TypeShape</c>) for plain records and
/// objects? 100,000 small records and 100,000 small objects (an int, a string, a double), each round trip
/// encode + decode, four ways: TaskGraph's field walk (plain types, today's path); MessagePack inside the codec
/// for annotated types (<c>[MessagePackObject]</c>); MessagePack inside the codec for the same plain types
/// through the contractless resolver (registered formatters: what a replacement would do); and MessagePack alone
/// on the whole list (the library's own speed, without the codec's per-value type identities).
/// Run: <c>dotnet run -c Release --project benchmarks/TaskGraph.Benchmarks -- --filter *WireMessagePack*</c>.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 10)]
[MemoryDiagnoser, MinColumn, MedianColumn]
[GcServer(false)]
public class WireMessagePack
{
    private const int Count = 100_000;

    /// <summary>A plain record (no attributes): TaskGraph's field walk.</summary>
    public sealed record Row(int Id, string Name, double Score);

    /// <summary>The same record annotated for MessagePack.</summary>
    [MessagePackObject]
    public sealed record MpRow([property: Key(0)] int Id, [property: Key(1)] string Name, [property: Key(2)] double Score);

    /// <summary>The same plain record, sent through MessagePack's contractless formatter (registered).</summary>
    public sealed record ContractlessRow(int Id, string Name, double Score);

    /// <summary>A plain class with settable properties.</summary>
    public sealed class Obj
    {
        public int Id { get; set; }
        public string Name { get; set; } = "";
        public double Score { get; set; }
    }

    /// <summary>The same class annotated for MessagePack.</summary>
    [MessagePackObject]
    public sealed class MpObj
    {
        [Key(0)] public int Id { get; set; }
        [Key(1)] public string Name { get; set; } = "";
        [Key(2)] public double Score { get; set; }
    }

    /// <summary>The same plain class, sent through MessagePack's contractless formatter (registered).</summary>
    public sealed class ContractlessObj
    {
        public int Id { get; set; }
        public string Name { get; set; } = "";
        public double Score { get; set; }
    }

    private List<Row> _rows = null!;
    private List<MpRow> _mpRows = null!;
    private List<ContractlessRow> _clRows = null!;
    private List<Obj> _objs = null!;
    private List<MpObj> _mpObjs = null!;
    private List<ContractlessObj> _clObjs = null!;
    private static readonly MessagePackSerializerOptions Contractless = MessagePackSerializerOptions.Standard.WithResolver(ContractlessStandardResolver.Instance);

    [GlobalSetup]
    public void Setup()
    {
        MessagePackTypes.Register(ContractlessStandardResolver.Instance.GetFormatter<ContractlessRow>()!);
        MessagePackTypes.Register(ContractlessStandardResolver.Instance.GetFormatter<ContractlessObj>()!);
        static string Name(int i) => "name" + (i % 1000);
        _rows = Enumerable.Range(0, Count).Select(i => new Row(i, Name(i), i * 0.25)).ToList();
        _mpRows = Enumerable.Range(0, Count).Select(i => new MpRow(i, Name(i), i * 0.25)).ToList();
        _clRows = Enumerable.Range(0, Count).Select(i => new ContractlessRow(i, Name(i), i * 0.25)).ToList();
        _objs = Enumerable.Range(0, Count).Select(i => new Obj { Id = i, Name = Name(i), Score = i * 0.25 }).ToList();
        _mpObjs = Enumerable.Range(0, Count).Select(i => new MpObj { Id = i, Name = Name(i), Score = i * 0.25 }).ToList();
        _clObjs = Enumerable.Range(0, Count).Select(i => new ContractlessObj { Id = i, Name = Name(i), Score = i * 0.25 }).ToList();
        // Every path must really round-trip before it is timed.
        if (RecordsFieldWalk() != Count || RecordsMessagePackAttributed() != Count || RecordsMessagePackContractless() != Count || RecordsMessagePackAlone() != Count
            || ObjectsFieldWalk() != Count || ObjectsMessagePackAttributed() != Count || ObjectsMessagePackContractless() != Count || ObjectsMessagePackAlone() != Count)
            throw new InvalidOperationException("a round trip lost values");
    }

    private static T RoundTrip<T>(T value) where T : class => WireCodec.FromBytes<T>(WireCodec.ToBytes(value));

    // The last element's fields are checked so that no path can skip work.
    private static int Check(int count, int id, string name) => id == Count - 1 && name == "name" + ((Count - 1) % 1000) ? count : -1;

    /// <summary>Records, TaskGraph's field walk (TypeShape accessors).</summary>
    [Benchmark(Baseline = true)]
    public int RecordsFieldWalk() { var r = RoundTrip(_rows); return Check(r.Count, r[^1].Id, r[^1].Name); }

    /// <summary>Records annotated for MessagePack, through the codec.</summary>
    [Benchmark]
    public int RecordsMessagePackAttributed() { var r = RoundTrip(_mpRows); return Check(r.Count, r[^1].Id, r[^1].Name); }

    /// <summary>Plain records through the codec with the contractless formatter.</summary>
    [Benchmark]
    public int RecordsMessagePackContractless() { var r = RoundTrip(_clRows); return Check(r.Count, r[^1].Id, r[^1].Name); }

    /// <summary>Plain records, MessagePack alone on the whole list (contractless).</summary>
    [Benchmark]
    public int RecordsMessagePackAlone()
    {
        var r = MessagePackSerializer.Deserialize<List<ContractlessRow>>(MessagePackSerializer.Serialize(_clRows, Contractless), Contractless);
        return Check(r.Count, r[^1].Id, r[^1].Name);
    }

    /// <summary>Objects, TaskGraph's field walk (TypeShape accessors).</summary>
    [Benchmark]
    public int ObjectsFieldWalk() { var r = RoundTrip(_objs); return Check(r.Count, r[^1].Id, r[^1].Name); }

    /// <summary>Objects annotated for MessagePack, through the codec.</summary>
    [Benchmark]
    public int ObjectsMessagePackAttributed() { var r = RoundTrip(_mpObjs); return Check(r.Count, r[^1].Id, r[^1].Name); }

    /// <summary>Plain objects through the codec with the contractless formatter.</summary>
    [Benchmark]
    public int ObjectsMessagePackContractless() { var r = RoundTrip(_clObjs); return Check(r.Count, r[^1].Id, r[^1].Name); }

    /// <summary>Plain objects, MessagePack alone on the whole list (contractless).</summary>
    [Benchmark]
    public int ObjectsMessagePackAlone()
    {
        var r = MessagePackSerializer.Deserialize<List<ContractlessObj>>(MessagePackSerializer.Serialize(_clObjs, Contractless), Contractless);
        return Check(r.Count, r[^1].Id, r[^1].Name);
    }
}
