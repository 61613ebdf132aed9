namespace TaskGraph.DataPlane;

/// <summary>
/// The data plane failed: a peer could not be reached, refused to authenticate (or failed to prove it knows the
/// cluster secret), or sent bytes that break the protocol (oversized or malformed frames).
/// </summary>
public sealed class DataPlaneException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DataPlaneException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>True when the peer could not be reached at all (refused or reset connection): its results are gone with it.</summary>
    public bool Unreachable { get; init; }
}
