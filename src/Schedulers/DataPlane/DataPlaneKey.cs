using System.Security.Cryptography;

namespace TaskGraph.DataPlane;

/// <summary>
/// The key peers of the data plane prove they hold, derived from the cluster secret (the cluster's
/// <c>ClusterSecret.DataPlaneKey</c>) so that it signs nothing else; on the process pool, 32 random bytes per pool,
/// given to its workers over their task pipes. Challenge–response: each side sends a fresh
/// random nonce and answers the other's with an HMAC-SHA256 over both nonces and its role; the key itself never
/// crosses the wire, and a recorded handshake cannot be replayed (the other side's nonce is new every time).
/// </summary>
internal sealed class DataPlaneKey
{
    /// <summary>Bytes of a nonce and of a proof.</summary>
    public const int NonceBytes = 32, ProofBytes = 32;

    private readonly byte[] _key;

    /// <summary>A key from its bytes (at least 16).</summary>
    public DataPlaneKey(byte[] key)
    {
        if (key is not { Length: >= 16 }) throw new ArgumentException("A data plane key needs at least 16 bytes.", nameof(key));
        _key = key;
    }

    /// <summary>A fresh random nonce.</summary>
    public static byte[] Nonce() => RandomNumberGenerator.GetBytes(NonceBytes);

    /// <summary>The proof that the side playing <paramref name="role"/> holds the key, bound to both nonces.</summary>
    public byte[] Proof(string role, ReadOnlySpan<byte> theirs, ReadOnlySpan<byte> mine)
    {
        using var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        mac.AppendData("taskgraph-data-v1:"u8);
        mac.AppendData(System.Text.Encoding.ASCII.GetBytes(role));
        mac.AppendData(theirs);
        mac.AppendData(mine);
        return mac.GetHashAndReset();
    }

    /// <summary>True when <paramref name="given"/> is the proof <see cref="Proof"/> would make (compared in constant time).</summary>
    public bool Check(ReadOnlySpan<byte> given, string role, ReadOnlySpan<byte> theirs, ReadOnlySpan<byte> mine)
        => CryptographicOperations.FixedTimeEquals(given, Proof(role, theirs, mine));

    /// <summary>Never the key.</summary>
    public override string ToString() => "DataPlaneKey";
}
