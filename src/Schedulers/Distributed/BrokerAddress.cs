namespace TaskGraph.Distributed;

/// <summary>
/// Where the broker is: an <c>amqp://user:pass@host:port/vhost</c> URI, given explicitly or through the
/// <c>TASKGRAPH_BROKER</c> environment variable, or read from a file. The password never leaves this object: <see cref="ToString"/>,
/// logs and exception messages use <see cref="Redacted"/>.
/// </summary>
public sealed class BrokerAddress
{
    /// <summary>True when the URI carries a password.</summary>
    public bool HasPassword => Uri.UserInfo.Split(':', 2) is [_, { Length: > 0 }];

    /// <summary>The environment variable naming the broker.</summary>
    public const string Variable = "TASKGRAPH_BROKER";

    /// <summary>The full URI, credentials included (pass it only to the RabbitMQ client).</summary>
    internal Uri Uri { get; }

    /// <summary>The URI with the password replaced by <c>***</c>.</summary>
    public string Redacted { get; }

    private BrokerAddress(Uri uri)
    {
        Uri = uri;
        var user = uri.UserInfo.Split(':', 2)[0];
        var builder = new UriBuilder(uri) { UserName = Uri.UnescapeDataString(user), Password = uri.UserInfo.Contains(':') ? "***" : "" };
        Redacted = builder.Uri.ToString();
    }

    /// <summary>Parses <paramref name="uri"/>; the error for a bad URI does not repeat it (it may hold a password).</summary>
    public static BrokerAddress Parse(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!Uri.TryCreate(uri.Trim(), UriKind.Absolute, out var parsed) || (parsed.Scheme != "amqp" && parsed.Scheme != "amqps"))
            throw new ArgumentException("The broker address must be an absolute amqp:// or amqps:// URI (for example amqp://user:pass@host:5672/vhost).", nameof(uri));
        return new BrokerAddress(parsed);
    }

    /// <summary>The address in <c>TASKGRAPH_BROKER</c>; a clear error when it is not set.</summary>
    public static BrokerAddress FromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(value))
            throw new InvalidOperationException($"The distributed scheduler needs a broker: set {Variable}=amqp://user:pass@host:5672/vhost or pass the URI to Scheduler.Distributed(...).");
        return Parse(value);
    }

    /// <summary>The address in the file at <paramref name="path"/> (its first non-empty line); errors name the file, never its content.</summary>
    public static BrokerAddress FromFile(string path)
    {
        string text;
        try
        {
            text = File.ReadLines(path).FirstOrDefault(l => !string.IsNullOrWhiteSpace(l)) ?? "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Cannot read the broker file '{path}': {e.Message}", e);
        }
        try
        {
            return Parse(text);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"The broker file '{path}' does not hold a broker address: {e.Message}", e);
        }
    }

    /// <summary>Removes this address's password from <paramref name="text"/> (client library messages can echo URIs).</summary>
    public string Scrub(string text)
    {
        var parts = Uri.UserInfo.Split(':', 2);
        if (parts.Length == 2 && parts[1].Length > 0)
        {
            text = text.Replace(parts[1], "***", StringComparison.Ordinal);
            text = text.Replace(Uri.UnescapeDataString(parts[1]), "***", StringComparison.Ordinal);
        }
        return text;
    }

    /// <summary>The redacted URI.</summary>
    public override string ToString() => Redacted;
}
