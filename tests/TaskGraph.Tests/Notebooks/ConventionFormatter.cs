using System.Collections;
using System.Linq.Expressions;
using System.Reflection;

namespace TaskGraph.Tests.Notebooks;

/// <summary>
/// Formats values the way .NET Interactive's <c>Formatter</c> does for convention-based formatter sources (no
/// package reference): find an attribute whose class is named <c>TypeFormatterSourceAttribute</c> on the value's
/// type, read its <c>FormatterSourceType</c> and <c>PreferredMimeTypes</c> properties, create the source, call
/// <c>CreateTypeFormatters()</c>, and call each formatter's <c>Format(object, TextWriter)</c> through a compiled
/// expression, picking by <c>MimeType</c> and <c>Type</c>. If TaskGraph's display breaks this contract, the
/// notebook kernel would silently fall back to its default display; these tests fail instead.
/// </summary>
public static class ConventionFormatter
{
    /// <summary>A formatter found by convention.</summary>
    public sealed record Found(string MimeType, Type Type, Func<object, TextWriter, bool> Format);

    /// <summary>The formatters the kernel would register for <paramref name="type"/>, and its preferred MIME types.</summary>
    public static (IReadOnlyList<Found> Formatters, string[] Preferred) For(Type type)
    {
        var formatters = new List<Found>();
        var preferred = new List<string>();
        foreach (var attr in type.GetCustomAttributes(true).Where(a => a.GetType().Name == "TypeFormatterSourceAttribute"))
        {
            if (Property<Type>(attr, "FormatterSourceType") is not { } sourceType) continue;
            var source = Activator.CreateInstance(sourceType)!;
            if (source.GetType().GetMethod("CreateTypeFormatters")!.Invoke(source, null) is not IEnumerable created) continue;
            foreach (var f in created)
            {
                if (Property<string>(f, "MimeType") is not { } mime) continue;
                var format = f.GetType().GetMethod("Format")!;
                var value = Expression.Parameter(typeof(object));
                var writer = Expression.Parameter(typeof(TextWriter));
                var call = Expression.Lambda<Func<object, TextWriter, bool>>(Expression.Call(Expression.Constant(f), format, value, writer), value, writer).Compile();
                formatters.Add(new Found(mime, Property<Type>(f, "Type") ?? type, call));
            }
            if (Property<string[]>(attr, "PreferredMimeTypes") is { } mimes) preferred.AddRange(mimes);
        }
        return (formatters, preferred.ToArray());
    }

    /// <summary>
    /// <paramref name="value"/> formatted as <paramref name="mimeType"/> (null: its preferred MIME type), or null
    /// when no convention formatter handles it.
    /// </summary>
    public static string? Format(object value, string? mimeType = null)
    {
        var (formatters, preferred) = For(value.GetType());
        mimeType ??= preferred.FirstOrDefault();
        foreach (var f in formatters.Where(f => f.MimeType == mimeType && f.Type.IsInstanceOfType(value)))
        {
            var writer = new StringWriter();
            if (f.Format(value, writer)) return writer.ToString();
        }
        return null;
    }

    private static T? Property<T>(object o, string name) where T : class
        => o.GetType().GetProperty(name)?.GetGetMethod()?.Invoke(o, null) as T;
}
