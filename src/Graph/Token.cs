using System.Numerics;
using System.Runtime.CompilerServices;

namespace TaskGraph;

/// <summary>
/// A deterministic 128-bit fingerprint of a function and its inputs. Equal inputs give equal tokens in
/// every process and on every machine (unlike <see cref="object.GetHashCode"/>, which is randomized per
/// process), so task keys built from tokens can be compared across the process pool and the cluster.
/// </summary>
public readonly record struct Token(ulong Hi, ulong Lo)
{
    /// <summary>Short hexadecimal form used in key names.</summary>
    public override string ToString() => Lo.ToString("x16");
}

/// <summary>
/// Accumulates values into a <see cref="Token"/>. Two independent 64-bit lanes with different
/// multipliers make accidental collisions between distinct task inputs vanishingly unlikely
/// (a million tasks: about 1e-27 for 128 bits).
/// </summary>
public struct TokenBuilder
{
    private ulong _a;
    private ulong _b;
    private ulong _count;

    private const ulong P1 = 0x9E3779B185EBCA87UL;
    private const ulong P2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong P3 = 0x165667B19E3779F9UL;

    /// <summary>The seed every named domain's seed is hashed from ("DOMAIN" in ASCII): the one hand-made seed.</summary>
    private const ulong DomainRoot = 0x444F4D41494EUL;

    /// <summary>Starts a builder with a domain seed, so different kinds of value never share a token.</summary>
    public TokenBuilder(ulong seed)
    {
        _a = seed ^ 0x27D4EB2F165667C5UL;
        _b = ~seed * P3;
        _count = 0;
    }

    /// <summary>
    /// Starts a builder in a named domain (an operation's tag such as <c>"bag-fold"</c>), so tokens of different
    /// kinds of value never meet. Same as <see cref="TokenBuilder(ulong)"/> seeded with <see cref="DomainSeed"/>.
    /// </summary>
    public TokenBuilder(string domain) : this(DomainSeed(domain)) { }

    /// <summary>
    /// The seed of the named domain <paramref name="domain"/>: the tag's own fingerprint, so distinct tags give
    /// distinct seeds. Hashing the tag costs a few dozen nanoseconds; code that starts a builder per task keeps the
    /// seed in a static field and starts with <see cref="TokenBuilder(ulong)"/>.
    /// </summary>
    public static ulong DomainSeed(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var b = new TokenBuilder(DomainRoot);
        b.Add(domain);
        var seed = b.Finish();
        return seed.Hi ^ seed.Lo;
    }

    /// <summary>Adds a 64-bit value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(ulong value)
    {
        _a = BitOperations.RotateLeft((_a ^ value) * P1, 31) * P2;
        _b = BitOperations.RotateLeft(_b + value * P2, 27) * P1 + P3;
        _count++;
    }

    /// <summary>Adds another token.</summary>
    public void Add(Token token)
    {
        Add(token.Hi);
        Add(token.Lo);
    }

    /// <summary>Adds a string (its UTF-16 code units and its length).</summary>
    public void Add(string? text)
    {
        if (text is null) { Add(0xFFFF_FFFF_0000_0001UL); return; }
        Add((ulong)text.Length);
        AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(text.AsSpan()));
    }

    /// <summary>Spans at least this long are hashed with XxHash128 (memory speed) and the 128-bit digest is added.</summary>
    private const int BulkBytes = 256;

    /// <summary>Adds raw bytes: eight at a time, or, for long spans, their XxHash128 digest.</summary>
    public void AddBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length >= BulkBytes)
        {
            var digest = System.IO.Hashing.XxHash128.HashToUInt128(bytes);
            Add((ulong)(digest >> 64));
            Add((ulong)digest);
            Add((ulong)bytes.Length);
            return;
        }
        var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(bytes);
        foreach (var w in words) Add(w);
        ulong tail = 0;
        for (int i = words.Length * 8; i < bytes.Length; i++) tail = (tail << 8) | bytes[i];
        Add(tail ^ ((ulong)bytes.Length << 56));
    }

    /// <summary>Finishes the token (the builder may still be used afterwards).</summary>
    public readonly Token Finish()
    {
        ulong a = Avalanche(_a ^ _count), b = Avalanche(_b + _count * P3);
        return new Token(a ^ BitOperations.RotateLeft(b, 17), b ^ a * P2);
    }

    private static ulong Avalanche(ulong h)
    {
        h ^= h >> 33; h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33; h *= 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 33;
        return h;
    }
}

/// <summary>
/// The named domains of the graph core's tokens, each seed hashed from its name once: keys are built per task, so
/// the names are not hashed again per key. Every kind of token has a domain of its own, so a literal, a call and a
/// partition built from the same numbers still get different keys.
/// </summary>
internal static class TokenDomains
{
    /// <summary>A function: its method and captured state.</summary>
    public static readonly ulong TaskFunction = TokenBuilder.DomainSeed("task-function");
    /// <summary>A key given by name (<see cref="TaskKey.Named"/>).</summary>
    public static readonly ulong NamedKey = TokenBuilder.DomainSeed("named-key");
    /// <summary>The key of one partition of a collection layer.</summary>
    public static readonly ulong PartitionKey = TokenBuilder.DomainSeed("partition-key");
    /// <summary>A type (module, metadata token, generic arguments).</summary>
    public static readonly ulong Type = TokenBuilder.DomainSeed("type");
    /// <summary>A method (module, metadata token, declaring type, generic arguments).</summary>
    public static readonly ulong Method = TokenBuilder.DomainSeed("method");
    /// <summary>A token no other call returns.</summary>
    public static readonly ulong Unique = TokenBuilder.DomainSeed("unique");
    /// <summary>One element of a set or one entry of a dictionary (fingerprinted alone, then sorted).</summary>
    public static readonly ulong UnorderedElement = TokenBuilder.DomainSeed("unordered-element");
    /// <summary>A literal task's value.</summary>
    public static readonly ulong Literal = TokenBuilder.DomainSeed("literal");
    /// <summary>A call: function token, argument keys and literal arguments.</summary>
    public static readonly ulong Call = TokenBuilder.DomainSeed("call");
}
