using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace TaskGraph.Distributed;

/// <summary>
/// One AMQP connection to the broker, opened with bounded waits: an unreachable broker fails fast (a few seconds)
/// with <see cref="BrokerUnavailableException"/> naming the redacted address, never with the password. Automatic
/// recovery is off on purpose: a computation whose connection drops fails clearly instead of hanging on a reply
/// queue that vanished with the broker.
/// </summary>
internal sealed class BrokerConnection : IAsyncDisposable
{
    private readonly IConnection _connection;

    /// <summary>The broker this connection talks to.</summary>
    public BrokerAddress Address { get; }

    private BrokerConnection(BrokerAddress address, IConnection connection)
    {
        Address = address;
        _connection = connection;
    }

    /// <summary>True while the connection is open.</summary>
    public bool IsOpen => _connection.IsOpen;

    /// <summary>Raised (once) when the connection closes for any reason other than our own dispose.</summary>
    public event Action<string>? Lost;

    /// <summary>Connects to <paramref name="address"/> within <paramref name="timeout"/> (default 5 s).</summary>
    /// <remarks><paramref name="consumerConcurrency"/>: how many deliveries consumers of this connection handle at once (workers: their thread count).</remarks>
    public static async Task<BrokerConnection> OpenAsync(BrokerAddress address, string clientName, TimeSpan? timeout = null, ushort consumerConcurrency = 1, CancellationToken cancellationToken = default)
    {
        var wait = timeout ?? TimeSpan.FromSeconds(5);
        var factory = new ConnectionFactory
        {
            Uri = address.Uri,
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedConnectionTimeout = wait,
            HandshakeContinuationTimeout = wait,
            ContinuationTimeout = TimeSpan.FromSeconds(30),
            RequestedHeartbeat = TimeSpan.FromSeconds(10),
            ClientProvidedName = clientName,
            MaxInboundMessageBodySize = 128 * 1024 * 1024,
            ConsumerDispatchConcurrency = Math.Max((ushort)1, consumerConcurrency),
        };
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(wait + TimeSpan.FromSeconds(1));
            var connection = await factory.CreateConnectionAsync(clientName, cts.Token).ConfigureAwait(false);
            var result = new BrokerConnection(address, connection);
            connection.ConnectionShutdownAsync += (_, e) =>
            {
                if (e.Initiator != ShutdownInitiator.Application) result.Lost?.Invoke(address.Scrub(e.ReplyText ?? "connection closed"));
                return Task.CompletedTask;
            };
            return result;
        }
        catch (Exception e) when (e is BrokerUnreachableException or OperationCanceledException or IOException or System.Net.Sockets.SocketException or AuthenticationFailureException or TimeoutException)
        {
            if (cancellationToken.IsCancellationRequested) throw;
            var reason = e is AuthenticationFailureException ? "the broker refused the credentials" : Innermost(e).Message;
            throw new BrokerUnavailableException($"Cannot reach the RabbitMQ broker at {address.Redacted} within {wait.TotalSeconds:0.#} s: is it running and reachable?", address.Scrub(reason));
        }
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    /// <summary>Opens a channel; <paramref name="confirms"/> turns on publisher confirms tracked by the client (awaiting a publish waits for the broker's ack).</summary>
    public Task<IChannel> ChannelAsync(bool confirms, CancellationToken cancellationToken = default)
        => _connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: confirms, publisherConfirmationTrackingEnabled: confirms), cancellationToken);

    /// <summary>Closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_connection.IsOpen) await _connection.CloseAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Closing a connection the broker already dropped: nothing left to release.
        }
        _connection.Dispose();
    }
}
