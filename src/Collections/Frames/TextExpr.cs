using System.Globalization;
using System.Text.RegularExpressions;

namespace TaskGraph.Frames;

/// <summary>The string functions of <see cref="TextExpr"/> (pandas' <c>.str</c> accessor).</summary>
internal enum TextKind
{
    /// <summary>Every occurrence of a literal replaced (pandas' <c>str.replace(regex=False)</c>).</summary>
    Replace,
    /// <summary>Every match of a regular expression replaced (<c>str.replace(regex=True)</c>).</summary>
    RegexReplace,
    /// <summary>One piece of a split (<c>str.split(sep).str[i]</c>).</summary>
    SplitPart,
    /// <summary>A group of the first match (<c>str.extract</c>).</summary>
    Extract,
    /// <summary>Whether a regular expression matches anywhere (<c>str.contains(regex=True)</c>).</summary>
    IsMatch,
}

/// <summary>
/// A string function with constant arguments: a pattern or literal, a replacement or separator, a piece or group
/// number. Evaluated once per distinct string of a dictionary-coded column; a missing input stays missing, and a
/// piece or group that does not exist is missing. Regular expressions use .NET's syntax, culture-invariant.
/// </summary>
internal sealed class TextExpr(TextKind kind, Expr inner, string pattern, string? argument, int index) : Expr
{
    /// <summary>Which function.</summary>
    public TextKind Kind { get; } = kind;
    /// <summary>The string expression.</summary>
    public Expr Inner { get; } = inner;
    /// <summary>The literal, pattern or separator.</summary>
    public string Pattern { get; } = pattern;
    /// <summary>The replacement (Replace, RegexReplace).</summary>
    public string? Argument { get; } = argument;
    /// <summary>The piece (SplitPart, negative from the end) or group (Extract).</summary>
    public int Index { get; } = index;

    /// <summary>Checks a regular expression now, so a bad pattern fails when the frame is built.</summary>
    internal static Regex Compile(string pattern)
    {
        try { return new Regex(pattern, RegexOptions.CultureInvariant); }
        catch (ArgumentException e) { throw new ArgumentException($"Invalid regular expression '{pattern}': {e.Message}", nameof(pattern), e); }
    }

    /// <inheritdoc />
    public override ColumnType TypeIn(Schema schema)
    {
        var t = Inner.TypeIn(schema);
        if (t != ColumnType.String) throw new InvalidOperationException($"{Kind} needs a String; {Inner} is {t}.");
        return Kind == TextKind.IsMatch ? ColumnType.Bool : ColumnType.String;
    }

    /// <inheritdoc />
    public override Column Evaluate(Table table)
    {
        var c = Inner.Evaluate(table);
        if (Kind == TextKind.IsMatch)
        {
            var regex = Compile(Pattern);
            return TextKernels.Map(c, s => regex.IsMatch(s));
        }
        Func<string, string?> f = Kind switch
        {
            TextKind.Replace => s => s.Replace(Pattern, Argument, StringComparison.Ordinal),
            TextKind.RegexReplace => Compile(Pattern) is var r ? s => r.Replace(s, Argument!) : null!,
            TextKind.SplitPart => s =>
            {
                var parts = s.Split(Pattern);
                int i = Index < 0 ? parts.Length + Index : Index;
                return i >= 0 && i < parts.Length ? parts[i] : null;
            },
            _ => Compile(Pattern) is var x ? s => x.Match(s) is { Success: true } m && m.Groups[Index].Success ? m.Groups[Index].Value : null : null!,
        };
        return TextKernels.Map(c, f);
    }

    /// <inheritdoc />
    public override void CollectColumns(ISet<string> into) => Inner.CollectColumns(into);

    /// <inheritdoc />
    public override string DefaultName => Inner.DefaultName;

    /// <inheritdoc />
    public override string ToString() => $"{Kind}({Inner}, {Quote(Pattern)}, {Quote(Argument)}, {Index})";
}

/// <summary>Loops of the string functions: once per distinct string of a dictionary-coded column, else per row.</summary>
internal static class TextKernels
{
    /// <summary>A string column mapped by <paramref name="f"/>; a null result is missing.</summary>
    public static Column Map(Column c, Func<string, string?> f)
    {
        int n = c.Length;
        var r = new string?[n];
        if (c.Dictionary is { } dict && c.Codes is { } codes)
        {
            var mapped = dict.Select(f).ToArray();
            for (int i = 0; i < n; i++) r[i] = codes[i] >= 0 && c.IsValid(i) ? mapped[codes[i]] : null;
        }
        else for (int i = 0; i < n; i++) r[i] = c.IsValid(i) && c.Strings[i] is { } s ? f(s) : null;
        return Column.Of(r);
    }

    /// <summary>A Bool column of <paramref name="f"/> over a string column; missing stays missing.</summary>
    public static Column Map(Column c, Func<string, bool> f)
    {
        int n = c.Length;
        var r = new bool[n];
        if (c.Dictionary is { } dict && c.Codes is { } codes)
        {
            var mapped = dict.Select(f).ToArray();
            for (int i = 0; i < n; i++) r[i] = codes[i] >= 0 && mapped[codes[i]];
        }
        else for (int i = 0; i < n; i++) r[i] = c.Strings[i] is { } s && f(s);
        return new Column(ColumnType.Bool, r, n, c.Validity is null ? null : (bool[])c.Validity.Clone());
    }
}
