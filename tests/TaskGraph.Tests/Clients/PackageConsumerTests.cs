namespace TaskGraph.Tests.Clients;

/// <summary>
/// A program outside the repository that references the packages by id and version only (no project references),
/// restored from this run's packed folder plus the machine's usual NuGet sources, built and run as a user would:
/// a delayed compute, a frame group-by on the process pool (the worker must come with the packages) and a
/// <see cref="LocalCluster"/> compute through the test broker.
/// </summary>
[NonParallelizable]
public class PackageConsumerTests
{
    private const string Program = """
        using TaskGraph;
        using TaskGraph.Distributed;
        using TaskGraph.Frames;
        using TaskGraph.Processes;
        using static TaskGraph.Frames.Agg;

        // A delayed computation on the default scheduler.
        var a = Delayed.Value(20);
        var b = Delayed.Run(() => 22);
        Console.WriteLine("delayed " + Delayed.Combine(a, b, (x, y) => x + y).Compute());

        // A frame group-by on two worker processes.
        var csv = Path.Combine(args[0], "data.csv");
        File.WriteAllLines(csv, new[] { "k,v" }.Concat(Enumerable.Range(0, 3000).Select(i => $"g{i % 3},{i}")));
        using (var pool = Scheduler.Processes(2))
        {
            var t = Frame.ReadCsv(csv, blockSize: 4096).GroupBy("k").Agg(Sum("v")).SortBy("k").Compute(pool);
            for (int r = 0; r < t.RowCount; r++) Console.WriteLine($"group {t[r, "k"]} {t[r, "v_sum"]}");
            Console.WriteLine("pool workers " + ((ProcessPoolScheduler)pool).WorkerProcessIds.Count(id => id > 0));
        }

        // A local cluster: worker processes attached to the broker, started from the application's folder.
        using (var cluster = new LocalCluster(args[1], workers: 1))
            Console.WriteLine("cluster " + Delayed.Run(() => 6).Then(x => x * 7).Compute(cluster));
        """;

    [Test]
    public void AProgramReferencingThePackagesByIdAndVersionBuildsAndRuns()
    {
        var packages = PackedPackages.Current;
        var dir = Path.Combine(packages.Root, "consumer");
        Directory.CreateDirectory(dir);
        packages.WriteNuGetConfig(dir);
        File.WriteAllText(Path.Combine(dir, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <NoWarn>$(NoWarn);NU1603</NoWarn>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="TaskGraph" Version="{packages.Version}" />
                <PackageReference Include="TaskGraph.Distributed" Version="{packages.Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(dir, "Program.cs"), Program);
        PackedPackages.Run("dotnet", ["build", "-c", "Release", "-o", Path.Combine(dir, "out")], dir, TimeSpan.FromMinutes(5));

        var bin = Path.Combine(dir, "out");
        Assert.That(File.Exists(Path.Combine(bin, "TaskGraph.Worker.dll")), "the worker comes with TaskGraph.Schedulers");
        Assert.That(File.Exists(Path.Combine(bin, "TaskGraph.Worker.runtimeconfig.json")), "and its runtimeconfig (cluster workers start from it)");

        var output = PackedPackages.Run("dotnet", [Path.Combine(bin, "Consumer.dll"), dir, TestBroker.Uri], dir, TimeSpan.FromMinutes(3));
        var lines = output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Does.Contain("delayed 42"), output);
        // Sums of i over i % 3 == g for i < 3000.
        Assert.That(lines, Does.Contain("group g0 1498500").And.Contain("group g1 1499500").And.Contain("group g2 1500500"), output);
        Assert.That(lines, Does.Contain("pool workers 2"), output);
        Assert.That(lines, Does.Contain("cluster 42"), output);
    }

    /// <summary>
    /// A file-based app (<c>dotnet run app.cs</c>) with <c>#:package TaskGraph</c> only: the process pool starts its
    /// workers from the app's build output, and asking for the distributed scheduler names the package to add.
    /// </summary>
    [Test]
    public void AFileBasedAppRunsTheProcessPoolAndNamesTheMissingDistributedPackage()
    {
        var packages = PackedPackages.Current;
        var dir = Path.Combine(packages.Root, "file-based");
        Directory.CreateDirectory(dir);
        packages.WriteNuGetConfig(dir);
        File.WriteAllText(Path.Combine(dir, "app.cs"), $$"""
            #:package TaskGraph@{{packages.Version}}
            #:property PublishAot=false
            using TaskGraph;

            Console.WriteLine("pool " + Delayed.Run(() => 6).Then(x => x * 7).Compute(Scheduler.Processes(2)));
            try { Scheduler.FromName("distributed"); }
            catch (ArgumentException e) { Console.WriteLine("refused: " + e.Message); }
            """);
        var output = PackedPackages.Run("dotnet", ["run", "app.cs"], dir, TimeSpan.FromMinutes(5),
            new Dictionary<string, string?> { ["TASKGRAPH_SCHEDULER"] = null });
        Assert.That(output, Does.Contain("pool 42"));
        Assert.That(output, Does.Contain("refused: The 'distributed' scheduler is in the TaskGraph.Distributed package")
            .And.Contain("dotnet add package TaskGraph.Distributed"));
    }
}
