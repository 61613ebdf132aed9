using System.Text.Json;

namespace TaskGraph.Tests.Notebooks;

/// <summary>A Jupyter / Polyglot notebook file read as data: its cells in order.</summary>
public sealed class NotebookDocument
{
    /// <summary>One cell: markdown or code, its language (for code) and its text.</summary>
    public sealed record Cell(int Index, string Kind, string? Language, string Source);

    private NotebookDocument(string kernel, IReadOnlyList<Cell> cells)
    {
        Kernel = kernel;
        Cells = cells;
    }

    /// <summary>The kernel named in the notebook's metadata (<c>.net-csharp</c> for C#).</summary>
    public string Kernel { get; }

    /// <summary>Every cell, in order.</summary>
    public IReadOnlyList<Cell> Cells { get; }

    /// <summary>The code cells, in order.</summary>
    public IEnumerable<Cell> CodeCells => Cells.Where(c => c.Kind == "code");

    /// <summary>Reads <paramref name="path"/> (nbformat 4 JSON); the message names the file and cell when the format is off.</summary>
    public static NotebookDocument Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        var kernel = root.GetProperty("metadata").GetProperty("kernelspec").GetProperty("name").GetString() ?? "";
        var cells = new List<Cell>();
        int i = 0;
        foreach (var cell in root.GetProperty("cells").EnumerateArray())
        {
            var kind = cell.GetProperty("cell_type").GetString() ?? throw new FormatException($"{path}: cell {i} has no cell_type.");
            var source = cell.GetProperty("source") switch
            {
                { ValueKind: JsonValueKind.Array } lines => string.Concat(lines.EnumerateArray().Select(l => l.GetString())),
                { ValueKind: JsonValueKind.String } text => text.GetString()!,
                _ => throw new FormatException($"{path}: cell {i} has a source that is neither text nor lines."),
            };
            string? language = null;
            if (cell.TryGetProperty("metadata", out var meta))
            {
                if (meta.TryGetProperty("polyglot_notebook", out var pn) && pn.TryGetProperty("kernelName", out var kn)) language = kn.GetString();
                else if (meta.TryGetProperty("dotnet_interactive", out var di) && di.TryGetProperty("language", out var l)) language = l.GetString();
            }
            cells.Add(new Cell(i++, kind, language, source));
        }
        return new NotebookDocument(kernel, cells);
    }
}
