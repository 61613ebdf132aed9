namespace TaskGraph.Frames;

/// <summary>Which unmatched rows a merge keeps (pandas' <c>how</c>).</summary>
public enum JoinType
{
    /// <summary>Only matching rows.</summary>
    Inner,
    /// <summary>Every left row; right columns missing where unmatched.</summary>
    Left,
    /// <summary>Every right row; left columns missing where unmatched.</summary>
    Right,
    /// <summary>Every row of both sides.</summary>
    Outer,
}
