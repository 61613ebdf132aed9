using BenchmarkDotNet.Attributes;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace TaskGraph.Benchmarks.Micro;

/// <summary>
/// What one RabbitMQ broker costs per message on the cluster's control plane, measured the way the cluster uses it:
/// persistent messages published with publisher confirms to a quorum queue, consumed with manual acknowledgements
/// and a prefetch of 2 (a worker's thread count), each message then answered on a non-durable reply queue. One
/// operation moves <see cref="Messages"/> task messages and their replies; divide the mean by it for the per-message
/// cost (the figure <c>docs/scaling.md</c> uses for how many tasks per second one broker carries).
/// Needs a broker: <c>TASKGRAPH_BROKER=amqp://guest:guest@127.0.0.1:5672/</c>.
/// Run: <c>dotnet run -c Release --project benchmarks/TaskGraph.Benchmarks -- --filter *BrokerMessages*</c>.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
[GcServer(false)]
public class BrokerMessages
{
    /// <summary>Messages per operation.</summary>
    public const int Messages = 5_000;

    /// <summary>Body size in bytes (a small task message is a few hundred bytes).</summary>
    [Params(256, 16_384)]
    public int BodyBytes;

    /// <summary>How many publishes are in flight before the publisher awaits their confirms.</summary>
    [Params(1, 64)]
    public int ConfirmWindow;

    private IConnection _connection = null!;
    private IChannel _publish = null!, _consume = null!, _reply = null!;
    private string _queue = "", _replyQueue = "";
    private byte[] _body = [];
    private TaskCompletionSource _allReplies = new();
    private int _replies;

    /// <summary>Connects, declares the queues and starts the consumer that acks and replies.</summary>
    [GlobalSetup]
    public async Task Setup()
    {
        var uri = Environment.GetEnvironmentVariable("TASKGRAPH_BROKER")
            ?? throw new InvalidOperationException("set TASKGRAPH_BROKER to an AMQP URI (a RabbitMQ broker) to run BrokerMessages");
        _connection = await new ConnectionFactory { Uri = new Uri(uri) }.CreateConnectionAsync("bench-broker-messages");
        _publish = await _connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        _consume = await _connection.CreateChannelAsync();
        _reply = await _connection.CreateChannelAsync();
        _queue = "bench-broker-messages-" + Guid.NewGuid().ToString("n");
        // The cluster's work queue is a quorum queue (Topology.DeclareAsync): replicated log, delivery counts.
        await _publish.QueueDeclareAsync(_queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
        _replyQueue = (await _reply.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        _body = new byte[BodyBytes];
        Random.Shared.NextBytes(_body);

        await _consume.BasicQosAsync(0, 2, false);
        var worker = new AsyncEventingBasicConsumer(_consume);
        worker.ReceivedAsync += async (_, e) =>
        {
            // A worker answers every task on the client's reply queue, then acknowledges it.
            await _consume.BasicPublishAsync("", _replyQueue, e.Body);
            await _consume.BasicAckAsync(e.DeliveryTag, false);
        };
        await _consume.BasicConsumeAsync(_queue, autoAck: false, worker);

        var client = new AsyncEventingBasicConsumer(_reply);
        client.ReceivedAsync += (_, _) =>
        {
            if (Interlocked.Increment(ref _replies) == Messages) _allReplies.TrySetResult();
            return Task.CompletedTask;
        };
        await _reply.BasicConsumeAsync(_replyQueue, autoAck: true, client);
    }

    /// <summary>Deletes the work queue and closes the channels and the connection.</summary>
    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _publish.QueueDeleteAsync(_queue);
        await _publish.DisposeAsync();
        await _consume.DisposeAsync();
        await _reply.DisposeAsync();
        await _connection.DisposeAsync();
    }

    /// <summary><see cref="Messages"/> persistent, confirmed task messages, consumed, acknowledged and answered.</summary>
    [Benchmark]
    public async Task RoundTrips()
    {
        _replies = 0;
        _allReplies = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var props = new BasicProperties { DeliveryMode = DeliveryModes.Persistent };
        var inFlight = new List<ValueTask>(ConfirmWindow);
        for (int i = 0; i < Messages; i++)
        {
            inFlight.Add(_publish.BasicPublishAsync("", _queue, false, props, _body));
            if (inFlight.Count == ConfirmWindow)
            {
                foreach (var p in inFlight) await p;
                inFlight.Clear();
            }
        }
        foreach (var p in inFlight) await p;
        await _allReplies.Task.WaitAsync(TimeSpan.FromMinutes(2));
    }
}
