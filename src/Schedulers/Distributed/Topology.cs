using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace TaskGraph.Distributed;

/// <summary>
/// The broker objects TaskGraph uses: one durable work queue shared by every worker (ready tasks, persistent
/// messages), a dead-letter queue for messages workers refuse (unsigned, undecodable, crashed workers too often,
/// expired), and one exclusive reply queue per client. Declarations are idempotent, so clients and workers both declare.
/// <para>The work queue is a quorum queue: the broker counts the deliveries of each message that ended without an
/// acknowledgement (the worker died or lost its connection) in the <c>x-delivery-count</c> header, which a
/// classic queue cannot do across worker deaths. Workers refuse a task that has already been delivered
/// <c>allowed-failures</c> times (Dask's <c>distributed.scheduler.allowed-failures</c>, default 3);
/// <see cref="DeliveryLimit"/> is the broker's own backstop.</para>
/// </summary>
public static class Topology
{
    /// <summary>The default work queue (a cluster can use others to keep pools of workers apart).</summary>
    public const string Tasks = "taskgraph.tasks";

    /// <summary>The dead-letter exchange and queue for refused messages.</summary>
    public const string Dead = "taskgraph.dead";

    /// <summary>Message header: chunk index of a split message.</summary>
    public const string ChunkHeader = "tg-chunk";

    /// <summary>Message header: number of chunks of a split message.</summary>
    public const string ChunksHeader = "tg-chunks";

    /// <summary>Dead-lettered message header: why it was refused (<c>unsigned</c>, <c>bad-signature</c>, <c>undecodable</c>…: see <see cref="DeadReasonDetailHeader"/>).</summary>
    public const string DeadReasonHeader = "tg-dead-reason";

    /// <summary>Dead-lettered message header: the refusal in words (no secrets).</summary>
    public const string DeadReasonDetailHeader = "tg-dead-detail";

    /// <summary>Reply header: a worker refused the task without running it; the value is the reason code.</summary>
    public const string RefusalHeader = "tg-refused";

    /// <summary>
    /// Task header (signed): deaths of workers the task already caused inside a <see cref="TaskBatch"/>, before a
    /// worker split the redelivered batch into messages of their own (whose broker count starts again at zero).
    /// </summary>
    public const string DeathsHeader = "tg-deaths";

    /// <summary>Broker-side limit of unacknowledged deliveries, beyond which the broker itself dead-letters a message.</summary>
    public const int DeliveryLimit = 10;

    /// <summary>How long a task sent to one worker's queue (<see cref="WorkerQueue"/>) waits for that worker before it moves to the shared work queue.</summary>
    public static readonly TimeSpan LocalityWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The queue of one worker (<paramref name="worker"/> as it names itself in its results) of the pool on
    /// <paramref name="tasks"/>: the client sends there a task whose large inputs that worker holds. A task not
    /// taken within <see cref="LocalityWait"/> — the worker is busy, or dead — moves to the shared queue (dead-letter
    /// routing) for any worker to run; the queue itself goes 10 minutes after its worker.
    /// </summary>
    public static string WorkerQueue(string tasks, string worker) => $"{tasks}.worker.{worker}";

    /// <summary>Declares a worker's own queue (see <see cref="WorkerQueue"/>).</summary>
    public static Task DeclareWorkerQueueAsync(IChannel channel, string tasks, string worker, CancellationToken cancellationToken = default)
        => channel.QueueDeclareAsync(WorkerQueue(tasks, worker), durable: false, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?>
        {
            ["x-message-ttl"] = (int)LocalityWait.TotalMilliseconds,
            ["x-expires"] = 600_000,
            ["x-dead-letter-exchange"] = "",
            ["x-dead-letter-routing-key"] = tasks,
        }, cancellationToken: cancellationToken);

    /// <summary>Declares the work queue <paramref name="tasks"/> and the dead-letter exchange and queue.</summary>
    public static async Task DeclareAsync(IChannel channel, string tasks, CancellationToken cancellationToken = default)
    {
        await channel.ExchangeDeclareAsync(Dead, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueDeclareAsync(Dead, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(Dead, Dead, "", cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            await channel.QueueDeclareAsync(tasks, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?>
            {
                ["x-queue-type"] = "quorum",
                ["x-dead-letter-exchange"] = Dead,
                ["x-delivery-limit"] = DeliveryLimit,
            }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 406)
        {
            throw new InvalidOperationException(
                $"The work queue '{tasks}' already exists with other settings (an older TaskGraph made it a classic queue; it must be a quorum queue): " +
                $"delete it once no client uses it (rabbitmqctl delete_queue {tasks}).", e);
        }
    }
}
