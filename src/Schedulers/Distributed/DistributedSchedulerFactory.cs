using System.Runtime.CompilerServices;

namespace TaskGraph;

/// <summary>
/// <c>Scheduler.Distributed("amqp://user:pass@host:5672/vhost")</c>, and the <c>distributed</c> name for
/// <c>TASKGRAPH_SCHEDULER</c> (with the broker in <c>TASKGRAPH_BROKER</c>).
/// </summary>
public static class DistributedSchedulerFactory
{
    extension(Scheduler)
    {
        /// <summary>
        /// A client of the cluster behind the RabbitMQ broker at <paramref name="broker"/> (null: <c>TASKGRAPH_BROKER</c>).
        /// Nothing connects until the first compute; an unreachable broker then fails fast with a clear error.
        /// </summary>
        public static IScheduler Distributed(string? broker = null, int window = 256, string queue = Topology.Tasks)
            => new DistributedScheduler(broker is null ? BrokerAddress.FromEnvironment() : BrokerAddress.Parse(broker), window, queue);
    }

    // Registration runs when this assembly loads (SchedulerRegistry loads it by name on first lookup).
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() => SchedulerRegistry.Register("distributed", () => Scheduler.Distributed());
}
