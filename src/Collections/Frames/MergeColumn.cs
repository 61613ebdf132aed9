namespace TaskGraph.Frames;

/// <summary>Where one output column of a merge comes from: 0 = left, 1 = right, 2 = a shared key (left, else right).</summary>
internal sealed record MergeColumn(string Name, int Side, string? Left, string? Right);
