using RabbitMQ.Client;

namespace TaskGraph.Tests.Distributed;

/// <summary>
/// Local clusters for tests, each on a work queue of its own so that separate clusters in one test run do not
/// share tasks; stale tasks of an interrupted earlier run are purged first (a developer's broker keeps durable queues).
/// </summary>
public static class TestCluster
{
    private static readonly Lazy<LocalCluster> SharedCluster = new(() => Start("taskgraph.tests.shared", workers: 2, threads: 2));

    /// <summary>The cluster most tests share (2 workers of 2 threads).</summary>
    public static LocalCluster Shared => SharedCluster.Value;

    /// <summary>Stops the shared cluster if it was started.</summary>
    public static void DisposeShared()
    {
        if (SharedCluster.IsValueCreated) SharedCluster.Value.Dispose();
    }

    /// <summary>Starts a cluster on an emptied queue.</summary>
    public static LocalCluster Start(string queue, int workers, int threads, TimeSpan? workerTimeout = null)
    {
        Task.Run(async () =>
        {
            await using var c = await BrokerConnection.OpenAsync(BrokerAddress.Parse(TestBroker.Uri), "test-purge");
            var ch = await c.ChannelAsync(confirms: false);
            await Topology.DeclareAsync(ch, queue);
            await ch.QueuePurgeAsync(queue);
            await ch.CloseAsync();
        }).Wait(TimeSpan.FromSeconds(60));
        return new LocalCluster(TestBroker.Uri, workers, threads, queue, line => TestContext.Progress.WriteLine(line), workerTimeout);
    }
}
