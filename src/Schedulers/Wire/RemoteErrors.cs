using System.Reflection;
using System.Runtime.ExceptionServices;

namespace TaskGraph.Wire;

/// <summary>
/// Exceptions across the wire: sent as type name, message and stack trace (and inner exceptions), rebuilt on the
/// other side as the same exception type when it is a trusted type with a message constructor, else as
/// <see cref="RemoteTaskException"/>; either way the remote stack trace is attached
/// (<see cref="ExceptionDispatchInfo.SetRemoteStackTrace"/>), so <c>e.StackTrace</c> shows where it was thrown.
/// </summary>
public static class RemoteErrors
{
    /// <summary>Writes <paramref name="e"/> (type, message, stack trace, up to 8 inner exceptions).</summary>
    public static void Write(WireWriter w, Exception e, int depth = 0)
    {
        w.WriteString(e.GetType().AssemblyQualifiedName ?? e.GetType().FullName);
        w.WriteString(e.Message);
        w.WriteString(e.StackTrace ?? "");
        if (e.InnerException is { } inner && depth < 8) { w.WriteByte(1); Write(w, inner, depth + 1); }
        else w.WriteByte(0);
    }

    /// <summary>Reads an exception written by <see cref="Write"/>.</summary>
    public static Exception Read(WireReader r)
    {
        var typeName = r.ReadString() ?? "System.Exception";
        var message = r.ReadString() ?? "";
        var stack = r.ReadString() ?? "";
        var inner = r.ReadByte() == 1 ? Read(r) : null;
        var e = Rebuild(typeName, message, inner);
        if (stack.Length > 0) ExceptionDispatchInfo.SetRemoteStackTrace(e, stack + Environment.NewLine + "--- End of stack trace in the worker process ---" + Environment.NewLine);
        return e;
    }

    private static Exception Rebuild(string typeName, string message, Exception? inner)
    {
        try
        {
            var t = Type.GetType(typeName, throwOnError: false);
            if (t is not null && typeof(Exception).IsAssignableFrom(t) && !t.IsAbstract && Identities.IsTrusted(t.Assembly))
            {
                if (inner is not null && t.GetConstructor([typeof(string), typeof(Exception)]) is { } c2) return (Exception)c2.Invoke([message, inner]);
                if (t.GetConstructor([typeof(string)]) is { } c1) return (Exception)c1.Invoke([message]);
            }
        }
        catch (Exception) { /* fall back to the generic remote exception below */ }
        return new RemoteTaskException(typeName, message, inner);
    }
}

/// <summary>An exception thrown in a worker process whose type could not be rebuilt here.</summary>
public sealed class RemoteTaskException : Exception
{
    /// <summary>The remote exception's type name.</summary>
    public string RemoteType { get; }

    /// <summary>Creates the exception.</summary>
    public RemoteTaskException(string remoteType, string message, Exception? inner = null)
        : base($"{remoteType.Split(',')[0]}: {message}", inner) => RemoteType = remoteType;
}
