namespace TaskGraph.Distributed;

/// <summary>
/// The broker could not be reached, or the connection to it was lost mid-compute. The message names the broker
/// (password redacted) and what to check; it never contains credentials.
/// </summary>
public sealed class BrokerUnavailableException : Exception
{
    /// <summary>Creates the exception; <paramref name="detail"/> must already be scrubbed of credentials.</summary>
    public BrokerUnavailableException(string message, string? detail = null)
        : base(detail is null ? message : $"{message} ({detail})") { }
}
