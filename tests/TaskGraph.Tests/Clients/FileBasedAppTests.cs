using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using TaskGraph.Tests.Distributed;

namespace TaskGraph.Tests.Clients;

/// <summary>
/// A file-based app (<c>dotnet run app.cs</c>, .NET 10) as a user writes it, without <c>#:property PublishAot=false</c>:
/// it defaults to PublishAot=true, which turns dynamic code off even under the JIT, in the app and in its pool
/// workers (they start with the app's runtimeconfig). The process pool must still run closures and a frame
/// group-by there, and a type that truly needs generated code must fail with one clear error.
/// </summary>
[NonParallelizable]
public class FileBasedAppTests
{
    private static string App(string repo) => $$"""
        #:project {{Path.Combine(repo, "src", "Collections", "TaskGraph.Collections.csproj")}}
        #:project {{Path.Combine(repo, "src", "Schedulers", "TaskGraph.Schedulers.csproj")}}
        using System.Globalization;
        using System.Runtime.CompilerServices;
        using MessagePack;
        using TaskGraph;
        using TaskGraph.Frames;
        using TaskGraph.Processes;
        using static TaskGraph.Frames.Agg;

        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        Console.WriteLine("parent dynamic code " + RuntimeFeature.IsDynamicCodeSupported);
        using var pool = new ProcessPoolScheduler(2);

        // Closures capturing a record, an array and a dictionary cross field by field.
        var rate = new Rate("EUR", 1.5);
        var weights = new[] { 1.0, 2.0, 3.0 };
        var extra = new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 };
        var parts = Enumerable.Range(0, 6).Select(i => Delayed.Run(() => i * rate.Factor * weights[i % 3] + extra["b"])).ToList();
        Console.WriteLine("delayed " + Delayed.All(parts).Then(v => v.Sum()).Compute(pool));

        var worker = Delayed.Run(() => (Id: Environment.ProcessId, Dynamic: RuntimeFeature.IsDynamicCodeSupported)).Compute(pool);
        Console.WriteLine($"worker dynamic code {worker.Dynamic} in another process {worker.Id != Environment.ProcessId}");

        var trips = Enumerable.Range(0, 40).Select(i => new Trip(i % 3 == 0 ? "a" : "b", i)).ToList();
        var t = Frame.FromRecords(trips, partitions: 4).GroupBy("Vendor").Agg(Sum("Fare"), Count()).SortBy("Vendor").Compute(pool);
        for (int r = 0; r < t.RowCount; r++) Console.WriteLine($"group {t[r, "Vendor"]} {t[r, "Fare_sum"]} {t[r, "count"]}");

        // MessagePack's generated formatters cannot work here: one clear error, sent or computed.
        try { Delayed.Value(new Reading { Sensor = "s" }).Then(x => x.Sensor).Compute(pool); }
        catch (Exception e) { Console.WriteLine("sending refused: " + e.ToString().ReplaceLineEndings(" ")); }
        try { Delayed.Run(() => new Reading { Sensor = "w" }).Compute(pool); }
        catch (Exception e) { Console.WriteLine("returning refused: " + e.ToString().ReplaceLineEndings(" ")); }

        record Rate(string Currency, double Factor);
        record Trip(string Vendor, double Fare);
        [MessagePackObject] public class Reading { [Key(0)] public string Sensor { get; set; } = ""; }
        """;

    [Test]
    public void TheProcessPoolRunsInAFileBasedAppWithItsDefaultPublishAot()
    {
        var repo = TestBroker.RepoRoot();
        // One folder per repository: `dotnet run` caches the app's build by its path, so later runs build incrementally.
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(repo)))[..12];
        var dir = Path.Combine(Path.GetTempPath(), "tg-file-based-aot-" + hash);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "app.cs"), App(repo));
        var output = PackedPackages.Run("dotnet", ["run", "app.cs"], dir, TimeSpan.FromMinutes(5),
            new Dictionary<string, string?> { ["TASKGRAPH_SCHEDULER"] = null });
        var lines = output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

        Assert.That(lines, Does.Contain("parent dynamic code False"), "the app runs without dynamic code:\n" + output);
        Assert.That(lines, Does.Contain("worker dynamic code False in another process True"), output);
        double[] weights = [1, 2, 3];
        double expected = Enumerable.Range(0, 6).Sum(i => i * 1.5 * weights[i % 3] + 2);
        Assert.That(lines, Does.Contain("delayed " + expected.ToString(CultureInfo.InvariantCulture)), output);
        foreach (var g in Enumerable.Range(0, 40).GroupBy(i => i % 3 == 0 ? "a" : "b").OrderBy(g => g.Key, StringComparer.Ordinal))
            Assert.That(lines, Does.Contain($"group {g.Key} {g.Sum()} {g.Count()}"), output);

        foreach (var what in new[] { "sending refused: ", "returning refused: " })
        {
            var line = lines.SingleOrDefault(l => l.StartsWith(what, StringComparison.Ordinal));
            Assert.That(line, Is.Not.Null, output);
            Assert.That(line, Does.Contain("WireException").And.Contain("Reading").And.Contain("#:property PublishAot=false"), output);
            Assert.That(line, Does.Not.Contain("PlatformNotSupportedException"), output);
        }
    }
}
