using RabbitMQ.Client;

namespace TaskGraph;

/// <summary>
/// The broker objects TaskGraph uses: one durable work queue shared by every worker (ready tasks, persistent
/// messages), a dead-letter queue for messages workers refuse (unknown assemblies, undecodable bodies), and one
/// exclusive reply queue per client. Declarations are idempotent, so clients and workers both declare.
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

    /// <summary>Declares the work queue <paramref name="tasks"/> and the dead-letter exchange and queue.</summary>
    public static async Task DeclareAsync(IChannel channel, string tasks, CancellationToken cancellationToken = default)
    {
        await channel.ExchangeDeclareAsync(Dead, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueDeclareAsync(Dead, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(Dead, Dead, "", cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueDeclareAsync(tasks, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-dead-letter-exchange"] = Dead }, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
