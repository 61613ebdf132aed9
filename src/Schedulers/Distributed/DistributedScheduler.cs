using System.Collections.Concurrent;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using TaskGraph.Wire;

namespace TaskGraph;

/// <summary>
/// Runs graphs on workers anywhere, through a RabbitMQ broker: ready tasks go to the durable work queue with their
/// functions and inputs (the wire codec), workers run them and publish results to this client's reply queue, and
/// acknowledge a task only after its result is published — so a worker that dies mid-task has its task
/// redelivered to another. Duplicate results (a redelivered task that ran twice) are ignored: the first wins.
/// The bookkeeping is the shared <see cref="ExecutionState"/>; this class only moves tasks and results.
/// </summary>
public sealed class DistributedScheduler : IScheduler
{
    private readonly BrokerAddress _address;
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly ConcurrentDictionary<string, DistributedCompute> _computes = new();
    private readonly MessageChunks _chunks = new();
    private BrokerConnection? _connection;
    private IChannel? _publish;
    private IChannel? _replies;
    private string _replyQueue = "";
    private volatile bool _disposed;

    /// <summary>Creates a client of the broker at <paramref name="address"/>; nothing connects until the first compute.</summary>
    public DistributedScheduler(BrokerAddress address, int window = 256, string queue = Topology.Tasks)
    {
        Queue = string.IsNullOrWhiteSpace(queue) ? throw new ArgumentException("The work queue needs a name.", nameof(queue)) : queue;
        _address = address ?? throw new ArgumentNullException(nameof(address));
        if (window < 1) throw new ArgumentOutOfRangeException(nameof(window), window, "At least one task must be allowed in flight.");
        Window = window;
    }

    /// <summary>The work queue tasks are published to (workers consume the same one).</summary>
    public string Queue { get; }

    /// <summary>Most tasks in flight at once per computation (published, result not yet back).</summary>
    public int Window { get; }

    /// <summary>The broker (password redacted when shown).</summary>
    public BrokerAddress Address => _address;

    /// <inheritdoc />
    public string Name => "distributed";

    /// <inheritdoc />
    public async Task<object?[]> ExecuteAsync(ExecutionPlan plan, ComputeContext context)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        RemoteCapture.Check(plan); // an unserializable capture fails here, before any work runs
        await ConnectAsync(context.CancellationToken).ConfigureAwait(false);
        var compute = new DistributedCompute(this, plan, context, Guid.NewGuid().ToString("N"));
        _computes[compute.Id] = compute;
        try
        {
            return await compute.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            _computes.TryRemove(compute.Id, out _);
        }
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is { IsOpen: true }) return;
            if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
            var connection = await BrokerConnection.OpenAsync(_address, $"taskgraph-client-{Environment.ProcessId}", cancellationToken: cancellationToken).ConfigureAwait(false);
            connection.Lost += reason =>
            {
                foreach (var c in _computes.Values)
                    c.Abort(new BrokerUnavailableException($"Lost the connection to the RabbitMQ broker at {_address.Redacted} during the computation", reason));
            };
            _publish = await connection.ChannelAsync(confirms: true, cancellationToken).ConfigureAwait(false);
            await Topology.DeclareAsync(_publish, Queue, cancellationToken).ConfigureAwait(false);
            _replies = await connection.ChannelAsync(confirms: false, cancellationToken).ConfigureAwait(false);
            _replyQueue = (await _replies.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken).ConfigureAwait(false)).QueueName;
            var consumer = new AsyncEventingBasicConsumer(_replies);
            consumer.ReceivedAsync += (_, ea) => { OnReply(ea); return Task.CompletedTask; };
            await _replies.BasicConsumeAsync(_replyQueue, autoAck: true, consumer, cancellationToken).ConfigureAwait(false);
            _connection = connection;
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private void OnReply(BasicDeliverEventArgs ea)
    {
        var h = ea.BasicProperties.Headers;
        int index = h is not null && h.TryGetValue(Topology.ChunkHeader, out var ci) ? Convert.ToInt32(ci) : 0;
        int count = h is not null && h.TryGetValue(Topology.ChunksHeader, out var cc) ? Convert.ToInt32(cc) : 1;
        var body = _chunks.Add(ea.BasicProperties.MessageId ?? "", index, count, ea.Body.Span);
        if (body is null) return;
        RemoteResult result;
        try
        {
            result = (RemoteResult)WireCodec.FromBytes(body)!;
        }
        catch (Exception e)
        {
            foreach (var c in _computes.Values) c.Abort(new InvalidDataException($"An undecodable result arrived from the broker: {e.Message}", e));
            return;
        }
        if (_computes.TryGetValue(result.Compute, out var compute)) compute.OnResult(result);
    }

    internal async Task PublishAsync(RemoteTask task, byte[] body, CancellationToken cancellationToken)
    {
        var publish = _publish ?? throw new InvalidOperationException("Not connected.");
        var props = new BasicProperties
        {
            MessageId = $"{task.Compute}:{task.Node}",
            CorrelationId = task.Compute,
            ReplyTo = _replyQueue,
            DeliveryMode = DeliveryModes.Persistent,
            Type = task.Key,
        };
        await publish.BasicPublishAsync("", Queue, mandatory: false, props, body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the connection; later computes are refused.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var c in _computes.Values) c.Abort(new ObjectDisposedException(nameof(DistributedScheduler)));
        _connection?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10));
    }

    /// <inheritdoc />
    public override string ToString() => $"Scheduler.Distributed({_address.Redacted})";
}
