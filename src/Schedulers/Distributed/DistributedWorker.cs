using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using TaskGraph.Wire;

namespace TaskGraph;

/// <summary>
/// A cluster worker: consumes the work queue with <c>threads</c> tasks at a time (the prefetch bound), runs each
/// task, publishes its result to the client's reply queue (with a publisher confirm) and only then acknowledges
/// the task — a worker killed mid-task leaves it unacknowledged, and the broker redelivers it to another worker.
/// A message that cannot be decoded (a type outside this worker's application folder, a corrupt body) is refused
/// without requeue, so the broker dead-letters it, and the client is told.
/// </summary>
public sealed class DistributedWorker
{
    private readonly BrokerAddress _address;
    private readonly int _threads;
    private readonly TextWriter _log;
    private readonly string _name;
    private readonly string _queue;

    /// <summary>Creates a worker for the broker at <paramref name="address"/> running <paramref name="threads"/> tasks at once.</summary>
    public DistributedWorker(BrokerAddress address, int threads, TextWriter? log = null, bool debug = false, string queue = Topology.Tasks)
    {
        _queue = queue;
        _address = address;
        _threads = Math.Max(1, threads);
        _log = log ?? Console.Error;
        Debug = debug;
        _name = $"{Environment.MachineName}:{Environment.ProcessId}";
    }

    /// <summary>Logs every task's start and finish (debug level).</summary>
    public bool Debug { get; }

    /// <summary>Serves tasks until <paramref name="cancellationToken"/> is cancelled or the broker connection is lost.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        await using var connection = await BrokerConnection.OpenAsync(_address, $"taskgraph-worker-{_name}", consumerConcurrency: (ushort)_threads, cancellationToken: cancellationToken).ConfigureAwait(false);
        var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Lost += reason => lost.TrySetResult(reason);
        var channel = await connection.ChannelAsync(confirms: true, cancellationToken).ConfigureAwait(false);
        await Topology.DeclareAsync(channel, _queue, cancellationToken).ConfigureAwait(false);
        await channel.BasicQosAsync(0, (ushort)_threads, false, cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, ea) => HandleAsync(channel, ea);
        await channel.BasicConsumeAsync(_queue, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
        _log.WriteLine($"[taskgraph-worker {_name}] connected to {_address.Redacted}, queue {_queue}, {_threads} thread(s)");
        var stopped = await Task.WhenAny(lost.Task, Task.Delay(Timeout.Infinite, cancellationToken)).ConfigureAwait(false);
        if (stopped == lost.Task)
        {
            _log.WriteLine($"[taskgraph-worker {_name}] lost the broker: {lost.Task.Result}");
            return 2;
        }
        return 0;
    }

    private async Task HandleAsync(IChannel channel, BasicDeliverEventArgs ea)
    {
        var props = ea.BasicProperties;
        RemoteTask task;
        try
        {
            task = (RemoteTask)WireCodec.FromBytes(ea.Body.ToArray())!;
        }
        catch (Exception e)
        {
            _log.WriteLine($"[taskgraph-worker {_name}] refused message {props.MessageId} ({props.Type}): {e.GetType().Name}: {e.Message}");
            await ReplyAsync(channel, props, RemoteResult.Failed(props.CorrelationId ?? "", NodeOf(props.MessageId), _name,
                new InvalidDataException($"The worker {_name} refused the task (dead-lettered): {e.Message}"))).ConfigureAwait(false);
            await channel.BasicNackAsync(ea.DeliveryTag, multiple: false, requeue: false).ConfigureAwait(false);
            return;
        }
        if (Debug) _log.WriteLine($"[taskgraph-worker {_name}] start {task.Key}");
        var sw = Stopwatch.StartNew();
        RemoteResult result;
        try
        {
            result = new RemoteResult { Compute = task.Compute, Node = task.Node, Worker = _name, Value = await Task.Run(task.Run).ConfigureAwait(false) };
        }
        catch (Exception e)
        {
            result = RemoteResult.Failed(task.Compute, task.Node, _name, e);
        }
        if (Debug) _log.WriteLine($"[taskgraph-worker {_name}] finish {task.Key} in {sw.Elapsed.TotalMilliseconds:F1} ms{(result.Error is null ? "" : " (failed)")}");
        byte[] body;
        try
        {
            body = WireCodec.ToBytes(result);
        }
        catch (Exception e)
        {
            body = WireCodec.ToBytes(RemoteResult.Failed(task.Compute, task.Node, _name, new InvalidOperationException($"The task's result cannot be sent back: {e.Message}", e)));
        }
        await ReplyAsync(channel, props, body).ConfigureAwait(false);
        // Acknowledged only now: had this worker died before the result was published, the task would be redelivered.
        await channel.BasicAckAsync(ea.DeliveryTag, multiple: false).ConfigureAwait(false);
    }

    private static int NodeOf(string? messageId)
        => messageId is not null && messageId.LastIndexOf(':') is var i and >= 0 && int.TryParse(messageId.AsSpan(i + 1), out var n) ? n : -1;

    private Task ReplyAsync(IChannel channel, IReadOnlyBasicProperties props, RemoteResult result) => ReplyAsync(channel, props, WireCodec.ToBytes(result));

    private async Task ReplyAsync(IChannel channel, IReadOnlyBasicProperties props, byte[] body)
    {
        if (string.IsNullOrEmpty(props.ReplyTo)) return;
        var parts = MessageChunks.Split(body).ToList();
        var id = Guid.NewGuid().ToString("N");
        for (int i = 0; i < parts.Count; i++)
        {
            var reply = new BasicProperties { MessageId = id, CorrelationId = props.CorrelationId };
            if (parts.Count > 1) reply.Headers = new Dictionary<string, object?> { [Topology.ChunkHeader] = i, [Topology.ChunksHeader] = parts.Count };
            await channel.BasicPublishAsync("", props.ReplyTo, mandatory: false, reply, parts[i]).ConfigureAwait(false);
        }
    }
}
