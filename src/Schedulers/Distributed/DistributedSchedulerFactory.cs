using System.Runtime.CompilerServices;

namespace TaskGraph.Distributed;

/// <summary>
/// <c>Scheduler.Distributed("amqp://user:pass@host:5672/vhost")</c>, and the <c>distributed</c> name for
/// <c>TASKGRAPH_SCHEDULER</c> (with the broker in <c>TASKGRAPH_BROKER</c> and the cluster secret in
/// <c>TASKGRAPH_CLUSTER_SECRET</c> or <c>TASKGRAPH_CLUSTER_SECRET_FILE</c>).
/// </summary>
public static class DistributedSchedulerFactory
{
    extension(Scheduler)
    {
        /// <summary>
        /// A client of the cluster behind the RabbitMQ broker at <paramref name="broker"/> (null: <c>TASKGRAPH_BROKER</c>).
        /// Tasks are signed with <paramref name="secret"/> (null: from the environment; there is no default secret).
        /// Nothing connects until the first compute; an unreachable broker then fails fast with a clear error, and
        /// a queue without workers for <paramref name="workerTimeout"/> (default 30 s) fails the compute.
        /// </summary>
        public static IScheduler Distributed(string? broker = null, int window = 256, string queue = Topology.Tasks, ClusterSecret? secret = null, TimeSpan? workerTimeout = null)
            => new DistributedScheduler(broker is null ? BrokerAddress.FromEnvironment() : BrokerAddress.Parse(broker), window, queue, secret, workerTimeout);
    }

    // Registration runs when this assembly loads (SchedulerRegistry loads it by name on first lookup).
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() => SchedulerRegistry.Register("distributed", () => Scheduler.Distributed());
}
