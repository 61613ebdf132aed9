namespace TaskGraph.DataPlane;

/// <summary>
/// The data plane's wire protocol: direct TCP connections between the processes of a cluster (a worker fetching
/// a peer's result, a client releasing results), carrying values in the wire codec.
/// <list type="number">
/// <item><b>Handshake</b> (fixed sizes, 10 s to complete): the server sends <c>[magic][server nonce]</c>; the
/// client answers <c>[magic][client nonce][client proof]</c> where the proof is
/// <see cref="DataPlaneKey.Proof"/>(<c>"client"</c>, server nonce, client nonce); the server answers
/// <c>[1][server proof]</c> (role <c>"server"</c>, client nonce, server nonce) — or <c>[0]</c> and closes, when the
/// proof is wrong. Both sides prove they hold the cluster secret; neither sends it.</item>
/// <item><b>Requests</b>: frames <c>[int32 length][byte op][int16 n][n bytes: computation id, UTF-8][op data]</c>,
/// at most <see cref="MaxRequestBytes"/> long.</item>
/// <item><b>Answers</b> (to <see cref="Get"/> only): <c>[int64 length][byte status][value]</c>, the value in the
/// wire codec, decoded within the announced length.</item>
/// </list>
/// </summary>
internal static class DataPlaneProtocol
{
    /// <summary>The first 8 bytes each side sends: protocol name and version.</summary>
    public static ReadOnlySpan<byte> Magic => "TGDATA01"u8;

    /// <summary>Request: <c>[int node]</c>; answered with <see cref="Found"/> and the value, or <see cref="Missing"/>.</summary>
    public const byte Get = 1;

    /// <summary>Request: <c>[int count][int node…]</c>; these results are no longer needed. No answer.</summary>
    public const byte Release = 2;

    /// <summary>Request: no data; every result of the computation is dropped and later ones refused. No answer.</summary>
    public const byte Drop = 3;

    /// <summary>Answer status: the value follows.</summary>
    public const byte Found = 1;

    /// <summary>Answer status: not held here (released, never made here, or the computation was dropped).</summary>
    public const byte Missing = 0;

    /// <summary>Largest request frame (a release of up to ~250,000 nodes).</summary>
    public const int MaxRequestBytes = 1 << 20;

    /// <summary>Longest computation id, in UTF-8 bytes.</summary>
    public const int MaxComputeIdBytes = 256;

    /// <summary>The handshake must be done within this time (a silent connection is closed).</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);
}
