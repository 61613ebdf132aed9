using System.Diagnostics;
using System.Text;

namespace TaskGraph.Tests.Clients;

/// <summary>
/// The solution's packages as a consumer gets them: <c>dotnet pack --no-build</c> of the build these tests run
/// from, into a temporary folder, with a version of their own for this test run (so a package cached under the
/// same id and version by an earlier run is never used). Packed once, on first use; the temporary folder and the
/// run's entries in the NuGet packages folder are deleted after the fixtures of this namespace.
/// </summary>
[SetUpFixture]
public sealed class PackedPackages
{
    private static readonly Lazy<PackedPackages> Packed = new(Pack);

    /// <summary>The package ids a consumer may reference, with what they bring (README lists the same).</summary>
    public static readonly string[] Ids = ["TaskGraph.Graph", "TaskGraph.Schedulers", "TaskGraph", "TaskGraph.Distributed"];

    /// <summary>The folder holding this run's packages (one .nupkg per id).</summary>
    public string Folder { get; private init; } = "";

    /// <summary>This run's package version.</summary>
    public string Version { get; private init; } = "";

    /// <summary>The temporary root of this run (packages, consumers).</summary>
    public string Root { get; private init; } = "";

    /// <summary>The packages (packed on first use).</summary>
    public static PackedPackages Current => Packed.Value;

    private static PackedPackages Pack()
    {
        var root = Path.Combine(Path.GetTempPath(), "tg-test-packages-" + Guid.NewGuid().ToString("N")[..12]);
        var version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        var folder = Path.Combine(root, "packages");
        Directory.CreateDirectory(folder);
        // The configuration these tests were built in: the packages are the very binaries under test.
        var config = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Release";
        Run("dotnet", ["pack", Path.Combine(TestBroker.RepoRoot(), "TaskGraph.sln"), "-c", config, "--no-build", "-o", folder, $"-p:Version={version}"],
            TestBroker.RepoRoot(), TimeSpan.FromMinutes(5));
        return new PackedPackages { Root = root, Folder = folder, Version = version };
    }

    /// <summary>Deletes the temporary folder and this run's packages from the NuGet packages folder.</summary>
    [OneTimeTearDown]
    public void Clean()
    {
        if (!Packed.IsValueCreated) return;
        var p = Packed.Value;
        try { Directory.Delete(p.Root, true); } catch (IOException) { }
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in Ids)
        {
            var dir = Path.Combine(cache, id.ToLowerInvariant(), p.Version);
            try { if (Directory.Exists(dir)) Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    /// <summary>A nuget.config for <paramref name="dir"/>: this run's folder first, then the machine's usual sources (not cleared).</summary>
    public void WriteNuGetConfig(string dir) => File.WriteAllText(Path.Combine(dir, "nuget.config"), $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <add key="taskgraph-test" value="{Folder}" />
          </packageSources>
        </configuration>
        """);

    /// <summary>Runs a command to its end; its exit code must be 0 (the message shows its output).</summary>
    public static string Run(string file, IEnumerable<string> args, string dir, TimeSpan timeout, IDictionary<string, string?>? env = null)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var output = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(true);
            Assert.Fail($"{file} {string.Join(' ', psi.ArgumentList)} did not finish within {timeout}:\n{output}");
        }
        p.WaitForExit();
        lock (output)
        {
            if (p.ExitCode != 0) Assert.Fail($"{file} {string.Join(' ', psi.ArgumentList)} exited with {p.ExitCode}:\n{output}");
            return output.ToString();
        }
    }
}
