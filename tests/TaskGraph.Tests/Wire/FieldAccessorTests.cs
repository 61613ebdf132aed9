using System.Runtime.CompilerServices;
using TaskGraph.Wire;

namespace TaskGraph.Tests.Wire;

/// <summary>
/// The field accessors used where dynamic code is off (reflection) accept and refuse exactly what the generated ones
/// accept and refuse, so the decoder builds the same objects from the same bytes on both wire paths.
/// </summary>
public class FieldAccessorTests
{
    public sealed class Holder
    {
        public int I;
        public long L;
        public int? N;
        public DayOfWeek E;
        public DayOfWeek? NE;
        public string? S;
        public object? O;
        public List<int>? List;
        public readonly double R;
        public (int, string) T;
        public char C;
        public uint[]? U;
        public object[]? Objects;
        public IComparable? Comparable;
    }

    public struct Cell
    {
        public int I;
        public string? S;
        public DayOfWeek E;
    }

    public sealed class IntBox { public int V; }
    public sealed class LongBox { public long V; }
    public sealed class EnumBox { public DayOfWeek V; }

    private static FieldShape[] FieldsOn(WirePath path, Type owner)
    {
        using (WirePaths.Use(path)) return TypeShape.Of(owner).Fields;
    }

    private static readonly object?[] Candidates =
    [
        null, 5, 5L, (short)5, 5u, 5.0, (ushort)5, 'c', true, DayOfWeek.Friday, ConsoleColor.Red, AttributeTargets.Class /* an int enum too */,
        UriKind.Absolute, "s", new List<int> { 1 }, new object(), (1, "x"), (1, 2), new[] { 1 }, new[] { 1u }, new[] { "a" }, new[] { DayOfWeek.Monday },
    ];

    private static Exception? Try(Action a)
    {
        try { a(); return null; }
        catch (Exception e) { return e; }
    }

    [TestCase(typeof(Holder))]
    [TestCase(typeof(Cell))]
    public void ReflectionSettersAcceptAndRefuseWhatGeneratedOnesDo(Type owner)
    {
        var generated = FieldsOn(WirePath.DynamicCode, owner);
        var reflected = FieldsOn(WirePath.Reflection, owner);
        Assert.That(reflected, Is.Not.SameAs(generated));
        Assert.That(reflected.Select(f => f.Field), Is.EqualTo(generated.Select(f => f.Field)), "the same fields in the same order");
        int accepted = 0, refused = 0;
        for (int i = 0; i < generated.Length; i++)
            foreach (var v in Candidates)
            {
                var what = $"{owner.Name}.{generated[i].Field.Name} ({generated[i].Field.FieldType}) <- {v?.GetType().ToString() ?? "null"}";
                object a = RuntimeHelpers.GetUninitializedObject(owner), b = RuntimeHelpers.GetUninitializedObject(owner);
                var byGenerated = Try(() => generated[i].Set(a, v));
                var byReflection = Try(() => reflected[i].Set(b, v));
                Assert.That(byReflection?.GetType(), Is.EqualTo(byGenerated?.GetType()), what);
                if (byGenerated is not null) { refused++; continue; }
                accepted++;
                // Both stored the same value, and each path reads what the other wrote.
                var stored = generated[i].Get(a);
                Assert.That(reflected[i].Get(b), Is.EqualTo(stored), what);
                Assert.That(reflected[i].Get(b)?.GetType(), Is.EqualTo(stored?.GetType()), what);
                Assert.That(generated[i].Get(b), Is.EqualTo(reflected[i].Get(a)), what);
            }
        Assert.That(accepted, Is.GreaterThan(generated.Length), "every field took some values");
        Assert.That(refused, Is.GreaterThan(generated.Length), "and refused others");
    }

    /// <summary>The encoding of <paramref name="value"/> with <paramref name="from"/>'s type identity replaced by <paramref name="to"/>'s.</summary>
    private static byte[] Retyped(object value, Type from, Type to)
    {
        var bytes = WireCodec.ToBytes(value);
        var a = new WireWriter();
        Identities.WriteType(a, from);
        var b = new WireWriter();
        Identities.WriteType(b, to);
        byte[] f = a.ToArray(), t = b.ToArray();
        int at = bytes.AsSpan().IndexOf(f);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), "the type identity is in the message");
        return [.. bytes.AsSpan(0, at), .. t, .. bytes.AsSpan(at + f.Length)];
    }

    [TestCase(WirePath.DynamicCode)]
    [TestCase(WirePath.Reflection)]
    public void AFieldValueOfAnotherTypeIsRefusedOnBothPaths(WirePath path)
    {
        using var _ = WirePaths.Use(path);
        // An int where the type says long: no widening (reflection's SetValue alone would convert it).
        var e = Assert.Throws<WireException>(() => WireCodec.FromBytes(Retyped(new IntBox { V = 5 }, typeof(IntBox), typeof(LongBox))))!;
        Assert.That(e.Message, Does.Contain("InvalidCastException"));
        // An int for an enum over int is what unbox.any accepts: the same on both paths.
        Assert.That(((EnumBox)WireCodec.FromBytes(Retyped(new IntBox { V = 5 }, typeof(IntBox), typeof(EnumBox)))!).V, Is.EqualTo(DayOfWeek.Friday));
        // A string where an int belongs.
        Assert.Throws<WireException>(() => WireCodec.FromBytes(Retyped(new WireCodecTests.Point(1, 2, "p"), typeof(WireCodecTests.Point), typeof(Swapped))));
    }

    /// <summary>The fields of <see cref="WireCodecTests.Point"/> with the first and the last swapped.</summary>
    public sealed record Swapped(string X, double Y, int Label);
}
