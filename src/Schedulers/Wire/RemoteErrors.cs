using System.Reflection;
using System.Runtime.ExceptionServices;

namespace TaskGraph.Wire;

/// <summary>
/// Exceptions across the wire: sent as type name, message, stack trace, inner exceptions and the fields the
/// exception's own classes declare (a <c>Partition</c> or <c>ParamName</c>, say), rebuilt on the other side as the
/// same exception type when it is trusted — constructed through <see cref="Exception(string, Exception)"/> and its
/// fields restored, so no particular constructor is needed — else as <see cref="RemoteTaskException"/>; either way
/// the remote stack trace is attached
/// (<see cref="ExceptionDispatchInfo.SetRemoteStackTrace"/>), so <c>e.StackTrace</c> shows where it was thrown.
/// </summary>
internal static class RemoteErrors
{
    /// <summary>Writes <paramref name="e"/> (type, message, stack trace, up to 8 inner exceptions).</summary>
    public static void Write(WireWriter w, Exception e, int depth = 0)
    {
        w.WriteString(e.GetType().AssemblyQualifiedName ?? e.GetType().FullName);
        w.WriteString(e.Message);
        w.WriteString(e.StackTrace ?? "");
        if (e.InnerException is { } inner && depth < 8) { w.WriteByte(1); Write(w, inner, depth + 1); }
        else w.WriteByte(0);
        WriteOwnFields(w, e);
    }

    // The fields declared below System.Exception, each as (name, value); a field whose value cannot cross is left out.
    private static void WriteOwnFields(WireWriter w, Exception e)
    {
        var fields = new List<(string, object?)>();
        foreach (var f in OwnFields(e.GetType()))
        {
            var value = f.GetValue(e);
            try { WireCodec.Check(value, f.Name); fields.Add((f.Name, value)); }
            catch (WireException) { /* e.g. a socket handle: the message still says what happened */ }
        }
        w.WriteInt32(fields.Count);
        foreach (var (name, value) in fields)
        {
            w.WriteString(name);
            WireCodec.Write(w, value, name);
        }
    }

    private static IEnumerable<FieldInfo> OwnFields(Type t)
    {
        for (; t != typeof(Exception) && t.BaseType is not null; t = t.BaseType)
            foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                yield return f;
    }

    /// <summary>Reads an exception written by <see cref="Write"/>.</summary>
    /// <exception cref="WireException">The bytes are malformed (see <see cref="WireCodec.Read(WireReader, WireLimits?)"/>).</exception>
    public static Exception Read(WireReader r)
    {
        try { return Read(r, 0); }
        catch (Exception e) when (e is not WireException && !(e is IOException && r.IsStream))
        {
            throw new WireException($"Malformed error message at byte {r.Position}: {e.Message}", "", e);
        }
    }

    private static Exception Read(WireReader r, int depth)
    {
        var typeName = r.ReadString() ?? "System.Exception";
        var message = r.ReadString() ?? "";
        var stack = r.ReadString() ?? "";
        byte hasInner = r.ReadByte();
        if (hasInner > 1 || hasInner == 1 && depth >= 8) throw new WireException($"Malformed error message: inner exception marker {hasInner} at depth {depth}.");
        var inner = hasInner == 1 ? Read(r, depth + 1) : null;
        int count = r.ReadInt32();
        if (count is < 0 or > 256) throw new WireException($"Malformed error message: {count} fields.");
        var fields = new (string Name, object? Value)[count];
        for (int i = 0; i < count; i++) fields[i] = (r.ReadString() ?? "", WireCodec.Read(r));
        var e = Rebuild(typeName, message, inner, fields);
        if (stack.Length > 0) ExceptionDispatchInfo.SetRemoteStackTrace(e, stack + Environment.NewLine + "--- End of stack trace in the worker process ---" + Environment.NewLine);
        return e;
    }

    private static Assembly? LoadAssembly(AssemblyName name)
    {
        if (name.Name is not { } simple || !Identities.IsSimpleAssemblyName(simple)) return null;
        foreach (var a in AppDomain.CurrentDomain.GetAssemblies())
            if (!a.IsDynamic && a.GetName().Name == simple) return a;
        try { return Assembly.Load(new AssemblyName(simple)); }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException) { return null; }
    }

    private static readonly ConstructorInfo BaseConstructor = typeof(Exception).GetConstructor([typeof(string), typeof(Exception)])!;

    private static Exception Rebuild(string typeName, string message, Exception? inner, (string Name, object? Value)[] fields)
    {
        try
        {
            // The name comes from another process: assemblies are looked up only by simple name, among those already
            // loaded or loadable from the application (never from a path the name could spell).
            var t = Type.GetType(typeName, LoadAssembly, typeResolver: null, throwOnError: false);
            if (t is not null && typeof(Exception).IsAssignableFrom(t) && !t.IsAbstract && Identities.IsTrusted(t.Assembly))
            {
                // The type's own constructors may want arguments we do not have: build it bare, run Exception's
                // constructor on it for message and inner exception, then put its own fields back.
                var e = (Exception)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(t);
                BaseConstructor.Invoke(e, [message, inner]);
                var own = OwnFields(t).ToDictionary(f => f.Name);
                foreach (var (name, value) in fields)
                    if (own.TryGetValue(name, out var f) && (value is null || f.FieldType.IsInstanceOfType(value))) f.SetValue(e, value);
                return e;
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
