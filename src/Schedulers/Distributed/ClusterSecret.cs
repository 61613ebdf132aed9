using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using RabbitMQ.Client;

namespace TaskGraph.Distributed;

/// <summary>
/// The key a cluster's clients and workers share: every task and every reply carries an HMAC-SHA256 over its body
/// and the properties that decide what it does and where its answer goes (message id, correlation id, reply-to,
/// type, chunk headers, timestamp, deadline, deaths so far, destination queue). A worker runs only tasks signed with it; a client
/// accepts only replies signed with it. Anyone who can publish on the broker but lacks the secret can no longer
/// make a worker run anything.
/// <para>The secret comes from <c>TASKGRAPH_CLUSTER_SECRET</c> (the secret itself) or
/// <c>TASKGRAPH_CLUSTER_SECRET_FILE</c> (a file holding it), or is passed in code — never on a command line, where
/// any local user could read it in <c>/proc/&lt;pid&gt;/cmdline</c>. It is never logged: <see cref="ToString"/> shows
/// only a fingerprint.</para>
/// </summary>
public sealed class ClusterSecret
{
    /// <summary>The environment variable holding the secret itself.</summary>
    public const string Variable = "TASKGRAPH_CLUSTER_SECRET";

    /// <summary>The environment variable naming a file that holds the secret.</summary>
    public const string FileVariable = "TASKGRAPH_CLUSTER_SECRET_FILE";

    /// <summary>Shortest secret accepted, in characters (a generated one has 43).</summary>
    public const int MinimumLength = 16;

    /// <summary>Message header: the signature (32 bytes).</summary>
    public const string SignatureHeader = "tg-sig";

    /// <summary>Message header: when the message was signed (Unix milliseconds).</summary>
    public const string TimestampHeader = "tg-ts";

    /// <summary>Message header: after when (Unix milliseconds) a worker must not run the task.</summary>
    public const string DeadlineHeader = "tg-deadline";

    private readonly byte[] _key;

    private ClusterSecret(byte[] key) => _key = key;

    /// <summary>A secret from its text (at least <see cref="MinimumLength"/> characters; surrounding white space is ignored).</summary>
    public static ClusterSecret FromText(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        secret = secret.Trim();
        if (secret.Length < MinimumLength)
            throw new ArgumentException($"The cluster secret must have at least {MinimumLength} characters (generate one with `openssl rand -base64 32`).", nameof(secret));
        return new ClusterSecret(Encoding.UTF8.GetBytes(secret));
    }

    /// <summary>A secret read from the file at <paramref name="path"/>; the error names the file, never its content.</summary>
    public static ClusterSecret FromFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Cannot read the cluster secret file '{path}': {e.Message}", e);
        }
        try
        {
            return FromText(text);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"The cluster secret file '{path}' is not usable: {e.Message}", e);
        }
    }

    /// <summary>A new random secret (32 bytes, base64): what <see cref="LocalCluster"/> gives its workers.</summary>
    public static ClusterSecret Generate(out string text)
    {
        text = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        return FromText(text);
    }

    /// <summary>
    /// The secret in <c>TASKGRAPH_CLUSTER_SECRET</c> or the file named by <c>TASKGRAPH_CLUSTER_SECRET_FILE</c>;
    /// without either, a clear error: there is no insecure default.
    /// </summary>
    public static ClusterSecret FromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(text)) return FromText(text);
        var file = Environment.GetEnvironmentVariable(FileVariable);
        if (!string.IsNullOrWhiteSpace(file)) return FromFile(file);
        throw new InvalidOperationException(
            $"The cluster needs a shared secret: set {Variable} (or {FileVariable}=path/to/file) to the same value for the client and every worker. " +
            "Without it anyone who can publish on the broker could run code on the workers. Generate one with `openssl rand -base64 32`.");
    }

    /// <summary>
    /// The key of the data plane (direct connections between workers), derived from the secret so that a proof
    /// made there can never pass for a message signature here, or the reverse.
    /// </summary>
    internal TaskGraph.DataPlane.DataPlaneKey DataPlaneKey => new(HMACSHA256.HashData(_key, "taskgraph-data-plane-v1"u8));

    /// <summary>A short, non-reversible fingerprint for logs (the first 8 hex digits of a hash of the key).</summary>
    public string Fingerprint => Convert.ToHexStringLower(SHA256.HashData([.. "taskgraph-fingerprint"u8, .. _key]))[..8];

    /// <summary>The fingerprint only: a secret never reaches a log through string formatting.</summary>
    public override string ToString() => $"ClusterSecret({Fingerprint})";

    /// <summary>Signs a message about to be published to <paramref name="destination"/>: sets the timestamp and signature headers.</summary>
    public void Sign(BasicProperties props, string destination, ReadOnlySpan<byte> body)
    {
        props.Headers ??= new Dictionary<string, object?>();
        props.Headers[TimestampHeader] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        props.Headers.Remove(SignatureHeader);
        props.Headers[SignatureHeader] = Compute(props, destination, body);
    }

    /// <summary>True when <paramref name="props"/> carry a valid signature of this message for <paramref name="destination"/>.</summary>
    public bool Verify(IReadOnlyBasicProperties props, string destination, ReadOnlySpan<byte> body)
    {
        if (props.Headers is null || !props.Headers.TryGetValue(SignatureHeader, out var sig) || sig is not byte[] given || given.Length != 32) return false;
        return CryptographicOperations.FixedTimeEquals(given, Compute(props, destination, body));
    }

    /// <summary>True when the message carries a signature at all (to tell "unsigned" from "signed with another key").</summary>
    public static bool IsSigned(IReadOnlyBasicProperties props) => props.Headers?.ContainsKey(SignatureHeader) == true;

    private byte[] Compute(IReadOnlyBasicProperties props, string destination, ReadOnlySpan<byte> body)
    {
        using var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        mac.AppendData("taskgraph-v1"u8);
        Field(mac, destination);
        Field(mac, props.MessageId);
        Field(mac, props.CorrelationId);
        Field(mac, props.ReplyTo);
        Field(mac, props.Type);
        Field(mac, props.Expiration);
        foreach (var h in (ReadOnlySpan<string>)[Topology.ChunkHeader, Topology.ChunksHeader, TimestampHeader, DeadlineHeader, Topology.RefusalHeader, Topology.DeathsHeader])
            Field(mac, props.Headers is not null && props.Headers.TryGetValue(h, out var v) ? HeaderText(v) : null);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(length, body.Length);
        mac.AppendData(length);
        mac.AppendData(body);
        return mac.GetHashAndReset();
    }

    // Each field length-prefixed (absent: -1), so no two different property sets hash the same bytes.
    private static void Field(IncrementalHash mac, string? value)
    {
        Span<byte> length = stackalloc byte[4];
        var bytes = value is null ? [] : Encoding.UTF8.GetBytes(value);
        BinaryPrimitives.WriteInt32LittleEndian(length, value is null ? -1 : bytes.Length);
        mac.AppendData(length);
        mac.AppendData(bytes);
    }

    /// <summary>A header value as text: the client library returns strings as UTF-8 bytes and numbers boxed.</summary>
    internal static string? HeaderText(object? value) => value switch
    {
        null => null,
        byte[] b => Encoding.UTF8.GetString(b),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
