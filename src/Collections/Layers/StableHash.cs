using System.Runtime.CompilerServices;

namespace TaskGraph.Collections;

/// <summary>
/// The one stable hash of the collections and its one 64-bit mixer (SplitMix64's finalizer): bags route elements,
/// frames route rows and index groups and joins, arrays key their random streams with it. Hash codes that are the
/// same in every process, for routing elements to shuffle partitions. .NET's
/// <see cref="string.GetHashCode()"/> is randomized per process, so a shuffle run by several worker processes
/// would send equal keys to different partitions; these hashes depend on the value only. Covered: strings,
/// integers, chars, bools, enums, doubles, Guids, dates, <see cref="ITokenizable"/> values and tuples of those.
/// Other key types fall back to <see cref="object.GetHashCode()"/>, which is stable across processes only when
/// the type's own hash is (records of the types above are not: their string fields hash per process).
/// </summary>
public static class StableHash
{
    /// <summary>A process-independent hash of <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Of<T>(T value)
    {
        if (typeof(T) == typeof(int)) return Mix((ulong)(long)Unsafe.As<T, int>(ref value));
        if (typeof(T) == typeof(long)) return Mix((ulong)Unsafe.As<T, long>(ref value));
        if (typeof(T) == typeof(string)) return OfString(Unsafe.As<T, string?>(ref value));
        return OfObject(value, 0);
    }

    /// <summary>A process-independent hash of a string (FNV-1a over its UTF-16 code units, then mixed).</summary>
    public static ulong OfString(string? s)
    {
        if (s is null) return Gamma;
        ulong h = 14695981039346656037UL;
        foreach (char c in s) h = (h ^ c) * 1099511628211UL;
        return Mix(h ^ (ulong)s.Length);
    }

    private static ulong OfObject(object? value, int depth)
    {
        switch (value)
        {
            case null: return Gamma;
            case string s: return OfString(s);
            case int i: return Mix((ulong)(long)i);
            case long l: return Mix((ulong)l);
            case double d: return Mix(BitConverter.DoubleToUInt64Bits(d == 0 ? 0.0 : d)); // -0.0 equals 0.0
            case bool b: return Mix(b ? 1UL : 2UL);
            case char c: return Mix(c);
            case Guid g: return OfString(g.ToString("N"));
            case DateTime t: return Mix((ulong)t.Ticks);
            case DateOnly d: return Mix((ulong)d.DayNumber);
            case ITokenizable tok:
                var b2 = new TokenBuilder("stable-hash");
                tok.AddToken(ref b2);
                return b2.Finish().Lo;
            case ITuple tuple when depth < 8:
                ulong h = 0xC2B2AE3D27D4EB4FUL;
                for (int i = 0; i < tuple.Length; i++) h = Mix(h ^ OfObject(tuple[i], depth + 1)) + (ulong)i;
                return h;
        }
        var type = value.GetType();
        if (type.IsEnum) value = Convert.ChangeType(value, Enum.GetUnderlyingType(type));
        switch (value)
        {
            case ulong u: return Mix(u);
            case float f: return Mix(BitConverter.DoubleToUInt64Bits(f == 0 ? 0.0 : f));
            case byte or sbyte or short or ushort or uint or nint: return Mix(unchecked((ulong)Convert.ToInt64(value)));
            case int i: return Mix((ulong)(long)i);
            case long l: return Mix((ulong)l);
            case nuint n: return Mix(n);
        }
        return Mix((ulong)(uint)value.GetHashCode());
    }

    /// <summary>SplitMix64's first multiplier (exposed for the vectorized random generator, which inlines <see cref="Mix"/>).</summary>
    internal const ulong M1 = 0xBF58476D1CE4E5B9UL;

    /// <summary>SplitMix64's second multiplier.</summary>
    internal const ulong M2 = 0x94D049BB133111EBUL;

    /// <summary>SplitMix64's increment (the golden ratio): counter-based streams step by it.</summary>
    internal const ulong Gamma = 0x9E3779B97F4A7C15UL;

    /// <summary>A 64-bit finalizer (splitmix64): spreads every input bit over the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong x)
    {
        x = (x ^ (x >> 30)) * M1;
        x = (x ^ (x >> 27)) * M2;
        return x ^ (x >> 31);
    }

    /// <summary>The seed of a combined hash over several values (rows of several key columns): <c>h = Mix(h ^ value)</c> from here.</summary>
    public const ulong RowSeed = 0x12345UL;

    /// <summary>
    /// The shuffle bucket, in <c>[0, buckets)</c>, of a hash: from its high 32 bits (multiply-shift, no division), so
    /// the hash tables that index a bucket's rows by the low bits stay evenly filled.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BucketOfHash(ulong hash, int buckets) => (int)(((hash >> 32) * (uint)buckets) >> 32);

    /// <summary>The shuffle partition, in <c>[0, partitions)</c>, of a key.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Bucket<T>(T key, int partitions) => BucketOfHash(Of(key), partitions);
}
