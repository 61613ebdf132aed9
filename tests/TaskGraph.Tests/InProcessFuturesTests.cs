namespace TaskGraph.Tests;

/// <summary>Futures facts only visible in this process: the scattered object itself reaches every task.</summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.InProcess))]
public class InProcessFuturesTests(string schedulerName)
{
    [Test]
    public async Task ScatterHandsEveryTaskTheSameObject()
    {
        using var client = TaskGraphClient.Connect(SchedulerCases.Create(schedulerName));
        var table = new int[100_000];
        var placed = client.Scatter(table);
        var same = await client.Gather(client.Map((i, t) => ReferenceEquals(t, table), Enumerable.Range(0, 20), placed));
        Assert.That(same, Is.All.True, "placed once: no task received a copy");
    }
}
