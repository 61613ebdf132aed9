using System.Reflection;
using System.Runtime.CompilerServices;

namespace TaskGraph;

/// <summary>
/// Scheduler names (<c>sync</c>, <c>threads</c>, <c>processes</c>, <c>distributed</c>) and how to create them.
/// The scheduler assemblies register themselves when loaded; the graph assembly cannot reference them (they
/// reference it), so the first lookup loads the known ones by name.
/// </summary>
public static class SchedulerRegistry
{
    private static readonly Dictionary<string, Func<IScheduler>> Factories = new(StringComparer.OrdinalIgnoreCase);
    private static readonly string[] KnownAssemblies = ["TaskGraph.Schedulers", "TaskGraph.Distributed"];
    private static int _loaded;

    /// <summary>The package that brings each scheduler name, for the message when it is not deployed.</summary>
    private static readonly Dictionary<string, string> PackageOf = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sync"] = "TaskGraph.Schedulers",
        ["synchronous"] = "TaskGraph.Schedulers",
        ["threads"] = "TaskGraph.Schedulers",
        ["processes"] = "TaskGraph.Schedulers",
        ["distributed"] = "TaskGraph.Distributed",
    };

    /// <summary>Registers (or replaces) the factory for <paramref name="name"/>.</summary>
    public static void Register(string name, Func<IScheduler> factory)
    {
        lock (Factories) Factories[name] = factory;
    }

    /// <summary>The registered names, sorted.</summary>
    public static IReadOnlyList<string> Names
    {
        get
        {
            EnsureLoaded();
            lock (Factories) return Factories.Keys.Order(StringComparer.Ordinal).ToArray();
        }
    }

    /// <summary>Creates the scheduler called <paramref name="name"/>; an unknown name lists the valid ones.</summary>
    public static IScheduler Create(string name)
    {
        EnsureLoaded();
        Func<IScheduler>? factory;
        lock (Factories) Factories.TryGetValue(name.Trim(), out factory);
        if (factory is null && PackageOf.TryGetValue(name.Trim(), out var package))
            throw new ArgumentException(
                $"The '{name.Trim()}' scheduler is in the {package} package, which this application does not reference: " +
                $"add it (dotnet add package {package}, or #r \"nuget: {package}, <version>\" in a notebook). Available now: {string.Join(", ", Names)}.",
                nameof(name));
        if (factory is null)
            throw new ArgumentException($"Unknown scheduler '{name}'. Valid names: {string.Join(", ", Names)}.", nameof(name));
        return factory();
    }

    private static void EnsureLoaded()
    {
        if (Interlocked.Exchange(ref _loaded, 1) == 1) return;
        foreach (var name in KnownAssemblies)
        {
            try
            {
                var asm = Assembly.Load(name);
                RuntimeHelpers.RunModuleConstructor(asm.ManifestModule.ModuleHandle);
            }
            catch (IOException)
            {
                // Not deployed with this application: its schedulers are simply not offered.
            }
        }
    }
}
