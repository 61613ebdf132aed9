using System.Runtime.CompilerServices;
using TaskGraph.Wire;

namespace TaskGraph.Tests.Wire;

/// <summary>
/// The two ways the wire reaches fields and MessagePack formatters: generated code (where the runtime allows it) and
/// reflection only (where it does not: a file-based app's default PublishAot=true). Wire suites run on both.
/// </summary>
public enum WirePath
{
    /// <summary>Compiled field accessors and MessagePack's dynamic resolvers.</summary>
    DynamicCode,
    /// <summary>Reflection only, as under <c>RuntimeFeature.IsDynamicCodeSupported == false</c>.</summary>
    Reflection,
}

/// <summary>Switches this process's wire to a <see cref="WirePath"/> for one test.</summary>
internal static class WirePaths
{
    /// <summary>Uses <paramref name="path"/> until the result is disposed (then: what the runtime allows).</summary>
    public static IDisposable Use(WirePath path)
    {
        DynamicCode.Allowed = path == WirePath.DynamicCode;
        return new Restore();
    }

    private sealed class Restore : IDisposable
    {
        public void Dispose() => DynamicCode.Allowed = RuntimeFeature.IsDynamicCodeSupported;
    }
}
