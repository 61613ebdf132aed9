using System.Runtime.CompilerServices;

namespace TaskGraph.Wire;

/// <summary>
/// Whether the wire may generate code at run time. It does where it can (compiled field accessors, MessagePack's
/// dynamic formatters), and falls back to reflection where the runtime forbids it: a file-based app
/// (<c>dotnet run app.cs</c>, .NET 10) defaults to <c>PublishAot=true</c>, which turns dynamic code off even under
/// the JIT (<see cref="RuntimeFeature.IsDynamicCodeSupported"/> is false), and its pool workers start with the same
/// runtime settings. Both paths accept and refuse exactly the same values and bytes.
/// </summary>
internal static class DynamicCode
{
    private static bool _allowed = RuntimeFeature.IsDynamicCodeSupported;

    /// <summary>
    /// True when the wire generates code; false when this runtime forbids it. Tests set it to false to run the
    /// reflection path in a process that could generate code (setting it to true where the runtime forbids it is
    /// refused). Types are cached per path, so switching takes effect for every type at once.
    /// </summary>
    internal static bool Allowed
    {
        get => _allowed;
        set
        {
            if (value && !RuntimeFeature.IsDynamicCodeSupported)
                throw new InvalidOperationException("This runtime does not support dynamic code (RuntimeFeature.IsDynamicCodeSupported is false).");
            _allowed = value;
        }
    }

    /// <summary>
    /// The one error for what truly needs generated code here: names <paramref name="type"/>, what needs the code,
    /// and what the user can do.
    /// </summary>
    internal static WireException Required(Type type, string what, string? alternative = null) => new(
        $"{type} cannot cross a process boundary here: {what} generates code at run time, and this process does not allow " +
        "dynamic code (RuntimeFeature.IsDynamicCodeSupported is false; a file-based app run with `dotnet run app.cs` defaults " +
        "to PublishAot=true, which turns it off even under the JIT). Add `#:property PublishAot=false` to the app " +
        "(`<PublishAot>false</PublishAot>` in a project file)" + (alternative is null ? "." : $", or {alternative}."));
}
